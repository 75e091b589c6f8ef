package store

import (
	"context"
	"time"
)

// IdentityStore keeps the state of ward's identity service, in the manner of Ory Kratos:
// identities with their credentials and addresses, the sessions they log in with, and the
// self-service flows (login, registration, settings, recovery, verification) in progress. The
// identity domain package owns the rules (schemas, hashing, what a flow may do next); the store
// keeps records, keeps the values that must be unique unique, and makes the steps that must be
// atomic atomic.
//
// Errors carry fault codes: InvalidArgument (naming the field) for a record the store cannot keep,
// NotFound for a missing record, AlreadyExists for a taken unique value (its cause an
// [*IdentityConflict] naming which), FailedPrecondition when a compare-and-set finds another
// state, Unavailable once the store's retries of a transient failure are spent. Times are kept with
// at least microsecond precision and compared with the store's own clock nowhere except where a
// method says so; a zero ExpiresAt never expires.
//
// IDs are UUIDs (v4 or v7) that the domain chooses. The store accepts any form [uuid.Parse]
// reads and keeps and returns the canonical one (lowercase, hyphenated), which also orders
// listings. Secrets never reach the store in a usable form: sessions are found by a hash of their
// token, which the domain computes, and passwords are in a credential's Config as hashes.
//
// [uuid.Parse]: https://pkg.go.dev/github.com/google/uuid#Parse
type IdentityStore interface {
	IdentityPool
	SessionStore
	SelfServiceFlowStore
}

// IdentityState is whether an identity may log in.
type IdentityState string

// The states of an identity, as Kratos names them.
const (
	IdentityActive   IdentityState = "active"
	IdentityInactive IdentityState = "inactive"
)

// MaxIdentityBatch is the most identities [IdentityPool.CreateIdentities] takes in one call.
const MaxIdentityBatch = 1000

// MaxIdentifierLength is the longest credential identifier, external ID or address value, in
// bytes, the store keeps: they are keys of unique indexes.
const MaxIdentifierLength = 1024

// Identity is one identity as stored, with its credentials and addresses.
type Identity struct {
	ID       string
	SchemaID string
	// Traits is the identity's JSON document, validated by the domain against its schema; the
	// store keeps it bytewise.
	Traits         []byte
	State          IdentityState
	StateChangedAt time.Time // zero when never changed
	// MetadataPublic and MetadataAdmin are JSON documents, kept bytewise; nil when absent.
	MetadataPublic []byte
	MetadataAdmin  []byte
	// ExternalID is an ID the operator's other systems know the identity by: "" when none, and
	// unique among identities when set.
	ExternalID string
	// Credentials are by credential type ("password", "oidc", "webauthn", "totp", "code", …).
	// Each identifier is unique among the identifiers of its type, across all identities.
	Credentials map[string]Credential
	// VerifiableAddresses and RecoveryAddresses are kept in the order given. Each address's via
	// and value are unique among the addresses of its list, across all identities.
	VerifiableAddresses []VerifiableAddress
	RecoveryAddresses   []RecoveryAddress
	// AvailableAAL is the highest authenticator assurance level ("aal1", "aal2") the credentials
	// allow, as the domain computed it; "" when not computed.
	AvailableAAL string
	// Version counts the identity's changes: 1 when created, one more after each write to it. It
	// is what UpdateIdentity compares, so that an update based on an old read is refused.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Credential is one way of logging in as an identity.
type Credential struct {
	// Identifiers are what a login names the identity by (an email, a username, an OIDC
	// provider's subject as "provider:subject"): matched bytewise, so the domain normalizes them
	// (Kratos lowercases and trims password identifiers) before they reach the store.
	Identifiers []string
	// Config is the credential's JSON payload (a password hash, OIDC tokens, WebAuthn keys),
	// opaque to the store and kept bytewise.
	Config []byte
	// Version is the version of Config's format.
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// VerifiableAddress is an address that a verification flow can prove the identity owns.
type VerifiableAddress struct {
	ID         string
	Via        string // "email" or "sms"
	Value      string
	Verified   bool
	VerifiedAt time.Time // zero until verified
	Status     string    // "pending", "sent", "completed"
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// RecoveryAddress is an address to which a recovery flow can send a code or link.
type RecoveryAddress struct {
	ID        string
	Via       string // "email" or "sms"
	Value     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// IdentityConflict is the cause of the AlreadyExists errors of [IdentityPool]: which unique value
// belongs to another identity. The fault's Field is Field too.
type IdentityConflict struct {
	// Field is "id", "external_id", "credentials.TYPE.identifiers", "verifiable_addresses" or
	// "recovery_addresses".
	Field string
	// Value is the value taken: the ID, the external ID, the identifier, or the address as
	// "via:value".
	Value string
}

func (c *IdentityConflict) Error() string { return c.Field + " " + c.Value + " is taken" }

// IdentityFilter selects identities to list. Its zero value selects all.
type IdentityFilter struct {
	// IDs, when not empty, selects only these identities.
	IDs []string
	// CredentialsIdentifier, when not "", selects the identities that have a credential of any
	// type with exactly this identifier (Kratos's credentials_identifier).
	CredentialsIdentifier string
}

// IdentityPool keeps identities with their credentials and addresses. Every write to an identity
// records a [SessionInvalidation] of all its sessions, in the same transaction: whoami answers
// embed the identity, and a deactivated or deleted identity's sessions stop being valid.
type IdentityPool interface {
	// CreateIdentity stores i with its credentials and addresses, atomically, with Version 1
	// (i.Version is ignored). InvalidArgument, naming the field, when i cannot be stored: an ID
	// that is not a UUID, a state that is neither active nor inactive, an empty credential type,
	// an empty or repeated identifier within a credential, an address without via or value or
	// listed twice, a value longer than MaxIdentifierLength. AlreadyExists, with Field and an
	// *IdentityConflict cause naming the first clash (in the order id, external_id, credentials by
	// type, verifiable addresses, recovery addresses), when i.ID, i.ExternalID, one of its
	// identifiers or one of its addresses belongs to another identity. Nothing is stored on error.
	CreateIdentity(ctx context.Context, i *Identity) error
	// CreateIdentities stores each of ids as CreateIdentity does, each on its own: errs[k] is the
	// outcome of ids[k], nil when it was stored. An identity that clashes with an earlier one of
	// the same batch fails with AlreadyExists. err is for the batch as a whole: InvalidArgument
	// when it holds more than MaxIdentityBatch identities, or the failure of the database; none is
	// stored then, and errs is nil.
	CreateIdentities(ctx context.Context, ids []*Identity) (errs []error, err error)
	// GetIdentity returns the identity with this ID, or NotFound.
	GetIdentity(ctx context.Context, id string) (*Identity, error)
	// GetIdentityByExternalID returns the identity with this external ID, or NotFound.
	GetIdentityByExternalID(ctx context.Context, externalID string) (*Identity, error)
	// FindByCredentialIdentifier returns the identity that has a credential of type
	// credentialType with this identifier, and that credential (a copy of the identity's
	// Credentials[credentialType]): the login path, one indexed lookup. NotFound when there is
	// none.
	FindByCredentialIdentifier(ctx context.Context, credentialType, identifier string) (*Identity, *Credential, error)
	// FindVerifiableAddress returns the identity that has the verifiable address via:value, and
	// that address. NotFound when there is none.
	FindVerifiableAddress(ctx context.Context, via, value string) (*Identity, *VerifiableAddress, error)
	// FindRecoveryAddress returns the identity that has the recovery address via:value, and that
	// address. NotFound when there is none.
	FindRecoveryAddress(ctx context.Context, via, value string) (*Identity, *RecoveryAddress, error)
	// ListIdentities returns up to limit identities (all when limit ≤ 0) that f selects and whose
	// IDs sort after after ("" to start), in ID order: keyset pagination, where the next page
	// starts after the last ID returned. InvalidArgument when after or one of f.IDs is not a
	// UUID.
	ListIdentities(ctx context.Context, f IdentityFilter, after string, limit int) ([]*Identity, error)
	// CountIdentities returns how many identities are stored.
	CountIdentities(ctx context.Context) (int, error)
	// UpdateIdentity replaces the identity with ID i.ID (everything but its ID, Version and
	// CreatedAt) when its stored Version is i.Version, and stores it with Version i.Version+1,
	// atomically. FailedPrecondition when the stored Version differs (another write came first),
	// NotFound when there is no such identity; InvalidArgument and AlreadyExists as
	// CreateIdentity, uniqueness being checked against every other identity. Nothing changes on
	// error.
	UpdateIdentity(ctx context.Context, i *Identity) error
	// UpdateCredentialConfig sets the Config of identityID's credential of type credentialType
	// to to, and its UpdatedAt and the identity's to at, when its Config is from (bytewise): how
	// the domain re-hashes a password after a login without overwriting a password change made
	// meanwhile. FailedPrecondition when the Config is something else, NotFound when there is no
	// such identity or credential. It counts as a write to the identity (Version grows).
	UpdateCredentialConfig(ctx context.Context, identityID, credentialType string, from, to []byte, at time.Time) error
	// DeleteCredential removes identityID's credential of type credentialType, or, when
	// identifier is not "", only that identifier from it (the credential goes when it was its last
	// identifier), and sets the identity's UpdatedAt to at. Config is unchanged: a domain that must
	// rewrite it with the identifier (an OIDC provider link) uses UpdateIdentity instead. NotFound
	// when there is no such identity, credential or identifier.
	DeleteCredential(ctx context.Context, identityID, credentialType, identifier string, at time.Time) error
	// MarkAddressVerified marks identityID's verifiable address addressID verified at at (Status
	// "completed"), and sets the address's and the identity's UpdatedAt to at. NotFound when there
	// is no such identity or address.
	MarkAddressVerified(ctx context.Context, identityID, addressID string, at time.Time) error
	// DeleteIdentity deletes the identity with its sessions and the self-service flows that name
	// it, atomically, recording the invalidation of its sessions. NotFound when there is none.
	DeleteIdentity(ctx context.Context, id string) error
}

// Session is one login of an identity: what whoami answers for its token.
type Session struct {
	ID string
	// TokenKey is the domain's hash of the session token, by which whoami finds the session;
	// unique. The store never sees the token.
	TokenKey string
	// LogoutTokenKey is the domain's hash of the session's logout token; "" when none, unique
	// when set.
	LogoutTokenKey string
	IdentityID     string
	// Active is false once the session was revoked; a revoked session never becomes active
	// again.
	Active          bool
	AuthenticatedAt time.Time
	IssuedAt        time.Time
	ExpiresAt       time.Time
	AAL             string // the authenticator assurance level reached: "aal1", "aal2"
	// AuthenticationMethods are the methods the identity completed in this session, in order.
	AuthenticationMethods []AuthenticationMethod
	// Devices are the devices (user agents) the session was used from.
	Devices   []SessionDevice
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AuthenticationMethod is one completed step of a session's authentication.
type AuthenticationMethod struct {
	Method      string // a credential type: "password", "oidc", "totp", …
	AAL         string
	Provider    string // the OIDC provider for "oidc"; "" otherwise
	CompletedAt time.Time
}

// SessionDevice is a device a session was used from.
type SessionDevice struct {
	ID        string
	IPAddress string
	UserAgent string
	Location  string
}

// SessionFilter selects sessions to list. Its zero value selects all.
type SessionFilter struct {
	// IdentityID, when not "", selects the sessions of this identity.
	IdentityID string
	// Active, when not nil, selects the sessions that are active and unexpired at At (true), or
	// the others (false).
	Active *bool
	At     time.Time
}

// SessionInvalidation records that what a cache holds of a session may be stale: the session was
// revoked, extended or updated, or its identity changed or was deleted. Every node's whoami cache
// drops what it names and reads it again.
type SessionInvalidation struct {
	// SessionID is "" when every session of the identity is concerned.
	SessionID  string
	IdentityID string
	At         time.Time
}

// SessionStore keeps sessions.
type SessionStore interface {
	// CreateSession stores s. InvalidArgument when its ID or IdentityID is not a UUID or its
	// TokenKey is ""; AlreadyExists when its ID, TokenKey or LogoutTokenKey is taken; NotFound
	// when there is no identity s.IdentityID.
	CreateSession(ctx context.Context, s *Session) error
	// GetSession returns the session with this ID, or NotFound.
	GetSession(ctx context.Context, id string) (*Session, error)
	// LookupSession returns the session whose TokenKey is tokenKey with its identity, in one
	// round trip: whoami's path. NotFound when there is none. Revoked and expired sessions are
	// returned too: whether the session is valid (active, unexpired, identity active) is the
	// caller's check.
	LookupSession(ctx context.Context, tokenKey string) (*Session, *Identity, error)
	// LookupSessionByLogoutToken returns the session whose LogoutTokenKey is key, or NotFound.
	LookupSessionByLogoutToken(ctx context.Context, key string) (*Session, error)
	// ListSessions returns up to limit sessions (all when limit ≤ 0) that f selects and whose IDs
	// sort after after ("" to start), in ID order. InvalidArgument when after or f.IdentityID is
	// not a UUID.
	ListSessions(ctx context.Context, f SessionFilter, after string, limit int) ([]*Session, error)
	// UpdateSession replaces the session with ID s.ID, but for its ID, IdentityID, TokenKey,
	// LogoutTokenKey and CreatedAt, as after a step-up or a refresh. It stores Active only as
	// false: a revoked session stays revoked even when the update was based on an earlier read.
	// NotFound when there is no such session.
	UpdateSession(ctx context.Context, s *Session) error
	// ExtendSession sets the session's ExpiresAt to expiresAt and its UpdatedAt to at. NotFound
	// when there is no such session.
	ExtendSession(ctx context.Context, id string, expiresAt, at time.Time) error
	// RevokeSession marks the session inactive, its UpdatedAt at. NotFound when there is no such
	// session; revoking an inactive session is not an error.
	RevokeSession(ctx context.Context, id string, at time.Time) error
	// RevokeSessions marks every active session of identityID inactive, but for the one with ID
	// except ("" for none), their UpdatedAt at, and returns how many it revoked.
	RevokeSessions(ctx context.Context, identityID, except string, at time.Time) (int, error)
	// SessionsInvalidatedSince returns the invalidations recorded at or after since, by the
	// database's clock, and that clock's reading at the time of the query. Every write to a
	// session or an identity records one. Callers poll with since set to the previous reading
	// minus a margin that covers transactions in flight, and tolerate invalidations reported
	// twice (as GrantStore.RevokedSince).
	SessionsInvalidatedSince(ctx context.Context, since time.Time) ([]SessionInvalidation, time.Time, error)
	// DeleteExpiredSessions deletes the sessions that expired before before and the
	// invalidations recorded before before, and returns how many rows it deleted in all.
	DeleteExpiredSessions(ctx context.Context, before time.Time) (int, error)
}

// SelfServiceFlowKind is what a self-service flow does.
type SelfServiceFlowKind string

// The kinds of self-service flow.
const (
	LoginFlow        SelfServiceFlowKind = "login"
	RegistrationFlow SelfServiceFlowKind = "registration"
	SettingsFlow     SelfServiceFlowKind = "settings"
	RecoveryFlow     SelfServiceFlowKind = "recovery"
	VerificationFlow SelfServiceFlowKind = "verification"
)

// SelfServiceFlow is one self-service flow in progress.
type SelfServiceFlow struct {
	ID   string
	Kind SelfServiceFlowKind
	// IdentityID is the identity the flow acts on ("" when none yet, as in a login flow before
	// its identity is known); deleting the identity deletes the flow.
	IdentityID string
	// Data is the domain's state of the flow (its UI, the request, codes' hashes), opaque to the
	// store.
	Data []byte
	// Version counts the flow's updates: 1 when created, one more after each. UpdateSelfServiceFlow
	// compares it, so that two submissions of one flow cannot both win.
	Version   int64
	ExpiresAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SelfServiceFlowStore keeps self-service flows.
type SelfServiceFlowStore interface {
	// CreateSelfServiceFlow stores f with Version 1 (f.Version is ignored). InvalidArgument when
	// its ID or IdentityID is not a UUID or its kind is unknown; AlreadyExists when its ID is
	// taken; NotFound when there is no identity f.IdentityID.
	CreateSelfServiceFlow(ctx context.Context, f *SelfServiceFlow) error
	// GetSelfServiceFlow returns the flow of this kind and ID, or NotFound (a flow of another kind
	// is not found).
	GetSelfServiceFlow(ctx context.Context, kind SelfServiceFlowKind, id string) (*SelfServiceFlow, error)
	// UpdateSelfServiceFlow replaces the stored flow of f.Kind and f.ID (its IdentityID, Data,
	// ExpiresAt and UpdatedAt) when its Version is f.Version, and stores it with Version
	// f.Version+1. FailedPrecondition when the Version differs, NotFound when there is no such
	// flow or no identity f.IdentityID.
	UpdateSelfServiceFlow(ctx context.Context, f *SelfServiceFlow) error
	// DeleteSelfServiceFlow deletes the flow of this kind and ID. NotFound when there is none.
	DeleteSelfServiceFlow(ctx context.Context, kind SelfServiceFlowKind, id string) error
	// DeleteExpiredSelfServiceFlows deletes the flows that expired before before and returns how
	// many.
	DeleteExpiredSelfServiceFlows(ctx context.Context, before time.Time) (int, error)
}
