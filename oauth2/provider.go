package oauth2

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2/token"
	"github.com/wardhq/ward/store"
)

// The paths of the endpoints, relative to the issuer URL. The endpoints are plain HTTP
// (api/oauth2 serves them); the domain needs them for discovery, for the audience of client
// assertions, and for the redirects of the login-and-consent flow.
const (
	PathDiscovery      = "/.well-known/openid-configuration"
	PathJWKS           = "/.well-known/jwks.json"
	PathAuthorize      = "/oauth2/auth"
	PathToken          = "/oauth2/token"
	PathIntrospect     = "/oauth2/introspect"
	PathRevoke         = "/oauth2/revoke"
	PathUserinfo       = "/userinfo"
	PathDeviceAuth     = "/oauth2/device/auth"
	PathDeviceVerify   = "/oauth2/device/verify"
	PathLogout         = "/oauth2/sessions/logout"
	LoginSessionCookie = "ward_oauth2_session" // the cookie that remembers a browser's login (__Host-ward_oauth2_session on https)
)

// clientCacheSize bounds the clients kept for authentication.
const clientCacheSize = 10_000

// Defaults of [Config].
const (
	DefaultAccessTokenLifetime    = time.Hour
	DefaultRefreshTokenLifetime   = 30 * 24 * time.Hour
	DefaultIDTokenLifetime        = time.Hour
	DefaultAuthorizeCodeLifetime  = 10 * time.Minute
	DefaultDeviceCodeLifetime     = 10 * time.Minute
	DefaultDevicePollInterval     = 5 * time.Second
	DefaultFlowLifetime           = 30 * time.Minute
	DefaultLoginSessionLifetime   = 7 * 24 * time.Hour
	DefaultIntrospectionCacheSize = 100_000
	DefaultRevocationBound        = time.Second
	DefaultSigningAlgorithm       = "ES256"
)

// Config configures a [Provider]. Zero durations and sizes take the defaults above.
type Config struct {
	// Issuer is the server's issuer identifier (OpenID Connect Discovery §3): an https URL (http
	// only on a loopback host) without query or fragment; endpoints are at Issuer + Path….
	// Required.
	Issuer string

	AccessTokenLifetime   time.Duration // default 1 h
	RefreshTokenLifetime  time.Duration // default 30 days: the absolute lifetime of a refresh token family
	IDTokenLifetime       time.Duration // default 1 h
	AuthorizeCodeLifetime time.Duration // default 10 min
	DeviceCodeLifetime    time.Duration // default 10 min
	DevicePollInterval    time.Duration // default 5 s: the least interval between two device polls
	FlowLifetime          time.Duration // default 30 min: how long login and consent may take
	LoginSessionLifetime  time.Duration // default 7 days: the longest a remembered login lasts

	// LoginURL and ConsentURL are the external login and consent apps, to which the browser is
	// sent with login_challenge and consent_challenge (in the manner of Ory Hydra). Required.
	LoginURL   string
	ConsentURL string
	// LogoutURL is where the browser lands after RP-initiated logout when the request names no
	// post_logout_redirect_uri. Optional: without it the endpoint shows a page.
	LogoutURL string
	// DeviceDoneURL is where the browser lands after it approved or denied a device. Optional:
	// without it the endpoint shows a page.
	DeviceDoneURL string

	// TokenSecrets are the HMAC secrets of the opaque tokens ([token.NewCodec]): the first signs,
	// all verify. They also seal the signing keys in the store (the first seals, all open): a
	// secret must stay listed while a signing key sealed under it is in use. Required; each at
	// least [token.MinSecretLength] bytes.
	TokenSecrets [][]byte

	// RequirePKCE makes confidential clients use PKCE too (OAuth 2.1 §4.1.1);
	// public clients always must. Default false: a confidential client's secret already binds
	// the code to it, and older server-side clients send no code_challenge.
	RequirePKCE bool

	// IntrospectionScope is the scope that lets a registered client introspect every token at
	// the public introspection endpoints; a client without it learns only of the tokens issued to
	// it or naming it in their audience (see [Provider.MayIntrospect]). Default
	// DefaultIntrospectionScope.
	IntrospectionScope string

	// IntrospectionCacheSize is how many active access tokens Introspect keeps; default 100 000.
	// Negative: no cache.
	IntrospectionCacheSize int
	// RevocationBound is the longest a revocation taken on another Provider over the same store
	// may go unseen by this one's Introspect; default 1 s. A revocation taken here is seen at once.
	// It also bounds how long a client changed or deleted through another Provider may still
	// authenticate here as it was.
	RevocationBound time.Duration

	// JWTAccessTokens makes access tokens RFC 9068 JWTs signed with the signing key, for clients
	// whose AccessTokenFormat does not say otherwise. Default: opaque tokens.
	JWTAccessTokens bool
	// SigningAlgorithm is the JWS algorithm of new signing keys: ES256 (default) or RS256.
	SigningAlgorithm string

	// Clock returns the current time; default time.Now.
	Clock func() time.Time
	// Logger receives the Provider's logs; default slog.Default(). No log record holds a secret
	// or a token.
	Logger *slog.Logger

	// Client authentication limiter (authlimit.go): failed authentications allowed per second per
	// client ID and per source address, after a burst of ClientAuthBurst; defaults
	// DefaultClientAuthRate (1/s) and DefaultClientAuthBurst (10).
	ClientAuthRate  float64
	ClientAuthBurst int
}

// Provider is ward's OAuth 2.0 authorization server and OpenID Connect provider: the rules of the
// grants, the login-and-consent flow, token issuance and introspection, over a
// [store.OAuth2Store]. It is safe for concurrent use; several Providers (one per node) may share a
// store. [Provider.Run] keeps its introspection cache in step with revocations taken elsewhere.
type Provider struct {
	st     store.OAuth2Store
	cfg    Config
	issuer *url.URL
	codec  *token.Codec
	sealer *keySealer // of the signing keys' private parts
	now    func() time.Time
	log    *slog.Logger

	secrets *secretCache
	clients *expirable.LRU[string, *Client]  // for client authentication; see authClient
	cache   *lru.Cache[string, *cachedToken] // nil when the cache is off
	revoked *revocationSet
	keys    *keyRing
	stats   introspectionCounters

	dummyKey *ecdsa.PrivateKey // see dummyAssertionCheck
	limiter  *authLimiter      // failed client authentications; see authlimit.go
}

// NewProvider returns a Provider over st. The error is InvalidArgument naming the field of cfg
// at fault.
func NewProvider(st store.OAuth2Store, cfg Config) (*Provider, error) {
	if st == nil {
		return nil, fault.Invalid("store", "a store is required")
	}
	iss, err := validateIssuer(cfg.Issuer)
	if err != nil {
		return nil, err
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	for _, u := range []struct{ field, value string }{{"login_url", cfg.LoginURL}, {"consent_url", cfg.ConsentURL}} {
		if err := validateAppURL(u.value, true); err != nil {
			return nil, fault.InField(u.field, err)
		}
	}
	for _, u := range []struct{ field, value string }{{"logout_url", cfg.LogoutURL}, {"device_done_url", cfg.DeviceDoneURL}} {
		if err := validateAppURL(u.value, false); err != nil {
			return nil, fault.InField(u.field, err)
		}
	}
	if len(cfg.TokenSecrets) == 0 {
		return nil, fault.Invalid("token_secrets", "at least one token secret is required")
	}
	for i, s := range cfg.TokenSecrets {
		if len(s) < token.MinSecretLength {
			return nil, fault.Invalid(fmt.Sprintf("token_secrets[%d]", i),
				"a token secret must be at least %d bytes; this one is %d", token.MinSecretLength, len(s))
		}
	}
	codec, err := token.NewCodec(cfg.TokenSecrets...)
	if err != nil {
		return nil, fault.InField("token_secrets", err)
	}
	sealer, err := newKeySealer(cfg.TokenSecrets)
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "cannot derive the signing keys' encryption keys")
	}
	setDefault(&cfg.AccessTokenLifetime, DefaultAccessTokenLifetime)
	setDefault(&cfg.RefreshTokenLifetime, DefaultRefreshTokenLifetime)
	setDefault(&cfg.IDTokenLifetime, DefaultIDTokenLifetime)
	setDefault(&cfg.AuthorizeCodeLifetime, DefaultAuthorizeCodeLifetime)
	setDefault(&cfg.DeviceCodeLifetime, DefaultDeviceCodeLifetime)
	setDefault(&cfg.DevicePollInterval, DefaultDevicePollInterval)
	setDefault(&cfg.FlowLifetime, DefaultFlowLifetime)
	setDefault(&cfg.LoginSessionLifetime, DefaultLoginSessionLifetime)
	setDefault(&cfg.RevocationBound, DefaultRevocationBound)
	if cfg.IntrospectionCacheSize == 0 {
		cfg.IntrospectionCacheSize = DefaultIntrospectionCacheSize
	}
	switch cfg.SigningAlgorithm {
	case "":
		cfg.SigningAlgorithm = DefaultSigningAlgorithm
	case "ES256", "RS256":
	default:
		return nil, fault.Invalid("signing_algorithm", "%q is not supported; use ES256 or RS256", truncate(cfg.SigningAlgorithm))
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p := &Provider{
		st: st, cfg: cfg, issuer: iss, codec: codec, sealer: sealer, now: cfg.Clock, log: cfg.Logger,
		secrets:  newSecretCache(),
		clients:  expirable.NewLRU[string, *Client](clientCacheSize, nil, cfg.RevocationBound),
		revoked:  newRevocationSet(cfg.AccessTokenLifetime + pollMargin + clockLeeway),
		dummyKey: newDummyKey(),
		limiter:  newAuthLimiter(cfg.ClientAuthRate, cfg.ClientAuthBurst),
	}
	if cfg.IntrospectionCacheSize > 0 {
		p.cache, err = lru.New[string, *cachedToken](cfg.IntrospectionCacheSize)
		if err != nil {
			return nil, fault.Wrap(fault.Internal, err, "cannot make the introspection cache")
		}
	}
	p.keys = &keyRing{p: p}
	return p, nil
}

// Config returns the Provider's configuration, defaults filled in.
func (p *Provider) Config() Config { return p.cfg }

// Issuer returns the issuer identifier, without a trailing slash.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// endpoint returns the absolute URL of one of the Path… constants.
func (p *Provider) endpoint(path string) string { return p.cfg.Issuer + path }

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

func validateIssuer(s string) (*url.URL, error) {
	if s == "" {
		return nil, fault.Invalid("issuer", "the issuer URL is required")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fault.Invalid("issuer", "%s is not an absolute URL without query, fragment or user", truncate(s))
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && loopbackHost(u.Hostname()):
	default:
		return nil, fault.Invalid("issuer", "%s must use https (http only on a loopback host)", truncate(s))
	}
	return u, nil
}

func validateAppURL(s string, required bool) error {
	if s == "" {
		if required {
			return fault.Invalid("", "the URL is required")
		}
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.Fragment != "" {
		return fault.Invalid("", "%s is not an absolute http(s) URL without fragment", truncate(s))
	}
	return nil
}

// withQuery returns base with params added to its query.
func withQuery(base string, params url.Values) string {
	u, err := url.Parse(base)
	if err != nil { // base was validated or registered; cannot happen
		return base
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// randomID returns 32 random bytes as base64url text without padding, never starting with '-'
// (see [randomText]): flow handles, challenges, verifiers, client, grant and session IDs.
func randomID() string {
	return randomText(32)
}

// storeErr turns a store failure into the error a grant returns: NotFound becomes err (the
// grant's own "no such thing"), anything else a server error or temporarily_unavailable.
func storeErr(err error, notFound *Error) error {
	if fault.CodeOf(err) == fault.NotFound && notFound != nil {
		return notFound.WithCause(err)
	}
	return AsError(err)
}

func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil { // only plain structs are marshalled here
		panic(fmt.Sprintf("oauth2: cannot marshal %T: %v", v, err))
	}
	return b
}
