package identity

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/password"
	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/ratelimit"
	"github.com/wardhq/ward/store"
)

// PasswordHasher hashes and verifies passwords: ward's own algorithm for new hashes, and the
// formats identities are imported with for verification. [*password.Hasher] is one.
type PasswordHasher interface {
	// Hash returns the hash of password in ward's algorithm; a *password.PolicyError for a
	// password it cannot take.
	Hash(ctx context.Context, password string) (string, error)
	// Verify reports whether password matches hash. The error is for a hash it cannot read or a
	// password it cannot take.
	Verify(ctx context.Context, password, hash string) (bool, error)
	// NeedsRehash reports whether hash is not in ward's algorithm and parameters, so that a
	// successful login should replace it.
	NeedsRehash(hash string) bool
	// Check reports whether hash is in a format Verify reads, with parameters within its bounds
	// (an imported hash must not make each login cost minutes). The error says why not, without
	// the hash.
	Check(hash string) error
}

// PasswordPolicy decides whether a password may be set. [*password.Policy] is one.
type PasswordPolicy interface {
	// Validate returns nil when password may be set for an identity with these identifiers, or
	// the rule it breaks as a *password.PolicyError.
	Validate(password string, identifiers ...string) error
}

// Defaults of [Config].
const (
	DefaultSessionLifespan   = 24 * time.Hour
	DefaultInvalidationBound = time.Second
	DefaultCacheSize         = 100_000
	DefaultLoginRate         = 1.0 // failed logins a second, per identifier and per source
	DefaultLoginBurst        = 10
	DefaultRegistrationRate  = 0.2 // registrations a second, per source
	DefaultRegistrationBurst = 20
	DefaultListPageSize      = 250
	MaxListPageSize          = 1000
)

// limiterSize bounds the keys each limiter keeps (about 150 bytes each): identifiers and sources
// an attacker makes up cost at most ~15 MB.
const limiterSize = 100_000

// Config configures a [Service]. Zero durations, rates and sizes take the defaults above.
type Config struct {
	// PublicBaseURL is the public listener's base URL, from which identities' schema_url is made
	// (PublicBaseURL + "/schemas/" + base64url(schema ID)). Default "" (a relative URL).
	PublicBaseURL string
	// SessionLifespan is how long a new or extended session lasts (Kratos's session.lifespan);
	// default 24 h.
	SessionLifespan time.Duration
	// EarliestPossibleExtend is how long before its expiry a session may be extended (Kratos's
	// session.earliest_possible_extend): an extension asked for earlier changes nothing. Default
	// SessionLifespan: any time.
	EarliestPossibleExtend time.Duration
	// InvalidationBound is the longest a session revoked, or an identity changed, through
	// another Service over the same store may still be answered from this one's whoami cache;
	// default 1 s (as oauth2's RevocationBound). A change made through this Service is seen at
	// once.
	InvalidationBound time.Duration
	// CacheSize is how many sessions whoami keeps; default 100 000. Negative: no cache.
	CacheSize int

	// LoginRate and LoginBurst limit failed password logins, per identifier and per source:
	// defaults DefaultLoginRate (1/s) and DefaultLoginBurst (10).
	LoginRate  float64
	LoginBurst int
	// RegistrationRate and RegistrationBurst limit registrations per source: defaults
	// DefaultRegistrationRate (0.2/s) and DefaultRegistrationBurst (20).
	RegistrationRate  float64
	RegistrationBurst int

	// WhoamiRequiredAAL is Kratos's session.whoami.required_aal: RequiredAALHighest (the
	// default) or "aal1". With RequiredAALHighest, an aal1 session of an identity that has a
	// second factor is not enough for whoami (see [Session.SatisfiesAAL]).
	WhoamiRequiredAAL string
	// SecondFactors are the second factors' credential types the flows offer (CredentialTOTP,
	// CredentialLookupSecret: Kratos's selfservice.methods.*.enabled). Only these count
	// towards the level whoami requires, as in Kratos; default none.
	SecondFactors []string

	// Clock returns the current time; default time.Now.
	Clock func() time.Time
	// Logger receives the Service's logs; default slog.Default(). No record holds a token, a
	// password or a hash.
	Logger *slog.Logger
}

// Service is ward's identity service: identities, password authentication, registration and
// sessions over a [store.IdentityStore]. It is safe for concurrent use.
type Service struct {
	st      store.IdentityStore
	schemas *schema.Registry
	hasher  PasswordHasher
	policy  PasswordPolicy
	cfg     Config
	now     func() time.Time
	log     *slog.Logger

	// dummyHash is a hash in ward's algorithm of a random password nobody knows: a login with an
	// unknown identifier verifies against it, so that it costs what a wrong password does.
	dummyHash string

	loginLimit        *ratelimit.Keyed
	registrationLimit *ratelimit.Keyed

	cache *lru.Cache[string, *cachedSession] // nil when off
	inval *invalidations
	stats sessionCounters
}

// NewService returns a Service. It hashes one random password (the dummy hash of
// [Service.AuthenticatePassword]). The error is InvalidArgument naming what is missing.
func NewService(ctx context.Context, st store.IdentityStore, schemas *schema.Registry, hasher PasswordHasher, policy PasswordPolicy, cfg Config) (*Service, error) {
	switch {
	case st == nil:
		return nil, fault.Invalid("store", "a store is required")
	case schemas == nil:
		return nil, fault.Invalid("schemas", "a schema registry is required")
	case hasher == nil:
		return nil, fault.Invalid("hasher", "a password hasher is required")
	case policy == nil:
		return nil, fault.Invalid("policy", "a password policy is required")
	}
	setDefault(&cfg.SessionLifespan, DefaultSessionLifespan)
	setDefault(&cfg.EarliestPossibleExtend, cfg.SessionLifespan)
	setDefault(&cfg.InvalidationBound, DefaultInvalidationBound)
	if cfg.CacheSize == 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	if cfg.LoginRate <= 0 {
		cfg.LoginRate = DefaultLoginRate
	}
	if cfg.LoginBurst <= 0 {
		cfg.LoginBurst = DefaultLoginBurst
	}
	if cfg.RegistrationRate <= 0 {
		cfg.RegistrationRate = DefaultRegistrationRate
	}
	if cfg.RegistrationBurst <= 0 {
		cfg.RegistrationBurst = DefaultRegistrationBurst
	}
	switch cfg.WhoamiRequiredAAL {
	case "":
		cfg.WhoamiRequiredAAL = RequiredAALHighest
	case AAL1, RequiredAALHighest:
	default:
		return nil, fault.Invalid("session.whoami.required_aal", "want aal1 or highest_available, not %q", cfg.WhoamiRequiredAAL)
	}
	cfg.PublicBaseURL = strings.TrimSuffix(cfg.PublicBaseURL, "/")
	s := &Service{
		st: st, schemas: schemas, hasher: hasher, policy: policy, cfg: cfg,
		now: cfg.Clock, log: cfg.Logger,
		loginLimit:        ratelimit.NewKeyed(cfg.LoginRate, cfg.LoginBurst, limiterSize),
		registrationLimit: ratelimit.NewKeyed(cfg.RegistrationRate, cfg.RegistrationBurst, limiterSize),
		inval:             newInvalidations(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if cfg.CacheSize > 0 {
		c, err := lru.New[string, *cachedSession](cfg.CacheSize)
		if err != nil {
			return nil, fault.Wrap(fault.Internal, err, "cannot make the session cache")
		}
		s.cache = c
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails
	h, err := hasher.Hash(ctx, base64.RawURLEncoding.EncodeToString(secret))
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "cannot hash the dummy password")
	}
	s.dummyHash = h
	return s, nil
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// schemaURL is where the public API serves schema id.
func (s *Service) schemaURL(id string) string {
	return s.cfg.PublicBaseURL + "/schemas/" + schema.EncodeID(id)
}

// clock returns the current time in UTC, truncated to microseconds: what every store keeps, so
// that what a write returns equals what a later read does.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

var (
	_ PasswordHasher = (*password.Hasher)(nil)
	_ PasswordPolicy = (*password.Policy)(nil)
)
