package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhq/ward/identity"
)

// BenchmarkWhoamiCached is whoami's hot path: a valid token answered from the cache, from
// parallel goroutines, while Run polls the invalidations.
func BenchmarkWhoamiCached(b *testing.B) {
	e := newEnv(b, func(c *identity.Config) { c.Clock = time.Now })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = e.svc.Run(ctx) }()
	i := e.create("ada@example.com", "")
	_, tok, err := e.svc.IssueSession(ctx, i.ID, pwMethod, identity.Device{})
	if err != nil {
		b.Fatal(err)
	}
	for e.svc.SessionStats().Polls == 0 {
		time.Sleep(time.Millisecond)
	}
	if _, err := e.svc.Whoami(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.svc.Whoami(ctx, tok); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	if st := e.svc.SessionStats(); st.CacheHits == 0 {
		b.Fatalf("no cache hits: %+v", st)
	}
}

// BenchmarkWhoamiMiss is whoami without the cache: every call parses the token and reads the
// (memory) store.
func BenchmarkWhoamiMiss(b *testing.B) {
	e := newEnv(b, func(c *identity.Config) { c.CacheSize = -1 })
	ctx := context.Background()
	i := e.create("ada@example.com", "")
	_, tok, err := e.svc.IssueSession(ctx, i.ID, pwMethod, identity.Device{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := e.svc.Whoami(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseSessionToken is the strict parse and hash every whoami does first.
func BenchmarkParseSessionToken(b *testing.B) {
	tok := "ory_st_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	b.ReportAllocs()
	for range b.N {
		if _, ok := identity.ParseSessionToken(tok); !ok {
			b.Fatal("refused")
		}
	}
}
