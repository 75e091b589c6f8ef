// Package middleware holds what every surface of ward's transport shares around a request: who
// the caller is (API keys, ward access tokens and the scope each procedure needs, the Bearer and
// Basic Authorization schemes, the admin listener's gate), the bounds of a request (body size,
// decompressed size, the time to send a body, the time of a unary RPC), the Host allow-list
// against DNS rebinding, the client's address behind trusted proxies, the security headers of
// responses a browser renders, and the observation of every call (metrics, debug logs and traces,
// for Connect RPCs and plain-HTTP routes alike). It serves no route of its own and knows no
// surface's handlers.
package middleware
