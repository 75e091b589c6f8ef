package flow

import (
	"crypto/rand"
	"net/url"
	"strings"
	"time"

	"github.com/wardhq/ward/fault"
)

// Kratos's defaults (embedx/config.schema.json of v1.3.1).
const (
	// DefaultFlowLifespan is how long a login, registration or settings flow may be submitted.
	DefaultFlowLifespan = time.Hour
	// DefaultPrivilegedSessionMaxAge is how long after authenticating a session may change a
	// password or an identifier without authenticating again.
	DefaultPrivilegedSessionMaxAge = time.Hour
	// The ui_url defaults: Kratos's fallback pages.
	DefaultLoginUIURL        = "https://www.ory.sh/kratos/docs/fallback/login"
	DefaultRegistrationUIURL = "https://www.ory.sh/kratos/docs/fallback/registration"
	DefaultSettingsUIURL     = "https://www.ory.sh/kratos/docs/fallback/settings"
	DefaultVerificationUIURL = "https://www.ory.sh/kratos/docs/fallback/verification"
	DefaultRecoveryUIURL     = "https://www.ory.sh/kratos/docs/fallback/recovery"
	// DefaultRecoveryCodeLifespan is selfservice.methods.code.config.lifespan: how long a
	// recovery code is accepted after it was sent, within its flow's lifespan.
	DefaultRecoveryCodeLifespan = 15 * time.Minute
	// DefaultRecoveryLinkLifespan is selfservice.methods.link.config.lifespan: how long a
	// recovery link is accepted after it was sent, within its flow's lifespan.
	DefaultRecoveryLinkLifespan = time.Hour
)

// The methods selfservice.flows.{recovery,verification}.use choose between.
const (
	UseCode = "code"
	UseLink = "link"
)

// Config holds the self-service settings Kratos users know, under Kratos's names.
type Config struct {
	// PublicURL is serve.public.base_url: the public endpoint's base, from which form actions
	// (PublicURL + /self-service/login?flow=ID) and logout URLs are built. Required, absolute.
	PublicURL string
	// DefaultReturnURL is selfservice.default_browser_return_url: where browsers go after a flow
	// without return_to. Default PublicURL.
	DefaultReturnURL string
	// AllowedReturnURLs is selfservice.allowed_return_urls: the URLs return_to may point under
	// (see returnPolicy). PublicURL's /self-service is always allowed.
	AllowedReturnURLs []string

	// Login, Registration and Settings are selfservice.flows.<kind>.
	Login        FlowConfig
	Registration FlowConfig
	Settings     FlowConfig
	// LogoutReturnURL is selfservice.flows.logout.after.default_browser_return_url; default
	// DefaultReturnURL.
	LogoutReturnURL string

	// Verification is selfservice.flows.verification: its ui_url, lifespan (which the codes
	// share) and after.default_browser_return_url.
	Verification FlowConfig
	// VerificationEnabled is selfservice.flows.verification.enabled: default false, as in Kratos;
	// the verification routes then answer 400.
	VerificationEnabled bool
	// VerificationUse is selfservice.flows.verification.use: UseCode (the default, as in
	// Kratos) sends codes, UseLink links that verify when opened; either lives as long as
	// its flow.
	VerificationUse string
	// Recovery is selfservice.flows.recovery: its ui_url and lifespan (of the flow; its codes
	// live RecoveryCodeLifespan).
	Recovery FlowConfig
	// RecoveryEnabled is selfservice.flows.recovery.enabled: default false, as in Kratos; the
	// recovery routes then answer 400 and POST /admin/recovery/code 404.
	RecoveryEnabled bool
	// RecoveryCodeLifespan is selfservice.methods.code.config.lifespan: how long a recovery code
	// is accepted after it was sent; default DefaultRecoveryCodeLifespan.
	RecoveryCodeLifespan time.Duration
	// RecoveryUse is selfservice.flows.recovery.use: UseCode (the default, as in
	// Kratos) sends codes, UseLink sends links that recover in the browser that opens
	// them.
	RecoveryUse string
	// RecoveryLinkLifespan is selfservice.methods.link.config.lifespan: how long a recovery
	// link is accepted after it was sent; default DefaultRecoveryLinkLifespan.
	RecoveryLinkLifespan time.Duration
	// Courier sends the verification and recovery codes; required when VerificationEnabled or
	// RecoveryEnabled.
	Courier Courier
	// CodeKeys are the HMAC keys codes are stored under: the first hashes new codes, every one is
	// tried on a submitted code, so that a key can be rotated without voiding codes in flight.
	// Every node over one store needs the same keys. None: one random key of this Service.
	CodeKeys [][]byte

	// SessionAfterRegistration is the "session" hook of selfservice.flows.registration.after.
	// password.hooks: a registration signs the new identity in. Default false, as in Kratos.
	SessionAfterRegistration bool
	// PrivilegedSessionMaxAge is selfservice.flows.settings.privileged_session_max_age; default
	// DefaultPrivilegedSessionMaxAge.
	PrivilegedSessionMaxAge time.Duration

	// SecondFactors are the TOTP and lookup_secret methods' settings.
	SecondFactors SecondFactorConfig

	// Clock returns the current time; default time.Now.
	Clock func() time.Time
}

// FlowConfig is one flow's settings.
type FlowConfig struct {
	// UIURL is ui_url: the page that renders the flow; browsers are sent there with ?flow=ID.
	// Default Kratos's fallback page.
	UIURL string
	// Lifespan is lifespan: how long a flow may be submitted; default DefaultFlowLifespan.
	Lifespan time.Duration
	// AfterReturnURL is after.default_browser_return_url: where a browser goes after the flow
	// succeeded without return_to; default Config.DefaultReturnURL.
	AfterReturnURL string
}

// settings is a checked Config.
type settings struct {
	public                   *url.URL
	defaultReturn            *url.URL
	logoutReturn             *url.URL
	login                    flowSettings
	registration             flowSettings
	settings                 flowSettings
	verification             flowSettings
	verificationEnabled      bool
	verificationUse          string
	recovery                 flowSettings
	recoveryEnabled          bool
	recoveryCodeLifespan     time.Duration
	recoveryUse              string
	recoveryLinkLifespan     time.Duration
	courier                  Courier
	codeKeys                 [][]byte
	returns                  *returnPolicy
	sessionAfterRegistration bool
	privilegedMaxAge         time.Duration
	secondFactors            secondFactorSettings
	now                      func() time.Time
}

type flowSettings struct {
	ui          *url.URL
	lifespan    time.Duration
	afterReturn *url.URL
}

// check fills in the defaults and parses the URLs. The error is InvalidArgument naming the
// config key at fault.
func (c Config) check() (*settings, error) {
	public, err := absoluteURL("serve.public.base_url", c.PublicURL, true)
	if err != nil {
		return nil, err
	}
	public.Path = strings.TrimSuffix(public.Path, "/")
	s := &settings{public: public, sessionAfterRegistration: c.SessionAfterRegistration, now: c.Clock}
	if s.now == nil {
		s.now = time.Now
	}
	s.privilegedMaxAge = c.PrivilegedSessionMaxAge
	if s.privilegedMaxAge <= 0 {
		s.privilegedMaxAge = DefaultPrivilegedSessionMaxAge
	}
	if s.defaultReturn, err = absoluteURL("selfservice.default_browser_return_url", c.DefaultReturnURL, false); err != nil {
		return nil, err
	}
	if s.defaultReturn == nil {
		d := *public
		d.Path += "/"
		s.defaultReturn = &d
	}
	if s.logoutReturn, err = absoluteURL("selfservice.flows.logout.after.default_browser_return_url", c.LogoutReturnURL, false); err != nil {
		return nil, err
	}
	if s.logoutReturn == nil {
		s.logoutReturn = s.defaultReturn
	}
	for _, f := range []struct {
		name string
		in   FlowConfig
		ui   string
		out  *flowSettings
	}{
		{"login", c.Login, DefaultLoginUIURL, &s.login},
		{"registration", c.Registration, DefaultRegistrationUIURL, &s.registration},
		{"settings", c.Settings, DefaultSettingsUIURL, &s.settings},
		{"verification", c.Verification, DefaultVerificationUIURL, &s.verification},
		{"recovery", c.Recovery, DefaultRecoveryUIURL, &s.recovery},
	} {
		key := "selfservice.flows." + f.name
		ui := f.in.UIURL
		if ui == "" {
			ui = f.ui
		}
		if f.out.ui, err = absoluteURL(key+".ui_url", ui, true); err != nil {
			return nil, err
		}
		f.out.lifespan = f.in.Lifespan
		if f.out.lifespan <= 0 {
			f.out.lifespan = DefaultFlowLifespan
		}
		if f.out.afterReturn, err = absoluteURL(key+".after.default_browser_return_url", f.in.AfterReturnURL, false); err != nil {
			return nil, err
		}
		if f.out.afterReturn == nil {
			f.out.afterReturn = s.defaultReturn
		}
	}
	if err := s.checkVerification(c); err != nil {
		return nil, err
	}
	if s.secondFactors, err = c.SecondFactors.check(public); err != nil {
		return nil, err
	}
	if s.returns, err = newReturnPolicy(public, s.defaultReturn, c.AllowedReturnURLs); err != nil {
		return nil, err
	}
	return s, nil
}

// absoluteURL parses an absolute http(s) URL; "" is nil unless required.
func absoluteURL(key, raw string, required bool) (*url.URL, error) {
	if raw == "" {
		if required {
			return nil, fault.Invalid(key, "a URL is required")
		}
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fault.Invalid(key, "%q is not an absolute http or https URL", raw)
	}
	return u, nil
}

// publicPath returns the public URL of path with query q (nil for none).
func (s *settings) publicPath(path string, q url.Values) string {
	u := *s.public
	u.Path += path
	u.RawQuery = q.Encode()
	return u.String()
}

// withQuery returns u with the values of q set in its query.
func withQuery(u *url.URL, q url.Values) string {
	c := *u
	cq := c.Query()
	for k, v := range q {
		cq[k] = v
	}
	c.RawQuery = cq.Encode()
	return c.String()
}

// checkVerification takes the verification and recovery flows' courier and code keys.
func (s *settings) checkVerification(c Config) error {
	s.verificationEnabled, s.courier = c.VerificationEnabled, c.Courier
	if s.verificationEnabled && s.courier == nil {
		return fault.Invalid("courier", "selfservice.flows.verification.enabled needs a courier to send its codes")
	}
	s.recoveryEnabled, s.recoveryCodeLifespan = c.RecoveryEnabled, c.RecoveryCodeLifespan
	if s.recoveryEnabled && s.courier == nil {
		return fault.Invalid("courier", "selfservice.flows.recovery.enabled needs a courier to send its codes")
	}
	if s.recoveryCodeLifespan <= 0 {
		s.recoveryCodeLifespan = DefaultRecoveryCodeLifespan
	}
	var err error
	if s.recoveryUse, err = useMethod("selfservice.flows.recovery.use", c.RecoveryUse); err != nil {
		return err
	}
	if s.verificationUse, err = useMethod("selfservice.flows.verification.use", c.VerificationUse); err != nil {
		return err
	}
	if s.recoveryLinkLifespan = c.RecoveryLinkLifespan; s.recoveryLinkLifespan <= 0 {
		s.recoveryLinkLifespan = DefaultRecoveryLinkLifespan
	}
	for i, k := range c.CodeKeys {
		if len(k) < minCodeKeyBytes {
			return fault.Invalid("secrets", "code key %d has %d bytes; at least %d are required", i, len(k), minCodeKeyBytes)
		}
	}
	s.codeKeys = c.CodeKeys
	if len(s.codeKeys) == 0 {
		k := make([]byte, 32)
		_, _ = rand.Read(k) // crypto/rand.Read never fails
		s.codeKeys = [][]byte{k}
	}
	return nil
}

// useMethod checks a flow's use key: code ("" too) or link.
func useMethod(key, use string) (string, error) {
	switch use {
	case "", UseCode:
		return UseCode, nil
	case UseLink:
		return use, nil
	}
	return "", fault.Invalid(key, "want %q or %q, not %q", UseCode, UseLink, use)
}
