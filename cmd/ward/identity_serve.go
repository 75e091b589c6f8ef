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
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/password"
	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/store"
)

// identityServer is the identity service and its HTTP handler.
type identityServer struct {
	service *identity.Service
	handler *kratos.Handler
}

// newIdentity builds the identity service cfg.Identity describes over st, its self-service flows
// and its Kratos-shaped handler; nil when the service is off. defaultPublicURL is the public
// listener's URL, the public base URL unless one is configured.
func newIdentity(ctx context.Context, cfg serveConfig, st store.IdentityStore, defaultPublicURL string, log *slog.Logger) (*identityServer, error) {
	c := cfg.Identity
	if !c.Enabled {
		return nil, nil
	}
	base := strings.TrimSuffix(c.PublicBaseURL, "/")
	if base == "" {
		base = defaultPublicURL
	}
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
		Logger:            log,
	})
	if err != nil {
		return nil, fmt.Errorf("the identity service's configuration: %w", err)
	}
	flows, err := flow.NewService(st, svc, schemas, flow.Config{
		PublicURL:                base,
		DefaultReturnURL:         c.DefaultReturnURL,
		AllowedReturnURLs:        c.AllowedReturnURLs,
		Login:                    flow.FlowConfig{UIURL: c.LoginUIURL},
		Registration:             flow.FlowConfig{UIURL: c.RegistrationUIURL},
		Settings:                 flow.FlowConfig{UIURL: c.SettingsUIURL},
		SessionAfterRegistration: c.SessionAfterRegistration,
	})
	if err != nil {
		return nil, fmt.Errorf("the identity flows' configuration: %w", err)
	}
	proxies, _ := middleware.ParseTrustedProxies(cfg.TrustedProxies) // validated
	errorKeys := identityErrorKeys(cfg)
	if len(errorKeys) == 0 && cfg.DSN != "" {
		log.Warn("self-service error IDs are sealed with a key of this node only: the error UI must read an error from the node that raised it; set token_secrets alike on every node")
	}
	h, err := kratos.NewHandler(svc, flows, schemas, kratos.Config{
		PublicBaseURL: base, CookieName: c.CookieName, TrustedProxies: proxies, Logger: log,
		ErrorUIURL: c.ErrorUIURL, ErrorKeys: errorKeys,
	})
	if err != nil {
		return nil, fmt.Errorf("the identity API's configuration: %w", err)
	}
	log.Info("identity service on", "public_base_url", base, "schemas", len(schemas.List()))
	return &identityServer{service: svc, handler: h}, nil
}

// identityErrorKeys returns the keys that seal self-service error IDs: derived from token_secrets,
// which every node over one database shares, so that any node answers the error UI's read of an
// error another node raised. The derivation (HMAC-SHA256 of a fixed label, as pageTokenKeys)
// keeps the uses apart: an error key reveals nothing of the OAuth2 secret. None: nil, and the
// handler makes a random key.
func identityErrorKeys(cfg serveConfig) [][]byte {
	keys := make([][]byte, 0, len(cfg.TokenSecrets))
	for _, s := range cfg.TokenSecrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write([]byte("ward self-service errors v1"))
		keys = append(keys, m.Sum(nil))
	}
	return keys
}
