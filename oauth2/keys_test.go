package oauth2_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store/memory"
)

func jwksKids(t *testing.T, p *oauth2.Provider) map[string]map[string]any {
	t.Helper()
	raw, err := p.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, k := range set.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := k[private]; ok {
				t.Fatalf("the JWKS publishes private member %s", private)
			}
		}
		out[k["kid"].(string)] = k
	}
	return out
}

// Signing keys: one is made on first use, a rotation retires it into the JWKS until the tokens it
// signed have expired, then it leaves the set and the store.
func TestSigningKeyRotation(t *testing.T) {
	for _, alg := range []string{"ES256", "RS256"} {
		t.Run(alg, func(t *testing.T) {
			ctx := context.Background()
			var offset atomic.Int64
			st := memory.NewOAuth2Store()
			p := newProvider(t, st, func(c *oauth2.Config) {
				c.SigningAlgorithm = alg
				c.Clock = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
			})
			first := jwksKids(t, p)
			if len(first) != 1 {
				t.Fatalf("JWKS of a new Provider: %v", first)
			}
			for kid, k := range first {
				if k["alg"] != alg || k["use"] != "sig" {
					t.Errorf("key %s: %v", kid, k)
				}
			}
			nk, err := p.RotateSigningKey(ctx)
			if err != nil {
				t.Fatal(err)
			}
			keys, err := p.ListSigningKeys(ctx)
			if err != nil || len(keys) != 2 || keys[0].ID != nk.ID || !keys[0].RetiredAt.IsZero() || keys[1].RetiredAt.IsZero() {
				t.Fatalf("keys after rotation: %+v, %v", keys, err)
			}
			lifetime := max(oauth2.DefaultIDTokenLifetime, oauth2.DefaultAccessTokenLifetime)
			if until := keys[1].PublishUntil.Sub(keys[1].RetiredAt); until < lifetime {
				t.Errorf("the retired key is published for %v after retirement; tokens live %v", until, lifetime)
			}
			if got := jwksKids(t, p); len(got) != 2 || got[nk.ID] == nil {
				t.Errorf("JWKS after rotation: %v", got)
			}
			// Once the retired key's tokens have expired, the next rotation drops it.
			offset.Store(int64(lifetime + time.Hour))
			if _, err := p.RotateSigningKey(ctx); err != nil {
				t.Fatal(err)
			}
			if got := jwksKids(t, p); len(got) != 2 || got[keys[1].ID] != nil || got[nk.ID] == nil {
				t.Errorf("JWKS after the retired key's tokens expired: %v", got)
			}
			if stored, _ := st.ListSigningKeys(ctx); len(stored) != 2 {
				t.Errorf("%d keys stored; want the expired one deleted", len(stored))
			}
		})
	}
}
