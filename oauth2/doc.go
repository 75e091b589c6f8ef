// Package oauth2 owns ward's OAuth 2.0 and OpenID Connect domain: the registered clients and the
// rules they must satisfy, client secrets, scopes, PKCE, and the error responses of the RFCs.
// Opaque tokens are in the subpackage [github.com/wardhq/ward/oauth2/token].
//
// The package knows no transport: the plain-HTTP endpoints in connectapi decode a request, call
// in here, and write an [*Error] as the RFC's JSON error object. Client validation, which serves
// the admin API, returns [fault.Error] instead, naming the field at fault.
package oauth2
