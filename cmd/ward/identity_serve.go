package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"strings"

	"github.com/wardhq/ward/api/kratos"
	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/api/signin"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/courier"
	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/password"
	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store"
)

// identityServer is the identity service and its HTTP handler.
type identityServer struct {
	service *identity.Service
	handler *kratos.Handler
	signin  *signin.Handler // the built-in pages
	courier *courier.Worker // nil when no SMTP server is configured
}

// newIdentity builds the identity service cfg.Identity describes over st, its self-service flows
// and its Kratos-shaped handler; nil when the service is off. defaultPublicURL is the public
// listener's URL, the public base URL unless one is configured.
// With provider (nil when the OAuth2 server is off), the login flows answer its login_challenge.
func newIdentity(ctx context.Context, cfg serveConfig, st store.IdentityStore, cst store.CourierStore, defaultPublicURL string, provider *oauth2.Provider, log *slog.Logger) (*identityServer, error) {
	c := cfg.Identity
	if !c.Enabled {
		return nil, nil
	}
	base := identityBaseURL(cfg, defaultPublicURL)
	ui := builtinUI(c, base)
	var sources []schema.Source
	for _, s := range c.Schemas {
		id, url, _ := strings.Cut(s, "=") // validated
		sources = append(sources, schema.Source{ID: id, URL: url})
	}
	defaultID := c.DefaultSchemaID
	if defaultID == "" && len(sources) > 0 {
		defaultID = sources[0].ID
	}
	schemas, err := schema.NewRegistry(schema.Config{DefaultSchemaID: defaultID, Schemas: sources})
	if err != nil {
		return nil, fmt.Errorf("identity.schemas: %w", err)
	}
	hasherOpt := password.WithBcrypt(c.BcryptCost)
	if c.PasswordAlgorithm == string(password.Argon2id) {
		a := password.DefaultArgon2Params()
		a.Memory, a.Iterations, a.Parallelism = c.Argon2Memory, c.Argon2Iterations, c.Argon2Parallelism
		hasherOpt = password.WithArgon2id(a)
	}
	hasher, err := password.NewHasher(hasherOpt)
	if err != nil {
		return nil, fmt.Errorf("identity password hasher: %w", err)
	}
	policy, err := password.NewPolicy()
	if err != nil {
		return nil, fmt.Errorf("identity password policy: %w", err)
	}
	svc, err := identity.NewService(ctx, st, schemas, hasher, policy, identity.Config{
		PublicBaseURL:     base,
		SessionLifespan:   c.SessionLifespan,
		InvalidationBound: cfg.RevocationBound,
		LoginRate:         c.LoginRate,
		LoginBurst:        c.LoginBurst,
		RegistrationRate:  c.RegistrationRate,
		RegistrationBurst: c.RegistrationBurst,
		WhoamiRequiredAAL: c.WhoamiRequiredAAL,
		SecondFactors:     c.secondFactors(),
		Logger:            log,
	})
	if err != nil {
		return nil, fmt.Errorf("the identity service's configuration: %w", err)
	}
	templates, _ := cfg.Courier.templates() // validated
	queue, err := courier.New(cst, courier.Config{Templates: templates})
	if err != nil {
		return nil, fmt.Errorf("courier.templates: %w", err)
	}
	v := c.Verification
	codeKeys := derivedKeys(cfg, "ward verification codes v1")
	if (v.Enabled || c.Recovery.Enabled) && len(codeKeys) == 0 && cfg.DSN != "" {
		log.Warn("verification and recovery codes are keyed with a key of this node only: a code is accepted only by the node that sent it, until it restarts; set token_secrets alike on every node")
	}
	flows, err := flow.NewService(st, svc, schemas, flow.Config{
		Verification:             flow.FlowConfig{UIURL: v.UIURL, Lifespan: v.Lifespan, AfterReturnURL: v.AfterReturnURL},
		VerificationEnabled:      v.Enabled,
		VerificationUse:          v.Use,
		Recovery:                 flow.FlowConfig{UIURL: ui.recovery, Lifespan: c.Recovery.Lifespan},
		RecoveryEnabled:          c.Recovery.Enabled,
		RecoveryCodeLifespan:     c.Recovery.CodeLifespan,
		RecoveryUse:              c.Recovery.Use,
		RecoveryLinkLifespan:     c.Recovery.LinkLifespan,
		Courier:                  queue,
		CodeKeys:                 codeKeys,
		PublicURL:                base,
		DefaultReturnURL:         ui.defaultReturn,
		LogoutReturnURL:          ui.logoutReturn,
		AllowedReturnURLs:        c.AllowedReturnURLs,
		Login:                    flow.FlowConfig{UIURL: ui.login},
		Registration:             flow.FlowConfig{UIURL: ui.registration},
		Settings:                 flow.FlowConfig{UIURL: ui.settings},
		SessionAfterRegistration: c.SessionAfterRegistration,
		SecondFactors: flow.SecondFactorConfig{
			TOTPEnabled: c.TOTPEnabled, TOTPIssuer: c.TOTPIssuer, LookupSecretEnabled: c.LookupSecretEnabled,
			SettingsRequiredAAL: c.SettingsRequiredAAL,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("the identity flows' configuration: %w", err)
	}
	proxies, _ := middleware.ParseTrustedProxies(cfg.TrustedProxies) // validated
	errorKeys := identityErrorKeys(cfg)
	if len(errorKeys) == 0 && cfg.DSN != "" {
		log.Warn("self-service error IDs are sealed with a key of this node only: the error UI must read an error from the node that raised it; set token_secrets alike on every node")
	}
	kcfg := kratos.Config{
		PublicBaseURL: base, CookieName: c.CookieName, TrustedProxies: proxies, Logger: log,
		ErrorUIURL: ui.errors, ErrorKeys: errorKeys,
	}
	if provider != nil {
		kcfg.OAuth2 = signin.NewLoginBridge(provider, nil)
	}
	kcfg.Courier, kcfg.CourierBodies = queue, cfg.Courier.ShowBodies
	worker, err := newCourierWorker(cfg, cst, log)
	if err != nil {
		return nil, err
	}
	if worker == nil {
		log.Info("the courier has no SMTP server (courier.smtp.connection_uri): its messages queue until a node with one, or `ward courier watch`, sends them")
	}
	h, err := kratos.NewHandler(svc, flows, schemas, kcfg)
	if err != nil {
		return nil, fmt.Errorf("the identity API's configuration: %w", err)
	}
	pages, err := newSignIn(base, h, svc, provider, log)
	if err != nil {
		return nil, err
	}
	log.Info("identity service on", "public_base_url", base, "schemas", len(schemas.List()), "login_ui", ui.login)
	return &identityServer{service: svc, handler: h, signin: pages, courier: worker}, nil
}

// identityErrorKeys returns the keys that seal self-service error IDs: derived from token_secrets,
// which every node over one database shares, so that any node answers the error UI's read of an
// error another node raised. The derivation (HMAC-SHA256 of a fixed label, as pageTokenKeys)
// keeps the uses apart: an error key reveals nothing of the OAuth2 secret. None: nil, and the
// handler makes a random key.
func identityErrorKeys(cfg serveConfig) [][]byte {
	return derivedKeys(cfg, "ward self-service errors v1")
}

// derivedKeys returns one key per token secret, the HMAC-SHA256 of label under it: the label
// keeps each use's keys apart. None when there are no token secrets.
func derivedKeys(cfg serveConfig, label string) [][]byte {
	keys := make([][]byte, 0, len(cfg.TokenSecrets))
	for _, s := range cfg.TokenSecrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write([]byte(label))
		keys = append(keys, m.Sum(nil))
	}
	return keys
}
