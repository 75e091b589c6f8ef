package store

import (
	"context"
	"time"
)

// OAuth2Store keeps the state of ward's OAuth 2.0 and OpenID Connect server: registered clients,
// grants and their tokens, login and consent flows, remembered consent and login sessions, device
// authorizations, and signing keys. The oauth2 domain package owns the rules; the store only keeps
// records and makes the few steps that must be atomic (consuming a one-time token, moving a flow
// from one state to the next) atomic.
//
// Errors carry fault codes: NotFound for a missing record, AlreadyExists for a duplicate key,
// FailedPrecondition when a compare-and-set finds another state, Unavailable once the store's
// retries of a transient failure are spent. Times are stored with at least microsecond precision;
// the store compares none of them with its own clock except where a method says so.
//
// Secrets never reach the store in a usable form: tokens are keyed by token.StorageKey (a SHA-256
// of the token's MAC), client secrets by their bcrypt hash, user codes by a hash the domain
// chooses.
type OAuth2Store interface {
	ClientStore
	GrantStore
	FlowStore
	DeviceStore
	SigningKeyStore
	AssertionStore
}

// ClientStore keeps registered OAuth2 clients.
type ClientStore interface {
	// CreateClient stores c. It fails with AlreadyExists when a client has c.ID.
	CreateClient(ctx context.Context, c *OAuth2Client) error
	// GetClient returns the client with this ID, or NotFound.
	GetClient(ctx context.Context, id string) (*OAuth2Client, error)
	// ListClients returns up to limit clients (all when limit ≤ 0) whose IDs sort after after,
	// in ID order (bytewise).
	ListClients(ctx context.Context, after string, limit int) ([]*OAuth2Client, error)
	// UpdateClient replaces the stored client with ID c.ID, keeping its CreatedAt; NotFound when
	// there is none.
	UpdateClient(ctx context.Context, c *OAuth2Client) error
	// DeleteClient removes the client and, in the same transaction, its grants, tokens, remembered
	// consent and device authorizations, recording the revocation of each grant (see
	// GrantStore.RevokedSince). NotFound when there is no such client.
	DeleteClient(ctx context.Context, id string) error
}

// OAuth2Client is a registered client as stored. The oauth2 package validates it; the store keeps
// the lists in the order given.
type OAuth2Client struct {
	ID                     string
	SecretHash             string // bcrypt hash; "" for public and private_key_jwt clients
	Name                   string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	GrantTypes             []string
	ResponseTypes          []string
	Scopes                 []string
	Audiences              []string
	AuthMethod             string // token_endpoint_auth_method
	JWKS                   []byte // a JSON Web Key Set for private_key_jwt; nil otherwise
	// AccessTokenFormat is "opaque" or "jwt"; "" means the server's default.
	AccessTokenFormat string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// TokenKind is what a stored token is. Device codes are kept with their DeviceAuthorization.
type TokenKind uint8

// The kinds of token a grant holds.
const (
	AccessTokenKind TokenKind = iota + 1
	RefreshTokenKind
	AuthorizeCodeKind
)

func (k TokenKind) String() string {
	switch k {
	case AccessTokenKind:
		return "access_token"
	case RefreshTokenKind:
		return "refresh_token"
	case AuthorizeCodeKind:
		return "authorization_code"
	}
	return "unknown"
}

// Grant is one authorization: what a resource owner (or, for client credentials, the client
// itself) granted to a client, and the root of every token issued under it. A refresh token family
// is a grant: rotation issues new tokens under the same grant, and revoking the grant revokes every
// token of the family.
type Grant struct {
	ID        string // random (a UUID), chosen by the domain
	ClientID  string
	Subject   string // "" for client credentials
	Scopes    []string
	Audiences []string
	AuthTime  time.Time // when the subject authenticated; zero for client credentials
	CreatedAt time.Time
	// ExpiresAt is when the last token of the grant can expire. Garbage collection may delete the
	// grant and its tokens after it.
	ExpiresAt time.Time
	// Session is the domain's data about the grant (ID token claims, nonce, acr, amr, sid…),
	// opaque to the store.
	Session []byte
}

// TokenRecord is the state of one opaque token.
type TokenRecord struct {
	Key       string // token.StorageKey of the token's signature
	Kind      TokenKind
	GrantID   string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// UsedAt is when a one-time token (an authorization code, a refresh token) was exchanged;
	// zero until then.
	UsedAt time.Time
	// Data is the domain's data about this token (an authorization code's redirect URI and PKCE
	// challenge, say), opaque to the store.
	Data []byte
}

// Revocation records that a grant, or one token, stopped being valid, so that caches on every node
// can drop it.
type Revocation struct {
	GrantID  string
	TokenKey string // "" when the whole grant was revoked
	At       time.Time
}

// GrantStore keeps grants and their tokens.
type GrantStore interface {
	// CreateGrant stores g and tokens, which belong to g (the store sets their GrantID to g.ID),
	// atomically. AlreadyExists when g.ID or a token's kind and key are taken.
	CreateGrant(ctx context.Context, g *Grant, tokens ...*TokenRecord) error
	// LookupToken returns the token of this kind and key with its grant. NotFound when there is
	// none or it was revoked; expiry is the caller's check.
	LookupToken(ctx context.Context, kind TokenKind, key string) (*TokenRecord, *Grant, error)
	// ConsumeToken exchanges a one-time token: in one transaction it sets the token's UsedAt to
	// usedAt and stores next, the tokens issued in exchange, under the same grant. When the token
	// was used already, it stores nothing, revokes the token's whole grant (all its tokens), and
	// fails with FailedPrecondition: a second use of a code or refresh token is a replay. NotFound
	// when there is no such token or it was revoked.
	ConsumeToken(ctx context.Context, kind TokenKind, key string, usedAt time.Time, next ...*TokenRecord) error
	// RevokeToken revokes one token. Revoking an unknown token is not an error (RFC 7009).
	RevokeToken(ctx context.Context, kind TokenKind, key string) error
	// RevokeGrant revokes the grant and every token issued under it. Revoking an unknown grant is
	// not an error.
	RevokeGrant(ctx context.Context, grantID string) error
	// RevokeGrants revokes every grant of subject to clientID (to any client when clientID is
	// ""), as when a user withdraws consent or logs out everywhere, and returns how many. Subjects
	// match exactly: subject "" names the client credentials grants.
	RevokeGrants(ctx context.Context, subject, clientID string) (int, error)
	// RevokedSince returns the revocations recorded at or after since, by the database's clock,
	// and that clock's reading at the time of the query. Callers poll with since set to the
	// previous reading minus a margin that covers transactions in flight, and tolerate
	// revocations reported twice.
	RevokedSince(ctx context.Context, since time.Time) ([]Revocation, time.Time, error)
	// DeleteExpired deletes grants (with their tokens) that expired before before, tokens that
	// expired before before, and revocations recorded before before, and also the flows, remembered
	// consents, login sessions, device authorizations and assertion IDs that expired before before
	// (nothing else deletes them), and returns how many rows it deleted in all. A zero ExpiresAt never expires.
	DeleteExpired(ctx context.Context, before time.Time) (int, error)
}

// FlowState is where a login-and-consent flow stands.
type FlowState uint8

// The states of a flow, in the order a successful one goes through them.
const (
	FlowLoginRequested FlowState = iota + 1
	FlowLoginAccepted
	FlowConsentRequested
	FlowConsentAccepted
	FlowDone     // the authorization endpoint has issued the code: the flow cannot be used again
	FlowRejected // the login or consent app rejected it
)

func (s FlowState) String() string {
	switch s {
	case FlowLoginRequested:
		return "login_requested"
	case FlowLoginAccepted:
		return "login_accepted"
	case FlowConsentRequested:
		return "consent_requested"
	case FlowConsentAccepted:
		return "consent_accepted"
	case FlowDone:
		return "done"
	case FlowRejected:
		return "rejected"
	}
	return "unknown"
}

// FlowKey names one of the random handles by which a flow is found.
type FlowKey uint8

// The handles of a flow.
const (
	ByLoginChallenge FlowKey = iota + 1
	ByLoginVerifier
	ByConsentChallenge
	ByConsentVerifier
)

// AuthFlow is one browser's trip through /oauth2/auth, the login app and the consent app, in the
// manner of Ory Hydra: the challenges are handed to the apps, the verifiers to the browser on its
// way back. Each handle is random and unique; "" means not issued yet.
type AuthFlow struct {
	ID               string
	LoginChallenge   string
	LoginVerifier    string
	ConsentChallenge string
	ConsentVerifier  string
	ClientID         string
	Subject          string // "" until login is accepted
	State            FlowState
	CreatedAt        time.Time
	ExpiresAt        time.Time
	// Data is the domain's data (the authorization request, what login and consent accepted),
	// opaque to the store.
	Data []byte
}

// RememberedConsent is a subject's standing consent to a client, so that later flows skip the
// consent app.
type RememberedConsent struct {
	Subject   string
	ClientID  string
	Scopes    []string
	Audiences []string
	GrantedAt time.Time
	ExpiresAt time.Time // zero: until withdrawn
}

// LoginSession is a remembered authentication of a browser, so that later flows skip the login
// app. Its ID travels in a cookie.
type LoginSession struct {
	ID              string
	Subject         string
	AuthenticatedAt time.Time
	ExpiresAt       time.Time
}

// FlowStore keeps login-and-consent flows, remembered consent and login sessions.
type FlowStore interface {
	// CreateFlow stores f. AlreadyExists when its ID or one of its handles is taken.
	CreateFlow(ctx context.Context, f *AuthFlow) error
	// GetFlow returns the flow whose handle key is value. NotFound when there is none.
	GetFlow(ctx context.Context, key FlowKey, value string) (*AuthFlow, error)
	// UpdateFlow replaces the flow with ID f.ID when its stored state is from, and fails with
	// FailedPrecondition otherwise (a challenge accepted twice, a verifier presented twice).
	// NotFound when there is no such flow.
	UpdateFlow(ctx context.Context, f *AuthFlow, from FlowState) error

	// RememberConsent stores c, replacing the consent of the same subject and client.
	RememberConsent(ctx context.Context, c *RememberedConsent) error
	// GetConsent returns the remembered consent of subject to clientID, or NotFound.
	GetConsent(ctx context.Context, subject, clientID string) (*RememberedConsent, error)
	// ListConsents returns subject's remembered consents, in client ID order.
	ListConsents(ctx context.Context, subject string) ([]*RememberedConsent, error)
	// DeleteConsent forgets subject's consent to clientID (to every client when clientID is "")
	// and returns how many it forgot.
	DeleteConsent(ctx context.Context, subject, clientID string) (int, error)

	// CreateLoginSession stores s. AlreadyExists when its ID is taken.
	CreateLoginSession(ctx context.Context, s *LoginSession) error
	// GetLoginSession returns the session with this ID, or NotFound.
	GetLoginSession(ctx context.Context, id string) (*LoginSession, error)
	// DeleteLoginSessions deletes the session with this ID; with id "" it deletes every session of
	// subject. It returns how many it deleted.
	DeleteLoginSessions(ctx context.Context, id, subject string) (int, error)
}

// DeviceState is where a device authorization (RFC 8628) stands.
type DeviceState uint8

// The states of a device authorization.
const (
	DevicePending DeviceState = iota + 1
	DeviceApproved
	DeviceDenied
	DeviceDone // the device code was exchanged for tokens
)

func (s DeviceState) String() string {
	switch s {
	case DevicePending:
		return "pending"
	case DeviceApproved:
		return "approved"
	case DeviceDenied:
		return "denied"
	case DeviceDone:
		return "done"
	}
	return "unknown"
}

// DeviceAuthorization is one device authorization request and its outcome.
type DeviceAuthorization struct {
	DeviceCodeKey string // token.StorageKey of the device code's signature
	UserCodeKey   string // a hash of the user code, chosen by the domain
	ClientID      string
	Scopes        []string
	Audiences     []string
	State         DeviceState
	Subject       string // who approved; "" while pending
	CreatedAt     time.Time
	ExpiresAt     time.Time
	// LastPolledAt is when the device last polled the token endpoint; zero before its first poll.
	LastPolledAt time.Time
	// Data is the domain's data (granted scopes, session claims), opaque to the store.
	Data []byte
}

// DeviceStore keeps device authorizations.
type DeviceStore interface {
	// CreateDeviceAuthorization stores d. AlreadyExists when its device or user code key is taken.
	CreateDeviceAuthorization(ctx context.Context, d *DeviceAuthorization) error
	// GetDeviceByUserCode returns the authorization whose user code hashes to key, or NotFound.
	GetDeviceByUserCode(ctx context.Context, key string) (*DeviceAuthorization, error)
	// GetDeviceByDeviceCode returns the authorization whose device code has this storage key, or
	// NotFound.
	GetDeviceByDeviceCode(ctx context.Context, key string) (*DeviceAuthorization, error)
	// UpdateDeviceAuthorization replaces the stored authorization with d.DeviceCodeKey when its
	// state is from; FailedPrecondition otherwise, NotFound when there is none.
	UpdateDeviceAuthorization(ctx context.Context, d *DeviceAuthorization, from DeviceState) error
	// PollDevice sets the authorization's LastPolledAt to now and returns it as it was before
	// (LastPolledAt included), atomically, so that two concurrent polls cannot both pass the
	// slow_down check. NotFound when there is none.
	PollDevice(ctx context.Context, deviceCodeKey string, now time.Time) (*DeviceAuthorization, error)
}

// SigningKey is a private key that signs ID tokens and JWT access tokens.
type SigningKey struct {
	ID         string // the JWK "kid"
	Algorithm  string // a JWS "alg": RS256, ES256 or EdDSA
	PrivateKey []byte // PKCS #8, DER, sealed by the oauth2 package (see its keyseal.go)
	CreatedAt  time.Time
	// RetiredAt is when the key stopped signing; zero while it signs.
	RetiredAt time.Time
	// PublishUntil is when the key may leave the JWKS, once every token it signed has expired;
	// zero while it signs.
	PublishUntil time.Time
}

// SigningKeyStore keeps signing keys.
type SigningKeyStore interface {
	// CreateSigningKey stores k. AlreadyExists when its ID is taken.
	CreateSigningKey(ctx context.Context, k *SigningKey) error
	// ListSigningKeys returns every stored key, newest (by CreatedAt, then ID) first.
	ListSigningKeys(ctx context.Context) ([]*SigningKey, error)
	// RetireSigningKey marks the key retired at at and publishable until publishUntil. NotFound
	// when there is no such key, FailedPrecondition when it is retired already.
	RetireSigningKey(ctx context.Context, id string, at, publishUntil time.Time) error
	// DeleteSigningKeys deletes retired keys whose PublishUntil is before before, and returns how
	// many.
	DeleteSigningKeys(ctx context.Context, before time.Time) (int, error)
	// ReplaceSigningKeyPrivateKey sets the key's PrivateKey to to when it is from (bytewise);
	// FailedPrecondition when it is something else, NotFound when there is no such key. It is
	// how `ward keys seal` seals keys stored unsealed without overwriting a concurrent change.
	ReplaceSigningKeyPrivateKey(ctx context.Context, id string, from, to []byte) error
}
