// Package signin owns ward's built-in sign-in UI: the routes under /ui/ that show the identity
// service's self-service flows (login, registration, settings, recovery), its errors and its logout
// confirmation, and the OAuth2 server's consent, drawn by api/pages; and the bridge that lets
// ward's OAuth2 server use the identity service as its login app ([LoginBridge]).
//
// The pages read flows through the domain, in process, as a Kratos UI app reads them through
// the public API: a page without ?flow= starts a browser flow (a redirect to
// /self-service/KIND/browser with the query kept), and the forms post to the Kratos routes of
// api/kratos, which send the browser back here. With them, and with the OAuth2 server's
// login_url and consent_url left unset, `ward serve` alone is an OpenID Connect provider with
// user accounts.
package signin
