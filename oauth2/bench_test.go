package oauth2_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store/memory"
)

// noopIntrospect is the baseline of BenchmarkIntrospect: a function of the same shape that does
// nothing, so that the figures can be read as a ratio on a noisy machine.
//
//go:noinline
func noopIntrospect(_ context.Context, tok string) (oauth2.Introspection, error) {
	return oauth2.Introspection{Active: len(tok) > 0}, nil
}

// BenchmarkIntrospect measures Introspect of an active access token with a warm cache, of a
// forged token (rejected by its HMAC), and the no-op baseline, on the memory store.
func BenchmarkIntrospect(b *testing.B) {
	ctx := context.Background()
	counter := &lookupCounter{OAuth2Store: memory.NewOAuth2Store()}
	p := newProvider(b, counter, func(c *oauth2.Config) { c.RevocationBound = time.Second })
	run(b, p)
	c := serviceClient(b, p)
	resp, err := p.Token(ctx, c, oauth2.TokenRequest{GrantType: oauth2.GrantClientCredentials, Scope: "read"})
	if err != nil {
		b.Fatal(err)
	}
	tok := resp.AccessToken
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		before := counter.n.Load()
		if _, err := p.Introspect(ctx, tok); err != nil {
			b.Fatal(err)
		}
		if counter.n.Load() == before {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the cache never warms")
		}
	}
	forged := tok[:len(tok)-2] + "AA"
	if forged == tok {
		forged = tok[:len(tok)-2] + "BA"
	}
	b.Run("noop", func(b *testing.B) {
		for b.Loop() {
			if in, _ := noopIntrospect(ctx, tok); !in.Active {
				b.Fatal("inactive")
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		before := counter.n.Load()
		for b.Loop() {
			if in, _ := p.Introspect(ctx, tok); !in.Active {
				b.Fatal("inactive")
			}
		}
		if n := counter.n.Load() - before; n > int64(b.N)/100+2 {
			b.Errorf("%d store lookups in %d warm introspections", n, b.N)
		}
	})
	b.Run("warm-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if in, _ := p.Introspect(ctx, tok); !in.Active {
					b.Error("inactive")
					return
				}
			}
		})
	})
	b.Run("jwt-warm", func(b *testing.B) {
		jp := newProvider(b, counter, func(c *oauth2.Config) { c.JWTAccessTokens = true })
		run(b, jp)
		resp, err := jp.Token(ctx, c, oauth2.TokenRequest{GrantType: oauth2.GrantClientCredentials, Scope: "read"})
		if err != nil {
			b.Fatal(err)
		}
		for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			before := counter.n.Load()
			if in, _ := jp.Introspect(ctx, resp.AccessToken); !in.Active {
				b.Fatal("inactive")
			}
			if counter.n.Load() == before {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("the cache never warms")
			}
		}
		for b.Loop() {
			if in, _ := jp.Introspect(ctx, resp.AccessToken); !in.Active {
				b.Fatal("inactive")
			}
		}
	})
	b.Run("forged", func(b *testing.B) {
		for b.Loop() {
			if in, _ := p.Introspect(ctx, forged); in.Active {
				b.Fatal("a forged token is active")
			}
		}
	})
}

// BenchmarkClientCredentials measures issuing an access token by the client credentials grant on
// the memory store: client authentication (its bcrypt verification cached) and the grant.
func BenchmarkClientCredentials(b *testing.B) {
	ctx := context.Background()
	p := newProvider(b, memory.NewOAuth2Store(), nil)
	c, secret, err := p.CreateClient(ctx, oauth2.Client{
		ID: "svc", AuthMethod: oauth2.AuthClientSecretBasic,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}, Scopes: []string{"read"},
	})
	if err != nil {
		b.Fatal(err)
	}
	cred := oauth2.ClientCredentials{Method: oauth2.AuthClientSecretBasic, ID: c.ID, Secret: secret}
	for b.Loop() {
		client, err := p.AuthenticateClient(ctx, cred)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Token(ctx, client, oauth2.TokenRequest{GrantType: oauth2.GrantClientCredentials, Scope: "read"}); err != nil {
			b.Fatal(err)
		}
	}
}
