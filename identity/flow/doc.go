// Package flow owns ward's self-service flows in Ory Kratos's contract: login, registration,
// settings, logout, verification and recovery, with Kratos's life cycle (init for browsers and
// for native apps, fetch, submit, expiry), its JSON (the flow objects Ory's SDKs decode, their
// ui forms with Kratos's nodes and message IDs, continue_with items), its error objects and IDs,
// its CSRF protection of browser flows, its return_to allow-list and the privileged window of
// settings.
//
// The package is transport-neutral: a [Service] takes a [Request] the transport filled in from
// HTTP, and answers with flows, results that say what the transport must do next (set a session
// token or cookie, redirect a browser, answer JSON), or an [*Error] that is one of Kratos's error
// objects with its HTTP status. Identities, credentials and sessions are the identity service's
// ([Accounts]); flows are kept in a [store.SelfServiceFlowStore], whose version compare-and-set
// makes a flow's submissions take effect one at a time.
//
// # Choices where Kratos leaves room
//
//   - A login or registration flow that succeeded is in state passed_challenge and refuses further
//     submissions with Kratos's "already completed" message (4010007, 4040002), so that a
//     replayed request cannot start a second session or create a second identity.
//   - The logout token of a session is derived from its token (a hash, domain-separated), so it
//     is bound to the session without being stored, and stops working once the session is
//     revoked.
//   - Second factors (selfservice.methods.totp and lookup_secret, see [SecondFactorConfig]): a
//     login with aal=aal2 steps the session the request carries up with a TOTP code or a
//     recovery code; without a session it is Kratos's session_aal1_required, for an identity
//     without a second factor session_aal2_required, pointing at the settings UI. A password
//     login of an identity with one goes on to the aal2 login when whoami requires
//     highest_available. Recovery codes are kept as Kratos keeps them (the settings flow can
//     reveal them), and a TOTP key as its otpauth:// URL; wrong codes drain the identity's login
//     bucket.
//   - Verification and recovery always tell an address no identity has that someone used it
//     (Kratos's notify_unknown_recipients on), so that the answer and the work are the same for
//     known and unknown addresses.
//   - A recovered API flow's session token is in the answer's continue_with only: the stored
//     flow never holds it.
//   - Kratos fills oauth2_login_request from Hydra when a flow is fetched; ward records the
//     login_challenge (oauth2_login_challenge) and hands it back on success
//     ([LoginResult.LoginChallenge]) for the transport to complete with the OAuth2 provider.
//
// # For the transport
//
// Browser flows: set the CSRF cookie to FlowInit.SetCSRFCookie when it is not "", pass the
// cookie's value as Request.CSRFCookie; answer JSON when the client asked for it, otherwise
// redirect (303) to the Redirect of the result or the error. A refused submission (Refused) is
// 400 with the flow. API flows: answer JSON only; [CheckAPIRequest] is applied by the
// submissions already. An [*Error] is written with its Code and its JSON.
package flow
