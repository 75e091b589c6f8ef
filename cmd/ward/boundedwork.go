package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"log/slog"
	"time"

	"github.com/wardhq/ward/engine"
)

// lookupSlotWait is how long a lookup, Expand or CheckBulk waits for one of the
// max_concurrent_lookups slots before it is refused: long enough for a burst to pass, short
// enough that a client hears "retry" well within its deadline.
const lookupSlotWait = time.Second

// boundedWorkOptions returns the engine options of the bounded-work keys: the lookup cost budget,
// the cap on concurrent expensive calls, and the keys that sign page tokens.
func boundedWorkOptions(cfg serveConfig, shared bool, log *slog.Logger) []engine.Option {
	opts := []engine.Option{
		engine.WithMaxLookupCost(cfg.MaxLookupCost),
		engine.WithMaxConcurrentLookups(cfg.MaxConcurrentLookups, lookupSlotWait),
	}
	if keys := pageTokenKeys(cfg); len(keys) > 0 {
		opts = append(opts, engine.WithPageTokenSecrets(keys...))
	} else if shared {
		log.Warn("page tokens are signed with a key of this node only: a page must be read from the node that served the one before it; set page_token_secrets (or token_secrets) alike on every node")
	}
	return opts
}

// pageTokenKeys returns the page token keys: page_token_secrets, or else keys derived from
// token_secrets — which every node over one database already shares for the OAuth2 server — so
// that nodes behind a load balancer accept each other's page tokens with no new setting. The
// derivation (HMAC-SHA256 of a fixed label) keeps the two uses apart: a page token key reveals
// nothing of the OAuth2 secret. None of either: nil, and the engine makes a random key.
func pageTokenKeys(cfg serveConfig) [][]byte {
	keys := make([][]byte, 0, max(len(cfg.PageTokenSecrets), len(cfg.TokenSecrets)))
	for _, s := range cfg.PageTokenSecrets {
		keys = append(keys, []byte(s))
	}
	if len(keys) > 0 {
		return keys
	}
	for _, s := range cfg.TokenSecrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write([]byte("ward page tokens v1"))
		keys = append(keys, m.Sum(nil))
	}
	return keys
}
