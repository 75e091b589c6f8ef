package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wardhq/ward/store"
)

// BenchmarkLookupSession measures LookupSession, the store's part of whoami, on s filled with
// identities identities of one session each: "serial" one lookup at a time, "parallel" from
// GOMAXPROCS goroutines, as a whoami endpoint under load calls it.
func BenchmarkLookupSession(b *testing.B, s store.IdentityStore, identities int) {
	ctx := context.Background()
	fillIdentities(b, s, identities)
	keys := make([]string, identities)
	for k := range identities {
		sess := newSession(k, k+1)
		sess.ExpiresAt = time.Now().Add(time.Hour)
		if err := s.CreateSession(ctx, sess); err != nil {
			b.Fatal(err)
		}
		keys[k] = sess.TokenKey
	}
	benchLookups(b, identities, func(k int) error {
		_, _, err := s.LookupSession(ctx, keys[k])
		return err
	})
}

// BenchmarkFindByIdentifier measures FindByCredentialIdentifier, the store's part of a password
// login, on s filled with identities identities.
func BenchmarkFindByIdentifier(b *testing.B, s store.IdentityStore, identities int) {
	ctx := context.Background()
	emails := fillIdentities(b, s, identities)
	benchLookups(b, identities, func(k int) error {
		_, _, err := s.FindByCredentialIdentifier(ctx, "password", emails[k])
		return err
	})
}

// fillIdentities creates identities 1 to n, in batches, and returns their emails (the
// identifier of identity k+1 is emails[k]).
func fillIdentities(b *testing.B, s store.IdentityStore, n int) []string {
	b.Helper()
	emails := make([]string, n)
	for start := 0; start < n; start += store.MaxIdentityBatch {
		batch := make([]*store.Identity, 0, store.MaxIdentityBatch)
		for k := start; k < min(n, start+store.MaxIdentityBatch); k++ {
			emails[k] = fmt.Sprintf("user%d@example.com", k)
			batch = append(batch, newIdentity(k+1, emails[k]))
		}
		errs, err := s.CreateIdentities(context.Background(), batch)
		if err != nil {
			b.Fatal(err)
		}
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	return emails
}

// benchLookups runs lookup over keys 0 to n-1, serially and in parallel.
func benchLookups(b *testing.B, n int, lookup func(k int) error) {
	b.Run("serial", func(b *testing.B) {
		k := 0
		for b.Loop() {
			if err := lookup(k % n); err != nil {
				b.Fatal(err)
			}
			k++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			k := 0
			for pb.Next() {
				if err := lookup(k % n); err != nil {
					b.Error(err)
					return
				}
				k += 7
			}
		})
	})
}
