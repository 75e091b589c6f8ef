// Package kratos is ward's identity service in Ory Kratos's public HTTP contract, so that front
// ends written for Kratos and Ory's SDKs (github.com/ory/client-go) work against ward with only
// the base URL changed. It is thin: it decodes a request, calls the identity domain
// ([github.com/wardhq/ward/identity], [github.com/wardhq/ward/identity/flow],
// [github.com/wardhq/ward/identity/schema]) and encodes the answer as Kratos v1.3.1 does —
// its statuses, its JSON bodies, its {"error": {…}} objects and IDs, its Link pagination, its
// session and CSRF cookies.
//
// A [Handler] has two sets of routes: the public listener's (whoami, the user's own sessions,
// the identity schemas, the self-service flows) and the admin listener's (identities and
// sessions under /admin). The admin routes authenticate nobody themselves: the admin listener's
// gate does (an admin key off loopback).
//
// A browser flow that fails with nowhere else to go is sent (303) to the error UI
// (Config.ErrorUIURL) with ?id=, as Kratos sends it: the ID is the error itself, sealed with
// Config.ErrorKeys, so that GET /self-service/errors?id= answers it on any node holding the keys
// without a table, for DefaultErrorLifespan.
package kratos
