package password

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestSlotsBoundConcurrency runs many goroutines through a bound of 3 and counts how many are
// inside at once: the first 3 hold their slots until all have entered, then one is let go at a
// time. The count reaches 3 and never more.
func TestSlotsBoundConcurrency(t *testing.T) {
	const limit, workers = 3, 40
	s := make(slots, limit)
	var inside, peak, over atomic.Int64
	entered := make(chan struct{})
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			err := s.run(context.Background(), func() {
				n := inside.Add(1)
				if n > limit {
					over.Add(1)
				}
				for {
					if p := peak.Load(); n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				entered <- struct{}{}
				<-release
				inside.Add(-1)
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	for range limit {
		<-entered
	}
	if n := inside.Load(); n != limit {
		t.Fatalf("%d inside once %d entered", n, limit)
	}
	for i := range workers {
		release <- struct{}{}
		if i < workers-limit {
			<-entered
		}
	}
	wg.Wait()
	if peak.Load() != limit || over.Load() != 0 {
		t.Errorf("at most %d were inside at once, %d times more than %d; want exactly %d, never more", peak.Load(), over.Load(), limit, limit)
	}
}

// TestHasherWaitsForSlot fills a Hasher's slots and shows that Verify and Hash wait for one: they
// return only when their context ends, and succeed once a slot is free.
func TestHasherWaitsForSlot(t *testing.T) {
	h, err := NewHasher(WithMaxConcurrent(2), WithArgon2id(Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}))
	if err != nil {
		t.Fatal(err)
	}
	const md5Hello = "$md5$XUFAKrxLKna5cZ2REBfFkg=="
	entered, release := make(chan struct{}), make(chan struct{})
	var held sync.WaitGroup
	for range 2 {
		held.Go(func() {
			_ = h.slots.run(context.Background(), func() { entered <- struct{}{}; <-release })
		})
	}
	<-entered
	<-entered
	for _, call := range []func(context.Context) error{
		func(ctx context.Context) error { _, err := h.Verify(ctx, "hello", md5Hello); return err },
		func(ctx context.Context) error { _, err := h.Hash(ctx, "hello"); return err },
	} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- call(ctx) }()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("with every slot held, the call returned %v; want context.Canceled", err)
		}
	}
	close(release)
	held.Wait()
	if ok, err := h.Verify(context.Background(), "hello", md5Hello); !ok || err != nil {
		t.Errorf("Verify with free slots = %t, %v; want true", ok, err)
	}
}
