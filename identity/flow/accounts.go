package flow

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
)

// Accounts is what the flows need of ward's identity service: the methods of
// [*identity.Service] they call, and nothing else.
type Accounts interface {
	// Register creates an identity of schema schemaID with these traits and password; source
	// is the client's address, for the service's limiter.
	Register(ctx context.Context, schemaID string, traits json.RawMessage, password, source string) (*identity.Identity, error)
	// AuthenticatePassword returns the identity that identifier and password name.
	AuthenticatePassword(ctx context.Context, identifier, password, source string) (*identity.Identity, error)
	// IssueSession starts a session of identityID and returns it with its token.
	IssueSession(ctx context.Context, identityID string, m identity.AuthenticationMethod, d identity.Device) (*identity.Session, string, error)
	// RefreshSession records a re-authentication in the session with this ID; the token stays.
	RefreshSession(ctx context.Context, id string, m identity.AuthenticationMethod, d identity.Device) (*identity.Session, error)
	// Whoami returns the valid session of token, or identity.ErrNoActiveSession.
	Whoami(ctx context.Context, token string) (*identity.Session, error)
	// RevokeSessionByToken ends the session of token.
	RevokeSessionByToken(ctx context.Context, token string) error
	// UpdateTraits replaces identityID's traits.
	UpdateTraits(ctx context.Context, identityID string, traits json.RawMessage) (*identity.Identity, error)
	// SetPassword replaces identityID's password.
	SetPassword(ctx context.Context, identityID, password string) error
	// GetIdentity returns the identity with this ID.
	GetIdentity(ctx context.Context, id string) (*identity.Identity, error)
	// FindVerifiableAddress returns the identity that has the verifiable address via:value, and
	// that address; NotFound when none has it.
	FindVerifiableAddress(ctx context.Context, via, value string) (*identity.Identity, *identity.VerifiableAddress, error)
	// FindRecoveryAddress returns the identity that has the recovery address via:value, and
	// that address; NotFound when none has it.
	FindRecoveryAddress(ctx context.Context, via, value string) (*identity.Identity, *identity.RecoveryAddress, error)
	// MarkAddressSent records that a code went to identityID's address addressID (pending → sent).
	MarkAddressSent(ctx context.Context, identityID, addressID string) error
	// MarkAddressVerified marks identityID's verifiable address addressID verified.
	MarkAddressVerified(ctx context.Context, identityID, addressID string) error
	// SecondFactors are the TOTP and lookup_secret methods'.
	SecondFactors
}

var _ Accounts = (*identity.Service)(nil)

// isNoSession says whether err, from Whoami, means the token names no valid session.
func isNoSession(err error) bool {
	return errors.Is(err, identity.ErrNoActiveSession) || fault.CodeOf(err) == fault.NotFound
}

// errIdentityDisabled is Kratos's answer to a login of a disabled identity with its password.
func errIdentityDisabled() *Error {
	return newError(401, "identity is disabled", "This account was disabled.")
}
