package main

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/wardhq/ward/api/kratos"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/password"
)

// identityConfig is the identity service's section of the serve configuration: the keys
// identity.NAME in YAML (an identity: mapping), WARD_IDENTITY_NAME in the environment and
// --identity-name as flags. The names follow Kratos's configuration where it has one.
type identityConfig struct {
	Enabled bool `koanf:"enabled"`
	// Schemas are Kratos's identity.schemas, each as ID=URL (file://, base64:// or inline JSON).
	Schemas           []string      `koanf:"schemas"`
	DefaultSchemaID   string        `koanf:"default_schema_id"`
	PublicBaseURL     string        `koanf:"public_base_url"`
	SessionLifespan   time.Duration `koanf:"session_lifespan"`
	CookieName        string        `koanf:"cookie_name"`
	DefaultReturnURL  string        `koanf:"default_return_url"`
	AllowedReturnURLs []string      `koanf:"allowed_return_urls"`
	LoginUIURL        string        `koanf:"login_ui_url"`
	RegistrationUIURL string        `koanf:"registration_ui_url"`
	SettingsUIURL     string        `koanf:"settings_ui_url"`
	// ErrorUIURL is Kratos's selfservice.flows.error.ui_url.
	ErrorUIURL string `koanf:"error_ui_url"`
	// SessionAfterRegistration is Kratos's "session" hook after a password registration.
	SessionAfterRegistration bool    `koanf:"session_after_registration"`
	LoginRate                float64 `koanf:"login_rate"`
	LoginBurst               int     `koanf:"login_burst"`
	RegistrationRate         float64 `koanf:"registration_rate"`
	RegistrationBurst        int     `koanf:"registration_burst"`
	// The password hasher: argon2id (with its parameters) or bcrypt (with its cost).
	PasswordAlgorithm string `koanf:"password_algorithm"`
	BcryptCost        int    `koanf:"bcrypt_cost"`
	Argon2Memory      uint32 `koanf:"argon2_memory"`
	Argon2Iterations  uint32 `koanf:"argon2_iterations"`
	Argon2Parallelism uint8  `koanf:"argon2_parallelism"`
	// Verification is Kratos's selfservice.flows.verification, as identity.verification.*.
	Verification verificationConfig `koanf:"verification"`

	// The second factors: Kratos's selfservice.methods.totp.enabled and .config.issuer,
	// selfservice.methods.lookup_secret.enabled, session.whoami.required_aal and
	// selfservice.flows.settings.required_aal.
	TOTPEnabled         bool   `koanf:"totp_enabled"`
	TOTPIssuer          string `koanf:"totp_issuer"`
	LookupSecretEnabled bool   `koanf:"lookup_secret_enabled"`
	WhoamiRequiredAAL   string `koanf:"whoami_required_aal"`
	SettingsRequiredAAL string `koanf:"settings_required_aal"`

	// Recovery is Kratos's selfservice.flows.recovery, as identity.recovery.*.
	Recovery recoveryConfig `koanf:"recovery"`
}

// recoveryConfig is the recovery flow's section: Kratos's selfservice.flows.recovery.enabled,
// lifespan, ui_url and use, and selfservice.methods.{code,link}.config.lifespan as code_lifespan
// and link_lifespan, under identity.recovery.
type recoveryConfig struct {
	// Enabled serves the recovery flow by code and POST /admin/recovery/code; off by default,
	// as in Kratos.
	Enabled bool `koanf:"enabled"`
	// Lifespan is how long a flow may be submitted.
	Lifespan time.Duration `koanf:"lifespan"`
	// CodeLifespan is how long a code is accepted after it was sent (within its flow's lifespan),
	// and how long an admin code lives when its request names no expires_in.
	CodeLifespan time.Duration `koanf:"code_lifespan"`
	// UIURL is the page browsers are sent to with ?flow=; default ward's built-in page.
	UIURL string `koanf:"ui_url"`
	// Use is Kratos's selfservice.flows.recovery.use: code (the default) or link.
	Use string `koanf:"use"`
	// LinkLifespan is Kratos's selfservice.methods.link.config.lifespan: how long a link is
	// accepted after it was sent, and an admin link's default life.
	LinkLifespan time.Duration `koanf:"link_lifespan"`
}

// verificationConfig is the verification flow's section: Kratos's
// selfservice.flows.verification.enabled, lifespan and ui_url, under identity.verification.
type verificationConfig struct {
	// Enabled serves the verification flow; off by default, as in Kratos.
	Enabled bool `koanf:"enabled"`
	// Lifespan is how long a flow, and the code it sends, may be submitted.
	Lifespan time.Duration `koanf:"lifespan"`
	// UIURL is the page browsers are sent to with ?flow=; default Kratos's fallback page.
	UIURL string `koanf:"ui_url"`
	// AfterReturnURL is Kratos's after.default_browser_return_url: the continue link of a
	// verified flow without return_to; default identity.default_return_url.
	AfterReturnURL string `koanf:"after_return_url"`
	// Use is Kratos's selfservice.flows.verification.use: code (the default) or link.
	Use string `koanf:"use"`
}

func defaultIdentityConfig() identityConfig {
	a := password.DefaultArgon2Params()
	return identityConfig{
		Enabled:           true,
		SessionLifespan:   identity.DefaultSessionLifespan,
		CookieName:        kratos.DefaultCookieName,
		LoginRate:         identity.DefaultLoginRate,
		LoginBurst:        identity.DefaultLoginBurst,
		RegistrationRate:  identity.DefaultRegistrationRate,
		RegistrationBurst: identity.DefaultRegistrationBurst,
		PasswordAlgorithm: string(password.Argon2id),
		BcryptCost:        password.DefaultBcryptCost,
		Argon2Memory:      a.Memory,
		Argon2Iterations:  a.Iterations,
		Argon2Parallelism: a.Parallelism,
		Verification:      verificationConfig{Lifespan: flow.DefaultFlowLifespan, Use: flow.UseCode},
		Recovery: recoveryConfig{
			Lifespan: flow.DefaultFlowLifespan, CodeLifespan: flow.DefaultRecoveryCodeLifespan,
			Use: flow.UseCode, LinkLifespan: flow.DefaultRecoveryLinkLifespan,
		},
		WhoamiRequiredAAL:   identity.RequiredAALHighest,
		SettingsRequiredAAL: identity.RequiredAALHighest,
	}
}

// identityKeyPrefix starts the flag names of the identity section; the key is identity. and the
// rest, with underscores.
const identityKeyPrefix = "identity-"

// configKey returns the configuration key of a flag name or a lower-cased WARD_ variable without
// its prefix: dashes become underscores, and the identity and courier sections' keys are nested
// under "identity." and "courier." (see courierKey).
func configKey(name string) string {
	key := strings.ReplaceAll(name, "-", "_")
	if rest, ok := strings.CutPrefix(key, "identity_"); ok {
		if v, ok := strings.CutPrefix(rest, "verification_"); ok {
			return "identity.verification." + v
		}
		if v, ok := strings.CutPrefix(rest, "recovery_"); ok {
			return "identity.recovery." + v
		}
		return "identity." + rest
	}
	if rest, ok := strings.CutPrefix(key, "courier_"); ok {
		return courierKey(rest)
	}
	return key
}

func addIdentityFlags(fs *pflag.FlagSet) {
	d := defaultIdentityConfig()
	p := identityKeyPrefix
	fs.Bool(p+"enabled", d.Enabled, "serve the identity service (Kratos's public and admin HTTP API) on the two listeners")
	fs.StringSlice(p+"schemas", nil, "identity schemas as ID=URL (file://PATH, base64://DATA or inline JSON), comma-separated; empty: the built-in schema (email and password)")
	fs.String(p+"default-schema-id", "", "the schema of identities that name none, and of self-service registration; default: the first of identity_schemas")
	fs.String(p+"public-base-url", "", "the identity service's public base URL, as browsers reach the public listener (form actions, schema URLs, cookies); empty: http:// and the public address")
	fs.Duration(p+"session-lifespan", d.SessionLifespan, "how long a session lasts after login (Kratos's session.lifespan)")
	fs.String(p+"cookie-name", d.CookieName, "the session cookie's name; __Host- is prepended when the public base URL is https")
	fs.String(p+"default-return-url", "", "where browsers go after a flow without return_to; empty: the public base URL")
	fs.StringSlice(p+"allowed-return-urls", nil, "URLs under which a flow's return_to may point (Kratos's selfservice.allowed_return_urls), comma-separated")
	fs.String(p+"login-ui-url", "", "the login page browsers are sent to with ?flow=; empty: ward's built-in page, /ui/login")
	fs.String(p+"registration-ui-url", "", "the registration page; empty: ward's built-in page, /ui/registration")
	fs.String(p+"settings-ui-url", "", "the settings page; empty: ward's built-in page, /ui/settings")
	fs.String(p+"error-ui-url", "", "the page browsers are sent to with ?id= when a flow fails; empty: ward's built-in page, /ui/error")
	fs.Bool(p+"session-after-registration", false, "sign a new identity in at the end of its registration (Kratos's session hook)")
	fs.Float64(p+"login-rate", d.LoginRate, "failed password logins allowed per second, per identifier and per source address, after a burst of identity_login_burst")
	fs.Int(p+"login-burst", d.LoginBurst, "failed password logins an identifier or source may make at once")
	fs.Float64(p+"registration-rate", d.RegistrationRate, "registrations allowed per second per source address, after a burst of identity_registration_burst")
	fs.Int(p+"registration-burst", d.RegistrationBurst, "registrations a source may make at once")
	fs.String(p+"password-algorithm", d.PasswordAlgorithm, "hash of new passwords: argon2id or bcrypt (every format Kratos imports is verified either way)")
	fs.Int(p+"bcrypt-cost", d.BcryptCost, "bcrypt's cost, with identity_password_algorithm=bcrypt")
	fs.Uint32(p+"argon2-memory", d.Argon2Memory, "argon2id's memory in KiB")
	fs.Uint32(p+"argon2-iterations", d.Argon2Iterations, "argon2id's passes over its memory")
	fs.Uint8(p+"argon2-parallelism", d.Argon2Parallelism, "argon2id's lanes")
	fs.Bool(p+"verification-enabled", false, "serve the verification flow by code (Kratos's selfservice.flows.verification.enabled); its emails go through the courier")
	fs.Duration(p+"verification-lifespan", d.Verification.Lifespan, "how long a verification flow, and the code it sends, may be submitted")
	fs.String(p+"verification-ui-url", "", "the verification page browsers are sent to with ?flow=; empty: Kratos's fallback page")
	fs.String(p+"verification-after-return-url", "", "where a verified flow without return_to continues; empty: identity_default_return_url")
	fs.String(p+"verification-use", d.Verification.Use, "what a verification email carries: code (a 6-digit code, and a link that fills it in) or link (a link that verifies when opened)")
	fs.Bool(p+"recovery-enabled", false, "serve the recovery flow by code and POST /admin/recovery/code (Kratos's selfservice.flows.recovery.enabled); its emails go through the courier")
	fs.Duration(p+"recovery-lifespan", d.Recovery.Lifespan, "how long a recovery flow may be submitted")
	fs.Duration(p+"recovery-code-lifespan", d.Recovery.CodeLifespan, "how long a recovery code is accepted after it was sent (Kratos's selfservice.methods.code.config.lifespan)")
	fs.String(p+"recovery-ui-url", "", "the recovery page browsers are sent to with ?flow=; empty: ward's built-in page, /ui/recovery")
	fs.String(p+"recovery-use", d.Recovery.Use, "what a recovery email carries: code (a 6-digit code typed into the flow) or link (a link that recovers the browser that opens it)")
	fs.Duration(p+"recovery-link-lifespan", d.Recovery.LinkLifespan, "how long a recovery link is accepted after it was sent (Kratos's selfservice.methods.link.config.lifespan)")
	fs.Bool(p+"totp-enabled", false, "offer TOTP authenticator apps as a second factor (Kratos's selfservice.methods.totp.enabled)")
	fs.String(p+"totp-issuer", "", "the issuer authenticator apps show (selfservice.methods.totp.config.issuer); empty: the public base URL's host")
	fs.Bool(p+"lookup-secret-enabled", false, "offer backup recovery codes as a second factor (selfservice.methods.lookup_secret.enabled)")
	fs.String(p+"whoami-required-aal", d.WhoamiRequiredAAL, "the level whoami asks of a session: highest_available (aal2 for an identity with a second factor) or aal1 (session.whoami.required_aal)")
	fs.String(p+"settings-required-aal", d.SettingsRequiredAAL, "the level the settings flow asks of a session: highest_available or aal1 (selfservice.flows.settings.required_aal)")
}

// secondFactors are the credential types of the second factors enabled.
func (c identityConfig) secondFactors() []string {
	var out []string
	if c.TOTPEnabled {
		out = append(out, identity.CredentialTOTP)
	}
	if c.LookupSecretEnabled {
		out = append(out, identity.CredentialLookupSecret)
	}
	return out
}

func (c identityConfig) validate() error {
	switch {
	case !c.Enabled:
		return nil
	case c.SessionLifespan < time.Minute:
		return fmt.Errorf("identity.session_lifespan must be at least a minute, not %s", c.SessionLifespan)
	case c.LoginRate <= 0 || c.RegistrationRate <= 0:
		return fmt.Errorf("identity.login_rate and identity.registration_rate must be positive")
	case c.LoginBurst < 1 || c.RegistrationBurst < 1:
		return fmt.Errorf("identity.login_burst and identity.registration_burst must be at least 1")
	case c.PasswordAlgorithm != string(password.Argon2id) && c.PasswordAlgorithm != string(password.Bcrypt):
		return fmt.Errorf("identity.password_algorithm must be argon2id or bcrypt, not %q", c.PasswordAlgorithm)
	case c.Verification.Lifespan < time.Minute:
		return fmt.Errorf("identity.verification.lifespan must be at least a minute, not %s", c.Verification.Lifespan)
	case c.Recovery.Lifespan < time.Minute:
		return fmt.Errorf("identity.recovery.lifespan must be at least a minute, not %s", c.Recovery.Lifespan)
	case c.Recovery.CodeLifespan < time.Minute || c.Recovery.LinkLifespan < time.Minute:
		// Either may exceed the flow's lifespan, which then bounds it, as in Kratos.
		return fmt.Errorf("identity.recovery.code_lifespan and link_lifespan must be at least a minute, not %s and %s", c.Recovery.CodeLifespan, c.Recovery.LinkLifespan)
	case c.Recovery.Use != flow.UseCode && c.Recovery.Use != flow.UseLink:
		return fmt.Errorf("identity.recovery.use must be code or link, not %q", c.Recovery.Use)
	case c.Verification.Use != flow.UseCode && c.Verification.Use != flow.UseLink:
		return fmt.Errorf("identity.verification.use must be code or link, not %q", c.Verification.Use)
	}
	for key, v := range map[string]string{"whoami_required_aal": c.WhoamiRequiredAAL, "settings_required_aal": c.SettingsRequiredAAL} {
		if v != identity.AAL1 && v != identity.RequiredAALHighest {
			return fmt.Errorf("identity.%s must be aal1 or highest_available, not %q", key, v)
		}
	}
	for key, u := range map[string]string{
		"verification.ui_url": c.Verification.UIURL, "verification.after_return_url": c.Verification.AfterReturnURL,
		"recovery.ui_url": c.Recovery.UIURL,
	} {
		if p, err := url.Parse(u); u != "" && (err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "") {
			return fmt.Errorf("identity.%s must be an absolute http or https URL, not %q", key, u)
		}
	}
	for i, s := range c.Schemas {
		if id, url, ok := strings.Cut(s, "="); !ok || id == "" || url == "" {
			return fmt.Errorf("identity.schemas[%d]: want ID=URL, not %q", i, s)
		}
	}
	return nil
}
