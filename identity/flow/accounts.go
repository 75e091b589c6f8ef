package flow

import (
	"context"
	"encoding/json"
	"time"

	"github.com/wardhq/ward/fault"
)

// Accounts is what the flows need of ward's identity service: the methods of the identity
// package's Service that they call, and nothing else.
//
// Errors the flows tell apart: a traits validation error (a [*schema.ValidationError] somewhere
// in the chain), a password policy error (an error with TextID() int and Context()
// map[string]any, as the password package's PolicyError), [ErrInvalidCredentials]-like
// refusals (fault code InvalidArgument or NotFound from AuthenticatePassword, see
// [Service.SubmitLogin]), AlreadyExists for a taken identifier, and any other error, which is
// passed on to the transport.
//
// [*schema.ValidationError]: https://pkg.go.dev/github.com/wardhq/ward/identity/schema#ValidationError
type Accounts interface {
	// Register creates an identity of schema schemaID with these traits and password.
	Register(ctx context.Context, schemaID string, traits json.RawMessage, password string) (*Identity, error)
	// AuthenticatePassword returns the identity that identifier and password name; source is the
	// client's address, for the identity service's limiter.
	AuthenticatePassword(ctx context.Context, identifier, password, source string) (*Identity, error)
	// IssueSession starts a session of identityID and returns it with its token.
	IssueSession(ctx context.Context, identityID string, m AuthenticationMethod, d Device) (*Session, string, error)
	// Whoami returns the active session of token.
	Whoami(ctx context.Context, token string) (*Session, error)
	// RevokeSessionByToken ends the session of token.
	RevokeSessionByToken(ctx context.Context, token string) error
	// UpdateTraits replaces identityID's traits.
	UpdateTraits(ctx context.Context, identityID string, traits json.RawMessage) (*Identity, error)
	// SetPassword replaces identityID's password.
	SetPassword(ctx context.Context, identityID, password string) error
	// GetIdentity returns the identity with this ID.
	GetIdentity(ctx context.Context, id string) (*Identity, error)
}

// Identity is an identity as the identity service returns it; the flows read its ID, schema and
// traits, and a settings flow embeds its JSON. It is the flows' stand-in for the identity
// package's Identity until that package is merged, with the same field names and JSON.
type Identity struct {
	ID        string          `json:"id"`
	SchemaID  string          `json:"schema_id"`
	SchemaURL string          `json:"schema_url"`
	State     string          `json:"state,omitempty"`
	Traits    json.RawMessage `json:"traits"`
	CreatedAt time.Time       `json:"created_at,omitzero"`
	UpdatedAt time.Time       `json:"updated_at,omitzero"`
}

// Session is a session as the identity service returns it; the flows read who it is of, when
// it authenticated and at which level. It is the flows' stand-in for the identity package's
// Session until that package is merged.
type Session struct {
	ID              string    `json:"id"`
	IdentityID      string    `json:"-"`
	Active          bool      `json:"active"`
	AuthenticatedAt time.Time `json:"authenticated_at"`
	ExpiresAt       time.Time `json:"expires_at"`
	IssuedAt        time.Time `json:"issued_at"`
	AAL             string    `json:"authenticator_assurance_level"`
	Identity        *Identity `json:"identity,omitempty"`
}

// AuthenticationMethod is the step a session was started with.
type AuthenticationMethod struct {
	Method string // "password"
	AAL    string // "aal1"
}

// Device is the user agent a session is started from.
type Device struct {
	IPAddress string
	UserAgent string
	Location  string
}

// The fields the flows read of the identity service's values; the only place that names them,
// so that switching to the identity package's types touches this file alone.
func identityID(i *Identity) string              { return i.ID }
func identitySchemaID(i *Identity) string        { return i.SchemaID }
func identityTraits(i *Identity) json.RawMessage { return i.Traits }
func sessionID(s *Session) string                { return s.ID }
func sessionIdentityID(s *Session) string        { return s.IdentityID }
func sessionAuthenticatedAt(s *Session) time.Time {
	return s.AuthenticatedAt
}
func sessionAAL(s *Session) string { return s.AAL }

// isInvalidCredentials says whether err, from AuthenticatePassword, refuses the identifier and
// password (the identity package's ErrInvalidCredentials, a fault of code InvalidArgument, or an
// unknown identifier): every such refusal is the one message 4000006, so that a login does not
// tell which of the two was wrong. Limits (ResourceExhausted) and failures pass through.
func isInvalidCredentials(err error) bool {
	switch fault.CodeOf(err) {
	case fault.InvalidArgument, fault.NotFound, fault.FailedPrecondition:
		return true
	}
	return false
}
