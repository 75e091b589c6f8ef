package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// testAssertionIDs: an assertion ID is accepted once per client until it expires.
func testAssertionIDs(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	now := at(0)
	use := func(client, jti string, exp, now time.Time) error {
		return s.UseAssertionID(ctx, client, jti, exp, now)
	}
	if err := use("c", "j1", at(time.Minute), now); err != nil {
		t.Fatalf("first use: %v", err)
	}
	err := use("c", "j1", at(time.Minute), at(time.Second))
	wantCode(t, err, fault.AlreadyExists)
	if !errors.Is(err, store.ErrAssertionReplayed) {
		t.Fatalf("replay: %v does not wrap ErrAssertionReplayed", err)
	}
	if err := use("other", "j1", at(time.Minute), now); err != nil {
		t.Fatalf("the same jti from another client: %v", err)
	}
	if err := use("c", "j2", at(time.Minute), now); err != nil {
		t.Fatalf("another jti: %v", err)
	}
	// Once expired, the ID is forgotten: its assertion is refused by exp anyway.
	if err := use("c", "j1", at(2*time.Minute), at(time.Minute+time.Second)); err != nil {
		t.Fatalf("use after expiry: %v", err)
	}
	wantCode(t, use("c", "j1", at(2*time.Minute), at(time.Minute+2*time.Second)), fault.AlreadyExists)

	// DeleteExpired forgets what expired: c/j2 and other/j1, not c/j1 (renewed to 2 min).
	n, err := s.DeleteExpired(ctx, at(90*time.Second))
	wantCount(t, "DeleteExpired", n, err, 2)
	wantCode(t, use("c", "j1", at(3*time.Minute), at(90*time.Second)), fault.AlreadyExists)
	if err := use("c", "j2", at(3*time.Minute), at(90*time.Second)); err != nil {
		t.Fatalf("use after DeleteExpired: %v", err)
	}
}

// testAssertionIDsConcurrent: of concurrent uses of one ID, exactly one succeeds.
func testAssertionIDsConcurrent(t *testing.T, s store.OAuth2Store) {
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = s.UseAssertionID(context.Background(), "c", "race", at(time.Minute), at(0)) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrAssertionReplayed):
			t.Fatalf("concurrent use: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent uses succeeded; want 1", ok, n)
	}
}
