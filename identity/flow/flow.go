package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/wardhq/ward/identity"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/ui"
	"github.com/wardhq/ward/store"
)

// Type is who drives a flow: a browser (cookies, CSRF, redirects) or a native app (JSON only).
type Type string

// The flow types of Kratos.
const (
	TypeAPI     Type = "api"
	TypeBrowser Type = "browser"
)

// State is where a flow is in its life cycle, as Kratos names the states.
type State string

// The states the password flows use.
const (
	// StateChooseMethod: the flow waits for a submission.
	StateChooseMethod State = "choose_method"
	// StatePassedChallenge: a login or registration succeeded; the flow cannot be submitted
	// again.
	StatePassedChallenge State = "passed_challenge"
	// StateSentEmail: a verification flow sent a code and waits for it.
	StateSentEmail State = "sent_email"
	// StateShowForm and StateSuccess are a settings flow's: before and after a change.
	StateShowForm State = "show_form"
	StateSuccess  State = "success"
)

// ContinueWith is one of Kratos's continue_with items: what the client does next.
type ContinueWith struct {
	// Action is "set_ory_session_token", "redirect_browser_to" or "show_settings_ui".
	Action string `json:"action"`
	// OrySessionToken is the session token a native app keeps (set_ory_session_token).
	OrySessionToken string `json:"ory_session_token,omitempty"`
	// RedirectBrowserTo is where a browser goes (redirect_browser_to).
	RedirectBrowserTo string `json:"redirect_browser_to,omitempty"`
	// Flow is the flow to show next (show_settings_ui).
	Flow *ContinueWithFlow `json:"flow,omitempty"`
}

// ContinueWithFlow names the flow a show_*_ui item shows: its ID and its page.
type ContinueWithFlow struct {
	ID  string `json:"id"`
	URL string `json:"url,omitempty"`
}

// The continue_with actions.
const (
	ActionSetSessionToken   = "set_ory_session_token"
	ActionRedirectBrowserTo = "redirect_browser_to"
	ActionShowSettingsUI    = "show_settings_ui"
)

func continueWithToken(token string) ContinueWith {
	return ContinueWith{Action: ActionSetSessionToken, OrySessionToken: token}
}

func continueWithRedirect(to string) ContinueWith {
	return ContinueWith{Action: ActionRedirectBrowserTo, RedirectBrowserTo: to}
}

// Request is what the flows need of an HTTP request; the transport fills it in.
type Request struct {
	// URL is the request's URL as the client sent it, made absolute with the public base URL's
	// scheme and host: Kratos records it as request_url, and reads return_to, refresh, aal and
	// login_challenge from its query.
	URL *url.URL
	// Header is the request's header: Origin and Cookie decide whether a request may submit an
	// API flow, and word CSRF errors.
	Header http.Header
	// CSRFCookie is the value of the CSRFCookieName cookie, "" when there is none.
	CSRFCookie string
	// SessionToken is the session the request carries (the session cookie of a browser, the
	// X-Session-Token header of an app), "" when none.
	SessionToken string
	// ContentType and Body are a submission's body.
	ContentType string
	Body        []byte
	// ClientIP and UserAgent describe the device a session is started from.
	ClientIP  string
	UserAgent string
}

func (r *Request) query(key string) string {
	if r.URL == nil {
		return ""
	}
	return r.URL.Query().Get(key)
}

func (r *Request) requestURL() string {
	if r.URL == nil {
		return ""
	}
	return r.URL.String()
}

func (r *Request) device() identity.Device {
	return identity.Device{IPAddress: r.ClientIP, UserAgent: r.UserAgent}
}

// submittedCSRF is the token a submission carries in its body, or else its X-CSRF-Token header.
func (r *Request) submittedCSRF(s *Submission) string {
	if s != nil && s.CSRFToken != "" {
		return s.CSRFToken
	}
	return r.Header.Get(CSRFHeaderName)
}

// ParseFlowID reads the flow (or id) query value: the flow a request names. A value that is not
// a UUID is Kratos's 400 "The flow query parameter is missing or malformed."
func ParseFlowID(raw string) (string, error) {
	id, err := uuid.Parse(strings.TrimSpace(raw))
	if err != nil || id == uuid.Nil {
		return "", errBadRequest("The flow query parameter is missing or malformed.")
	}
	return id.String(), nil
}

// record is a flow as stored: the flow's JSON and what only the server knows of it.
type record[F any] struct {
	Flow F `json:"flow"`
	// CSRFToken is the masked token the flow was issued with: a browser flow belongs to the
	// browser whose secret it unmasks to.
	CSRFToken string `json:"csrf_token,omitempty"`
	// SchemaID is the identity schema of the flow's traits (registration, settings).
	SchemaID string `json:"schema_id,omitempty"`
	// Code is the code method's state of a verification or recovery flow: the code sent, hashed.
	Code *codeState `json:"code,omitempty"`
	// CodeAttempts counts the codes submitted to a verification or recovery flow, whichever
	// code was sent: a flow allows maxCodeAttempts, so that a 6-digit code cannot be guessed.
	CodeAttempts int `json:"code_attempts,omitempty"`
	// TOTPURL is the key a settings flow offers to enrol (its QR code), until a code of it is
	// submitted; LookupCodes the recovery codes it generated, until confirmed.
	TOTPURL     string   `json:"totp_url,omitempty"`
	LookupCodes []string `json:"lookup_codes,omitempty"`
	// Link is the link method's state of a recovery flow: the token its link carries, hashed.
	// It is kept apart from Code so that a token is never taken as a code, nor a code as a token.
	Link *codeState `json:"link,omitempty"`
	// SkipCSRF marks a recovery flow the admin API made for a code it handed out (Kratos's
	// DangerousSkipCSRFCheck): no browser holds its CSRF secret, so the code alone, with its
	// attempts limit, protects it.
	SkipCSRF bool `json:"skip_csrf,omitempty"`
}

// stored is a record read from the store, with the version it was read at.
type stored[F any] struct {
	rec     record[F]
	version int64
	kind    store.SelfServiceFlowKind
	id      string
	owner   string // the store's IdentityID
	expires time.Time
}

func createRecord[F any](ctx context.Context, st store.SelfServiceFlowStore, kind store.SelfServiceFlowKind, id, owner string, expires time.Time, rec record[F]) (*stored[F], error) {
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, fault.Bugf("encode %s flow: %v", kind, err)
	}
	f := &store.SelfServiceFlow{ID: id, Kind: kind, IdentityID: owner, Data: data, ExpiresAt: expires}
	if err := st.CreateSelfServiceFlow(ctx, f); err != nil {
		return nil, fmt.Errorf("store the %s flow: %w", kind, err)
	}
	return &stored[F]{rec: rec, version: 1, kind: kind, id: id, owner: owner, expires: expires}, nil
}

// loadRecord reads a flow of kind. A flow that does not exist, or is of another kind, is
// Kratos's 404.
func loadRecord[F any](ctx context.Context, st store.SelfServiceFlowStore, kind store.SelfServiceFlowKind, id string) (*stored[F], error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, errNotFound("The requested resource could not be found")
	}
	f, err := st.GetSelfServiceFlow(ctx, kind, id)
	if fault.CodeOf(err) == fault.NotFound {
		return nil, errNotFound("The requested resource could not be found").withCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("read the %s flow: %w", kind, err)
	}
	s := &stored[F]{version: f.Version, kind: kind, id: f.ID, owner: f.IdentityID, expires: f.ExpiresAt}
	if err := json.Unmarshal(f.Data, &s.rec); err != nil {
		return nil, fault.Bugf("decode %s flow %s: %v", kind, id, err)
	}
	return s, nil
}

// errConcurrentSubmission says that another submission of the flow came first.
var errConcurrentSubmission = errors.New("another submission of the flow came first")

// save writes s.rec when the stored flow is still at s.version, and moves s to the next version.
// errConcurrentSubmission (in a 409 *Error) when another write came first.
func (s *stored[F]) save(ctx context.Context, st store.SelfServiceFlowStore, now time.Time) error {
	data, err := json.Marshal(s.rec)
	if err != nil {
		return fault.Bugf("encode %s flow: %v", s.kind, err)
	}
	f := &store.SelfServiceFlow{ID: s.id, Kind: s.kind, IdentityID: s.owner, Data: data, Version: s.version, ExpiresAt: s.expires, UpdatedAt: now}
	err = st.UpdateSelfServiceFlow(ctx, f)
	switch {
	case err == nil:
	case fault.CodeOf(err) == fault.FailedPrecondition:
		return newError(http.StatusConflict, errorMessageConflict,
			"The flow was submitted again while this submission ran; load the flow and try again.").withCause(errConcurrentSubmission)
	default:
		return fmt.Errorf("update the %s flow: %w", s.kind, err)
	}
	s.version++
	return nil
}

// newFlowID returns a new random flow ID.
func newFlowID() string { return uuid.NewString() }

// container returns a new form whose action is the public URL of route with ?flow=id.
func (s *settings) container(route, id string) *ui.Container {
	return ui.New(s.publicPath(route, url.Values{"flow": {id}}))
}

// flowURL returns the UI URL with ?flow=id: where browsers are sent to render the flow.
func flowURL(u *url.URL, id string) string { return withQuery(u, url.Values{"flow": {id}}) }
