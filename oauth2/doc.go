// Package oauth2 owns ward's OAuth 2.0 and OpenID Connect domain: the registered clients and the
// rules they must satisfy, client secrets, scopes, PKCE, and the error responses of the RFCs; and
// the [Provider], the authorization server itself. Opaque tokens are in the subpackage
// [github.com/wardhq/ward/oauth2/token].
//
// The Provider implements the grants (client credentials; authorization code with PKCE; refresh
// token with rotation and reuse detection; device authorization, RFC 8628), client authentication
// (client_secret_basic, client_secret_post, private_key_jwt, none), the login-and-consent flow in
// the manner of Ory Hydra (the browser is sent to external login and consent apps with a
// challenge; the apps accept or reject it through the admin API; the browser comes back with a
// verifier), ID tokens and optional JWT access tokens (RFC 9068) signed with rotating keys,
// introspection (RFC 7662) from a cache that hears of revocations on other nodes within a bound,
// revocation (RFC 7009), userinfo, RP-initiated logout and discovery. Its state is a
// [store.OAuth2Store]; several Providers may share one.
//
// The package knows no transport: the plain-HTTP endpoints in api/oauth2 decode a request, call
// in here, and write an [*Error] as the RFC's JSON error object. Client validation and the admin
// methods return [fault.Error] instead, naming the field at fault.
package oauth2
