package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wardhq/ward/store"
)

// BenchmarkLookupToken measures LookupToken, the store's part of introspecting an opaque token,
// on s filled with grants grants of two tokens each: "serial" one lookup at a time, "parallel"
// from GOMAXPROCS goroutines (b.RunParallel), as an introspection endpoint under load calls it.
func BenchmarkLookupToken(b *testing.B, s store.OAuth2Store, grants int) {
	ctx := context.Background()
	keys := make([]string, grants)
	for i := range grants {
		keys[i] = benchKey(i)
		g := newGrant(fmt.Sprintf("grant-%08d", i), "app", fmt.Sprintf("user-%d", i))
		g.ExpiresAt = time.Now().Add(time.Hour)
		if err := s.CreateGrant(ctx, g, newToken(store.AccessTokenKind, benchKey(i)),
			newToken(store.RefreshTokenKind, benchKey(i))); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, _, err := s.LookupToken(ctx, store.AccessTokenKind, keys[i%grants]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, _, err := s.LookupToken(ctx, store.AccessTokenKind, keys[i%grants]); err != nil {
					b.Error(err)
					return
				}
				i += 7
			}
		})
	})
}

// benchKey is the storage key of the benchmark's i-th token: 43 characters, as a base64url
// SHA-256 is.
func benchKey(i int) string { return fmt.Sprintf("%043d", i) }
