package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/wardhq/ward/api"
	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/oauth2"
)

// serveConfig is the configuration of `ward serve`. Each field can be set in the YAML file given
// by --config, by a WARD_<KEY> environment variable, or by a --<key> flag (underscores become
// dashes); later sources win in that order.
//
// A field that holds a secret has the tag secret:"value" (shown masked) or secret:"dsn" (a
// database DSN or URL: its password is masked); `ward config print` shows no secret.
type serveConfig struct {
	DSN              string        `koanf:"dsn" secret:"dsn"`
	ReplicaDSNs      []string      `koanf:"replica_dsns" secret:"dsn"`
	QuorumDSNs       []string      `koanf:"quorum_dsns" secret:"dsn"`
	Mirror           bool          `koanf:"mirror"`
	PublicAddr       string        `koanf:"public_addr"`
	AdminAddr        string        `koanf:"admin_addr"`
	LogLevel         string        `koanf:"log_level"`
	LogFormat        string        `koanf:"log_format"`
	MaxDepth         int           `koanf:"max_depth"`
	MaxStaleness     time.Duration `koanf:"max_staleness"`
	CacheSize        int           `koanf:"cache_size"`
	CheckConcurrency int           `koanf:"check_concurrency"`
	CheckParallelism int           `koanf:"check_parallelism"`
	Retention        time.Duration `koanf:"retention"`
	ShutdownTimeout  time.Duration `koanf:"shutdown_timeout"`
	OTLPTraces       string        `koanf:"otlp_traces_endpoint" secret:"dsn"`

	// The OAuth2 and OpenID Connect server.
	Issuer              string        `koanf:"issuer"`
	LoginURL            string        `koanf:"login_url"`
	ConsentURL          string        `koanf:"consent_url"`
	LogoutURL           string        `koanf:"logout_url"`
	TokenSecrets        []string      `koanf:"token_secrets" secret:"value"`
	JWTAccessTokens     bool          `koanf:"jwt_access_tokens"`
	AccessTokenLifetime time.Duration `koanf:"access_token_lifetime"`
	RevocationBound     time.Duration `koanf:"revocation_bound"`

	// Request limits and the admin listener's exposure (issue 11).
	MaxRequestBytes int64         `koanf:"max_request_bytes"`
	ReadTimeout     time.Duration `koanf:"read_timeout"`
	RequestTimeout  time.Duration `koanf:"request_timeout"`
	Pprof           bool          `koanf:"pprof"`
	AdminHosts      []string      `koanf:"admin_hosts"`

	// Bounded work of lookups and Expand, and signed page tokens.
	MaxLookupCost        int64    `koanf:"max_lookup_cost"`
	MaxConcurrentLookups int      `koanf:"max_concurrent_lookups"`
	PageTokenSecrets     []string `koanf:"page_token_secrets" secret:"value"`

	// Authentication of the APIs (issue 11: API keys, tokens, the admin key).
	APIAuth          string   `koanf:"api_auth"`
	APIKeys          []string `koanf:"api_keys" secret:"value"`
	APIKeysFile      string   `koanf:"api_keys_file"`
	AdminAPIKeys     []string `koanf:"admin_api_keys" secret:"value"`
	AdminAPIKeysFile string   `koanf:"admin_api_keys_file"`

	// OAuth2 secrets and edges (issue 11).
	TokenSecretsFile                   string `koanf:"token_secrets_file"`
	PKCERequiredForConfidentialClients bool   `koanf:"pkce_required_for_confidential_clients"`

	// Limits of OAuth2 client authentication, and the proxies whose X-Forwarded-For is believed.
	ClientAuthRate  float64  `koanf:"client_auth_rate"`
	ClientAuthBurst int      `koanf:"client_auth_burst"`
	TrustedProxies  []string `koanf:"trusted_proxies"`
	// Which clients may introspect which tokens at the public introspection endpoints.
	IntrospectionScope string `koanf:"introspection_scope"`

	// The identity service (Kratos's HTTP contract): the keys identity.NAME.
	Identity identityConfig `koanf:"identity"`
	// The identity service's courier (Kratos's courier.* keys).
	Courier courierConfig `koanf:"courier"`
}

func defaultServeConfig() serveConfig {
	return serveConfig{
		Mirror:           true,
		PublicAddr:       "127.0.0.1:4466",
		AdminAddr:        "127.0.0.1:4467",
		LogLevel:         "info",
		LogFormat:        "text",
		MaxDepth:         50,
		MaxStaleness:     5 * time.Second,
		CacheSize:        1_000_000,
		CheckConcurrency: 8,
		CheckParallelism: -1,
		Retention:        10 * time.Minute,
		ShutdownTimeout:  15 * time.Second,

		AccessTokenLifetime: time.Hour,
		RevocationBound:     time.Second,

		MaxRequestBytes:      api.DefaultMaxRequestBytes,
		ReadTimeout:          api.DefaultReadTimeout,
		RequestTimeout:       api.DefaultRequestTimeout,
		MaxLookupCost:        engine.DefaultMaxLookupCost,
		MaxConcurrentLookups: 4 * runtime.GOMAXPROCS(0),
		APIAuth:              "auto",
		ClientAuthRate:       oauth2.DefaultClientAuthRate,
		ClientAuthBurst:      oauth2.DefaultClientAuthBurst,
		IntrospectionScope:   oauth2.DefaultIntrospectionScope,
		Identity:             defaultIdentityConfig(),
		Courier:              defaultCourierConfig(),
	}
}

// addServeFlags declares one flag per configuration key, with the defaults as flag defaults.
func addServeFlags(fs *pflag.FlagSet) {
	d := defaultServeConfig()
	fs.String("config", "", "YAML configuration file")
	fs.String("dsn", "", "PostgreSQL or CockroachDB database, as a URL or key=value DSN (multi-host DSNs follow failovers); empty: the embedded store")
	fs.StringSlice("replica-dsns", nil, "read replicas of the database, comma-separated, used for snapshots they have replayed")
	fs.StringSlice("quorum-dsns", nil, "every node of a PostgreSQL cluster in strict synchronous replication (at least three), comma-separated: while the primary does not answer, reads go to the node of a majority furthest along the newest timeline")
	fs.Bool("mirror", d.Mirror, "with a database: keep an in-memory copy of the tuples, kept current from the change log, and check against it")
	fs.String("public-addr", d.PublicAddr, "address of the public listener (checks)")
	fs.String("admin-addr", d.AdminAddr, "address of the admin listener (writes, schema, metrics, health)")
	fs.String("log-level", d.LogLevel, "log level: debug, info, warn or error")
	fs.String("log-format", d.LogFormat, "log format: text or json")
	fs.Int("max-depth", d.MaxDepth, "deepest recursion a check may take before it fails with ResourceExhausted")
	fs.Duration("max-staleness", d.MaxStaleness, "how old a minimize_latency snapshot may be")
	fs.Int("cache-size", d.CacheSize, "check results kept in the cache (0 disables it)")
	fs.Int("check-concurrency", d.CheckConcurrency, "sub-problems of one check node evaluated at once")
	fs.Int("check-parallelism", d.CheckParallelism, "goroutines all checks together may add to evaluate branches in parallel; 0: sequential; -1: sequential when reads are in memory (the embedded store, the mirror), 4 per CPU over a database")
	fs.Duration("retention", d.Retention, "how long the embedded store keeps superseded versions (Watch and page tokens reach this far back)")
	fs.Duration("shutdown-timeout", d.ShutdownTimeout, "how long a shutdown waits for in-flight requests")
	fs.String("issuer", "", "the OAuth2/OpenID Connect issuer URL, where clients reach the public listener; empty: http:// and the public address")
	fs.String("login-url", "", "the login app the OAuth2 server sends browsers to with a login_challenge; empty: a ward page that says none is configured")
	fs.String("consent-url", "", "the consent app the OAuth2 server sends browsers to with a consent_challenge; empty: a ward page that says none is configured")
	fs.String("logout-url", "", "where browsers land after logout when the client names no post_logout_redirect_uri")
	fs.StringSlice("token-secrets", nil, "HMAC secrets of OAuth2 tokens (at least 32 bytes each; the first signs, all verify); with a database every node needs the same ones, and without them the OAuth2 server is off; on the embedded store: random per process")
	fs.Bool("jwt-access-tokens", false, "issue RFC 9068 JWT access tokens instead of opaque ones, for clients that do not choose")
	fs.Duration("access-token-lifetime", d.AccessTokenLifetime, "how long OAuth2 access tokens live")
	fs.Duration("revocation-bound", d.RevocationBound, "the longest a token revoked on another node may still introspect as active here")
	fs.String("otlp-traces-endpoint", "", "send OpenTelemetry traces over OTLP/HTTP to this URL (such as http://collector:4318/v1/traces); empty: no tracing")
	// Request limits and the admin listener's exposure.
	fs.Int64("max-request-bytes", d.MaxRequestBytes, "largest request body and Connect message, compressed or decompressed, either listener accepts (bytes); the OAuth2 form endpoints take at most 64 KiB")
	fs.Duration("read-timeout", d.ReadTimeout, "how long a client may take to send a request's body once its headers are in; a slower one is disconnected")
	fs.Duration("request-timeout", d.RequestTimeout, "longest a unary RPC may run before it fails with deadline_exceeded; streaming RPCs (Watch) are exempt")
	fs.Bool("pprof", false, "serve Go's profiles at /debug/pprof/ on the admin listener")
	fs.StringSlice("admin-hosts", nil, "host names, comma-separated, under which the admin listener answers besides loopback addresses, localhost and its own IP address; requests with any other Host are refused (DNS rebinding)")
	// Bounded work of lookups and Expand, and signed page tokens.
	fs.Int64("max-lookup-cost", d.MaxLookupCost, "most work one LookupResources, LookupSubjects or Expand may do (tuples read plus candidates checked) before it fails with resource_exhausted")
	fs.Int("max-concurrent-lookups", d.MaxConcurrentLookups, "lookups, Expands and CheckBulks run at once; one more waits up to a second, then fails with resource_exhausted")
	fs.StringSlice("page-token-secrets", nil, "HMAC secrets that sign page tokens (at least 16 bytes each; the first signs, all verify); empty: derived from token_secrets, or random per process without them")
	// Authentication of the APIs.
	fs.String("api-auth", d.APIAuth, "auto: the permission, relationship and schema APIs need an API key or a ward access token on a listener not bound to loopback; required: on every listener; open: never (development only)")
	fs.StringSlice("api-keys", nil, "API keys granting the permission, relationship and schema APIs (at least 16 bytes each; several for rotation; comma-separated)")
	fs.String("api-keys-file", "", "`FILE` of hashed API keys, one sha256:<hex> [label] per line (from ward apikey hash)")
	fs.StringSlice("admin-api-keys", nil, "admin API keys: every request to an admin listener not on loopback needs one; they grant the data APIs too")
	fs.String("admin-api-keys-file", "", "file of hashed admin API keys, in the format of api_keys_file")
	// OAuth2 secrets and edges (issue 11).
	fs.String("token-secrets-file", "", "file of further token secrets, one per line (# starts a comment), read after token_secrets: keeps them out of ps and the environment")
	fs.Bool("pkce-required-for-confidential-clients", false, "require PKCE (S256) of confidential clients too, as OAuth 2.1 does; public clients always need it")
	fs.Float64("client-auth-rate", d.ClientAuthRate, "failed OAuth2 client authentications allowed per second, per client ID and per source address, after a burst of client_auth_burst; more get 429 with Retry-After")
	fs.Int("client-auth-burst", d.ClientAuthBurst, "failed OAuth2 client authentications a client ID or source address may make at once")
	fs.String("introspection-scope", d.IntrospectionScope, "the scope a client must be registered with to introspect every token at the public endpoints; without it a client learns only of its own tokens and those whose audience names it")
	fs.StringSlice("trusted-proxies", nil, "CIDR prefixes or addresses of the load balancers and proxies whose X-Forwarded-For names the client address (for the OAuth2 and identity limiters); empty: the peer's address is the client's")
	addIdentityFlags(fs)
	addCourierFlags(fs)
}

func (c serveConfig) validate() error {
	switch {
	case c.MaxDepth < 1:
		return fmt.Errorf("max_depth must be at least 1, not %d", c.MaxDepth)
	case c.CacheSize < 0:
		return fmt.Errorf("cache_size must not be negative")
	case c.CheckConcurrency < 1:
		return fmt.Errorf("check_concurrency must be at least 1")
	case c.CheckParallelism < -1:
		return fmt.Errorf("check_parallelism must be -1 (automatic) or more")
	case c.MaxStaleness < 0:
		return fmt.Errorf("max_staleness must not be negative")
	case c.Retention < 2*c.MaxStaleness:
		return fmt.Errorf("retention (%s) must be at least twice max_staleness (%s)", c.Retention, c.MaxStaleness)
	case c.DSN == "" && (len(c.ReplicaDSNs) > 0 || len(c.QuorumDSNs) > 0):
		return fmt.Errorf("replica_dsns and quorum_dsns name nodes of the database at dsn, which is not set")
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("log_format must be text or json, not %q", c.LogFormat)
	}
	// Request limits and the admin listener's exposure.
	switch {
	case c.MaxRequestBytes < minRequestBytes || c.MaxRequestBytes > maxRequestBytes:
		return fmt.Errorf("max_request_bytes must be between %d and %d, not %d", minRequestBytes, maxRequestBytes, c.MaxRequestBytes)
	case c.ReadTimeout <= 0:
		return fmt.Errorf("read_timeout must be positive, not %s", c.ReadTimeout)
	case c.RequestTimeout <= 0:
		return fmt.Errorf("request_timeout must be positive, not %s", c.RequestTimeout)
	}
	for _, h := range c.AdminHosts {
		if err := validateHostName(h); err != nil {
			return fmt.Errorf("admin_hosts: %w", err)
		}
	}
	// Bounded work of lookups and Expand, and signed page tokens.
	switch {
	case c.MaxLookupCost < 1:
		return fmt.Errorf("max_lookup_cost must be at least 1, not %d", c.MaxLookupCost)
	case c.MaxConcurrentLookups < 1:
		return fmt.Errorf("max_concurrent_lookups must be at least 1, not %d", c.MaxConcurrentLookups)
	}
	for i, sec := range c.PageTokenSecrets {
		if len(sec) < 16 {
			return fmt.Errorf("page_token_secrets[%d] has %d bytes; a page token secret needs at least 16", i, len(sec))
		}
	}
	// Authentication of the APIs.
	if c.APIAuth != "auto" && c.APIAuth != "required" && c.APIAuth != "open" {
		return fmt.Errorf("api_auth must be auto, required or open, not %q", c.APIAuth)
	}
	if _, err := middleware.NewAPIKeys(c.APIKeys...); err != nil {
		return fmt.Errorf("api_keys: %w", err)
	}
	if _, err := middleware.NewAPIKeys(c.AdminAPIKeys...); err != nil {
		return fmt.Errorf("admin_api_keys: %w", err)
	}
	// Limits of OAuth2 client authentication.
	switch {
	case !(c.ClientAuthRate > 0):
		return fmt.Errorf("client_auth_rate must be more than 0, not %g", c.ClientAuthRate)
	case c.ClientAuthBurst < 1:
		return fmt.Errorf("client_auth_burst must be at least 1, not %d", c.ClientAuthBurst)
	}
	if c.IntrospectionScope == "" || strings.ContainsAny(c.IntrospectionScope, " \t\n\"\\") {
		return fmt.Errorf("introspection_scope must be one scope token (no spaces or quotes), not %q", c.IntrospectionScope)
	}
	if _, err := middleware.ParseTrustedProxies(c.TrustedProxies); err != nil {
		return err
	}
	if err := c.Identity.validate(); err != nil {
		return err
	}
	return c.Courier.validate()
}

// Bounds of max_request_bytes: a check request must fit, and a gRPC message's length is 32 bits.
const (
	minRequestBytes = 4 << 10
	maxRequestBytes = 1<<31 - 1
)

// validateHostName accepts what a Host header holds without its port: a DNS name or an IP
// address, without scheme, port, path or wildcard.
func validateHostName(h string) error {
	if h == "" {
		return errors.New("a host name is empty")
	}
	if _, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		return nil
	}
	if len(h) > 253 {
		return fmt.Errorf("%q is longer than 253 bytes", h)
	}
	bad := fmt.Errorf("%q is not a host name (want a DNS name such as ward-admin.internal, or an IP address; no scheme, port or wildcard)", h)
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return bad
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return bad
			}
		}
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log_level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

func newLogger(c serveConfig) *slog.Logger {
	level, _ := parseLevel(c.LogLevel) // validated
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: logAttr}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
