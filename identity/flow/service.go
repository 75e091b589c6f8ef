package flow

import (
	"context"
	"encoding/json"
	"github.com/wardhq/ward/identity"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/store"
)

// Schemas is what the flows need of the identity schemas: the traits' form fields, the label of
// the login identifier, and what the schema says about traits (their identifiers, to tell a
// sensitive settings change and to prefill a refresh). *schema.Registry implements it.
type Schemas interface {
	DefaultID() string
	Fields(schemaID string) ([]schema.Field, error)
	IdentifierLabel(schemaID string) (string, error)
	Extract(ctx context.Context, schemaID string, traits json.RawMessage) (*schema.Extracted, error)
}

var _ Schemas = (*schema.Registry)(nil)

// Service runs the self-service flows. It is safe for concurrent use, and several Services (one
// per node) may share a store.
type Service struct {
	st       store.SelfServiceFlowStore
	accounts Accounts
	schemas  Schemas
	cfg      *settings
}

// NewService returns a Service over st. The error is InvalidArgument naming the config key at
// fault.
func NewService(st store.SelfServiceFlowStore, accounts Accounts, schemas Schemas, cfg Config) (*Service, error) {
	if st == nil || accounts == nil || schemas == nil {
		return nil, fault.New(fault.InvalidArgument, "a flow store, the identity service and the schemas are required")
	}
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	return &Service{st: st, accounts: accounts, schemas: schemas, cfg: s}, nil
}

// session returns the active session of token, or nil when token is "" or names no active
// session. Failures of the identity service other than "no such session" are returned.
func (s *Service) session(ctx context.Context, token string) (*identity.Session, error) {
	if token == "" {
		return nil, nil
	}
	sess, err := s.accounts.Whoami(ctx, token)
	if err != nil {
		if isNoSession(err) {
			return nil, nil
		}
		return nil, err
	}
	return sess, nil
}

// csrfFor returns the masked token a new browser flow carries, and the secret the browser's
// cookie must hold: the request's, or a new one (cookie is then the value to set).
func csrfFor(r *Request, t Type) (token, cookie string) {
	if t != TypeBrowser {
		return "", ""
	}
	secret := r.CSRFCookie
	if !ValidCSRFSecret(secret) {
		secret = NewCSRFSecret()
		cookie = secret
	}
	return maskCSRF(secret), cookie
}

// replacementCSRF is the token of a flow that replaces an expired one: the masked secret of the
// browser's cookie, which it already has; "" for an API flow, or a browser without a valid one
// (whose next submission then fails the CSRF check, as it would have anyway).
func replacementCSRF(r *Request, t Type) string {
	if t != TypeBrowser || !ValidCSRFSecret(r.CSRFCookie) {
		return ""
	}
	return maskCSRF(r.CSRFCookie)
}

// readSubmission parses r's body and applies Kratos's rules to who submits a flow of type t:
// an API flow refuses browsers, a browser flow needs the CSRF token of the browser's cookie. Both
// come before anything is written to the flow.
func readSubmission(r *Request, t Type) (*Submission, error) {
	sub, err := ParseSubmission(r.ContentType, r.Body)
	if err != nil {
		return nil, err
	}
	if t == TypeAPI {
		if err := CheckAPIRequest(r.Header); err != nil {
			return nil, err
		}
		return sub, nil
	}
	sent := r.submittedCSRF(sub)
	if !CheckCSRF(r.CSRFCookie, sent) {
		return nil, errCSRF(r.Header, r.CSRFCookie, sent)
	}
	return sub, nil
}

// checkBrowserOwns refuses to show a browser flow to another browser than the one it was issued
// to (Kratos's getLoginFlow compares the CSRF tokens).
func checkBrowserOwns(r *Request, t Type, issued string) error {
	if t == TypeBrowser && !CheckCSRF(r.CSRFCookie, issued) {
		return errCSRF(r.Header, r.CSRFCookie, issued)
	}
	return nil
}

func parseType(t Type) (Type, error) {
	switch t {
	case TypeAPI, TypeBrowser:
		return t, nil
	}
	return "", fault.Bugf("unknown flow type %q", t)
}
