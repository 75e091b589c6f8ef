// Package oauth2 is ward's plain-HTTP OAuth 2.0 and OpenID Connect surface, as the RFCs define
// it: discovery, JWKS, authorization, token, introspection, revocation, userinfo, device
// authorization and verification, RP-initiated logout, the small HTML pages and forms a browser
// sees on the way, CORS for browser apps, the per-source limits of the endpoints anyone may call,
// and the Prometheus collector of the provider's counters. It decodes a request, calls the domain
// package of the same name ([github.com/wardhq/ward/oauth2]), and writes the RFC's answer.
// Importers that also use the domain package name this one oauth2api.
package oauth2
