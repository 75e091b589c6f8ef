// Package api is ward's transport, assembled: it mounts the surfaces — the Connect services
// ([github.com/wardhq/ward/api/rpc]) and the OAuth2 and OpenID Connect endpoints
// ([github.com/wardhq/ward/api/oauth2]) — with the shared middleware
// ([github.com/wardhq/ward/api/middleware]) on the two listeners' handlers, public and admin,
// adds the health routes, /metrics and the profiles, and bounds every request by the listener's
// options. Each surface is a package of its own under api/; this one holds no handler logic.
package api
