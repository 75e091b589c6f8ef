package oauth2_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

// lookupCounter counts a Provider's token lookups, to tell cached answers from store reads.
type lookupCounter struct {
	store.OAuth2Store
	n atomic.Int64
}

func (c *lookupCounter) LookupToken(ctx context.Context, kind store.TokenKind, key string) (*store.TokenRecord, *store.Grant, error) {
	c.n.Add(1)
	return c.OAuth2Store.LookupToken(ctx, kind, key)
}

func serviceClient(t testing.TB, p *oauth2.Provider) *oauth2.Client {
	t.Helper()
	c, _, err := p.CreateClient(context.Background(), oauth2.Client{
		ID: "svc", AuthMethod: oauth2.AuthClientSecretBasic,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}, Scopes: []string{"read"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// cachedWithin waits until an introspection of tok by p is answered from its cache (its
// revocation poll has run), and fails the test after a second.
func cachedWithin(t *testing.T, p *oauth2.Provider, counter *lookupCounter, tok string) {
	t.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		before := counter.n.Load()
		in, err := p.Introspect(ctx, tok)
		if err != nil || !in.Active {
			t.Fatalf("introspection: %+v, %v", in, err)
		}
		if counter.n.Load() == before {
			return
		}
	}
	t.Fatal("the introspection of an active token is never answered from the cache")
}

// Two Providers over one store: a revocation taken by one is seen by its own Introspect at once
// and by the other's within the revocation bound, though both had the token cached.
func TestRevocationReachesOtherProvidersWithinTheBound(t *testing.T) {
	for name, newStore := range stores() {
		for _, jwt := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/jwt=%v", name, jwt), func(t *testing.T) { testRevocationAcrossProviders(t, newStore(t), jwt) })
		}
	}
}

func testRevocationAcrossProviders(t *testing.T, st store.OAuth2Store, jwt bool) {
	const bound = 200 * time.Millisecond
	ctx := context.Background()
	ca, cb := &lookupCounter{OAuth2Store: st}, &lookupCounter{OAuth2Store: st}
	bounded := func(c *oauth2.Config) { c.RevocationBound = bound; c.JWTAccessTokens = jwt }
	a, b := newProvider(t, ca, bounded), newProvider(t, cb, bounded)
	run(t, a)
	run(t, b)
	c := serviceClient(t, a)

	for _, how := range []string{"token", "client"} {
		resp, err := a.Token(ctx, c, oauth2.TokenRequest{GrantType: oauth2.GrantClientCredentials, Scope: "read"})
		if err != nil {
			t.Fatal(err)
		}
		tok := resp.AccessToken
		cachedWithin(t, a, ca, tok)
		cachedWithin(t, b, cb, tok)

		start := time.Now()
		switch how {
		case "token":
			err = a.Revoke(ctx, tok, c.ID)
		case "client":
			err = a.DeleteClient(ctx, c.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		if in, _ := a.Introspect(ctx, tok); in.Active {
			t.Errorf("%s revocation: the Provider that took it still finds the token active", how)
		}
		for {
			in, err := b.Introspect(ctx, tok)
			if err != nil {
				t.Fatal(err)
			}
			if !in.Active {
				break
			}
			if time.Since(start) > 3*bound {
				t.Fatalf("%s revocation: the other Provider finds the token active after %v", how, time.Since(start))
			}
			time.Sleep(time.Millisecond)
		}
		seen := time.Since(start)
		// The bound holds by construction (polls every bound/4, cache trusted only within bound of
		// the last poll); the slack is for a loaded test machine's scheduling.
		if seen > bound+100*time.Millisecond {
			t.Errorf("%s revocation seen by the other Provider after %v; the bound is %v", how, seen, bound)
		}
		t.Logf("%s revocation seen by the other Provider after %v (bound %v)", how, seen, bound)
	}
}

// Without Run, the cache cannot hear of revocations elsewhere, so it is not used.
func TestIntrospectionWithoutRunReadsTheStore(t *testing.T) {
	ctx := context.Background()
	counter := &lookupCounter{OAuth2Store: memory.NewOAuth2Store()}
	p := newProvider(t, counter, nil)
	c := serviceClient(t, p)
	resp, err := p.Token(ctx, c, oauth2.TokenRequest{GrantType: oauth2.GrantClientCredentials})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if in, err := p.Introspect(ctx, resp.AccessToken); err != nil || !in.Active || in.Subject != "svc" || in.TokenType != "access_token" {
			t.Fatalf("introspection %+v, %v", in, err)
		}
	}
	if counter.n.Load() != 3 {
		t.Errorf("%d lookups for 3 introspections without Run; want 3", counter.n.Load())
	}
	_, _ = p.Introspect(ctx, "not a token")
	if st := p.IntrospectionStats(); st.StoreLookups != 3 || st.CacheHits != 0 || st.Rejected != 1 || st.Polls != 0 {
		t.Errorf("stats %+v; want 3 lookups, 1 rejected, no hits, no polls", st)
	}
}

func TestIntrospectionOfExpiredTokens(t *testing.T) {
	ctx := context.Background()
	var offset atomic.Int64
	counter := &lookupCounter{OAuth2Store: memory.NewOAuth2Store()}
	p := newProvider(t, counter, func(c *oauth2.Config) {
		c.Clock = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		c.AccessTokenLifetime = time.Minute
	})
	run(t, p)
	c := serviceClient(t, p)
	resp, err := p.Token(ctx, c, oauth2.TokenRequest{GrantType: oauth2.GrantClientCredentials})
	if err != nil {
		t.Fatal(err)
	}
	if resp.ExpiresIn != 60 {
		t.Errorf("expires_in %d; want 60", resp.ExpiresIn)
	}
	cachedWithin(t, p, counter, resp.AccessToken)
	if st := p.IntrospectionStats(); st.CacheHits == 0 || st.Polls == 0 {
		t.Errorf("stats %+v after a cached answer", st)
	}
	offset.Store(int64(time.Minute))
	if in, _ := p.Introspect(ctx, resp.AccessToken); in.Active {
		t.Error("a cached token is active after it expired")
	}
}

// gcCounter counts DeleteExpired calls.
type gcCounter struct {
	store.OAuth2Store
	n atomic.Int64
}

func (c *gcCounter) DeleteExpired(ctx context.Context, before time.Time) (int, error) {
	c.n.Add(1)
	return c.OAuth2Store.DeleteExpired(ctx, before)
}

// Run deletes expired records every ten minutes.
func TestRunCollectsGarbage(t *testing.T) {
	var offset atomic.Int64
	gc := &gcCounter{OAuth2Store: memory.NewOAuth2Store()}
	p := newProvider(t, gc, func(c *oauth2.Config) {
		c.Clock = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		c.RevocationBound = 20 * time.Millisecond
	})
	run(t, p)
	time.Sleep(50 * time.Millisecond)
	if gc.n.Load() != 0 {
		t.Fatalf("garbage collected before ten minutes passed")
	}
	offset.Store(int64(11 * time.Minute))
	for deadline := time.Now().Add(time.Second); gc.n.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no garbage collection after ten minutes")
		}
	}
}
