package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

func TestBoundedWorkConfig(t *testing.T) {
	for _, args := range [][]string{{"--max-lookup-cost", "0"}, {"--max-concurrent-lookups", "0"}, {"--page-token-secrets", "short"}} {
		cmd := newServeCommand(func() []string { return nil })
		if err := cmd.ParseFlags(args); err != nil {
			t.Fatal(err)
		}
		key := strings.ReplaceAll(strings.TrimPrefix(args[0], "--"), "-", "_")
		if _, err := loadServeConfig(cmd.Flags(), func() []string { return nil }); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%v: error %v, want one naming %s", args, err, key)
		}
	}
	cfg := defaultServeConfig()
	if cfg.MaxLookupCost != engine.DefaultMaxLookupCost || cfg.MaxConcurrentLookups < 4 {
		t.Errorf("defaults: %+v", cfg)
	}
}

// TestPageTokensAcrossNodes: two nodes configured with the same token_secrets, and nothing else,
// accept each other's page tokens; a node with other secrets does not.
func TestPageTokensAcrossNodes(t *testing.T) {
	ctx := context.Background()
	node := func(secrets ...string) *engine.Engine {
		st := memory.New()
		t.Cleanup(func() { st.Close() })
		cfg := defaultServeConfig()
		cfg.TokenSecrets = secrets
		var logs bytes.Buffer
		e, err := engine.New(st, boundedWorkOptions(cfg, true, slog.New(slog.NewTextHandler(&logs, nil)))...)
		if err != nil {
			t.Fatal(err)
		}
		if len(secrets) == 0 && !strings.Contains(logs.String(), "page_token_secrets") {
			t.Errorf("no warning that page tokens stay on this node: %q", logs.String())
		}
		if _, err := e.WriteSchema(ctx, "definition user {}\ndefinition doc { relation viewer: user }\n"); err != nil {
			t.Fatal(err)
		}
		var ups []store.Update
		for _, id := range []string{"a", "b", "c"} {
			ups = append(ups, store.Update{Op: store.Touch, Tuple: store.Tuple{Resource: store.ObjectRef{Type: "doc", ID: id},
				Relation: "viewer", Subject: store.Subject{Type: "user", ID: "u"}}})
		}
		if _, _, err := e.WriteTuples(ctx, ups, nil); err != nil {
			t.Fatal(err)
		}
		return e
	}
	shared := "a shared OAuth2 token secret of 32+ bytes"
	one, two, other, lone := node(shared), node(shared), node("another OAuth2 token secret, 32+ bytes"), node()
	full := engine.Consistency{Mode: engine.FullyConsistent}
	u := store.Subject{Type: "user", ID: "u"}
	first, err := one.LookupResources(ctx, full, "doc", "viewer", u, engine.Page{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	next, err := two.LookupResources(ctx, full, "doc", "viewer", u, engine.Page{Size: 1, Token: first.Next})
	if err != nil || len(next.IDs) != 1 || next.IDs[0] != "b" {
		t.Fatalf("the other node: %+v, %v", next, err)
	}
	for name, e := range map[string]*engine.Engine{"other secrets": other, "no secrets": lone} {
		if _, err := e.LookupResources(ctx, full, "doc", "viewer", u, engine.Page{Size: 1, Token: first.Next}); err == nil {
			t.Errorf("a node with %s accepted the token", name)
		}
	}
	if k := pageTokenKeys(serveConfig{TokenSecrets: []string{shared}}); bytes.Equal(k[0], []byte(shared)) {
		t.Error("the page token key is the OAuth2 secret itself")
	}
	if k := pageTokenKeys(serveConfig{PageTokenSecrets: []string{"explicit page key.."}, TokenSecrets: []string{shared}}); string(k[0]) != "explicit page key.." {
		t.Error("page_token_secrets does not override token_secrets")
	}
}
