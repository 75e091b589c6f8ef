package main

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/wardhq/ward/api/kratos"
	"github.com/wardhq/ward/api/signin"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/oauth2"
)

// identityBaseURL is the identity service's public base URL: the configured one, or the public
// listener's URL.
func identityBaseURL(cfg serveConfig, defaultPublicURL string) string {
	if base := strings.TrimSuffix(cfg.Identity.PublicBaseURL, "/"); base != "" {
		return base
	}
	return defaultPublicURL
}

// uiURLs are the pages the identity flows send browsers to.
type uiURLs struct {
	login, registration, settings, errors string
	recovery                              string
	defaultReturn, logoutReturn           string
}

// builtinUI returns the flows' pages: the configured ui_urls, and ward's built-in pages where
// none is configured. Browsers that finish a flow without return_to land on the settings page
// (the account), and after logout on the login page, unless configured otherwise.
func builtinUI(c identityConfig, base string) uiURLs {
	or := func(configured, path string) string {
		if configured != "" {
			return configured
		}
		return base + path
	}
	u := uiURLs{
		login:         or(c.LoginUIURL, signin.PathLogin),
		registration:  or(c.RegistrationUIURL, signin.PathRegistration),
		settings:      or(c.SettingsUIURL, signin.PathSettings),
		errors:        or(c.ErrorUIURL, signin.PathError),
		recovery:      or(c.Recovery.UIURL, signin.PathRecovery),
		defaultReturn: or(c.DefaultReturnURL, signin.PathSettings),
	}
	u.logoutReturn = u.defaultReturn
	if c.DefaultReturnURL == "" && c.LoginUIURL == "" {
		u.logoutReturn = base + signin.PathLogin
	}
	return u
}

// newSignIn returns the built-in pages over the identity handler h, with the consent page of
// provider when the OAuth2 server is on.
func newSignIn(base string, h *kratos.Handler, ids *identity.Service, provider *oauth2.Provider, log *slog.Logger) (*signin.Handler, error) {
	cfg := signin.Config{PublicBaseURL: base, Identity: h, Identities: ids, Logger: log}
	if provider != nil {
		cfg.Consents = provider
	}
	s, err := signin.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("the built-in sign-in pages: %w", err)
	}
	return s, nil
}

// defaultLoginApps returns the login and consent apps of the OAuth2 server when the operator
// configured none: the identity service's login flow and the built-in consent page when the
// identity service is on, else ward's pages that say no app is configured.
func defaultLoginApps(cfg serveConfig, defaultPublicURL string) (login, consent string) {
	login, consent = cfg.LoginURL, cfg.ConsentURL
	if cfg.Identity.Enabled {
		base := identityBaseURL(cfg, defaultPublicURL)
		if login == "" {
			login = base + flow.RouteLoginInitBrowser
		}
		if consent == "" {
			consent = base + signin.PathConsent
		}
	}
	return login, consent
}
