package ratelimit_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/wardhq/ward/ratelimit"
)

func TestKeyed(t *testing.T) {
	k := ratelimit.NewKeyed(2, 3, 10)
	now := time.Unix(1_900_000_000, 0)
	for i := range 3 {
		if ok, _ := k.Take("a", now); !ok {
			t.Fatalf("take %d of the burst refused", i)
		}
	}
	ok, wait := k.Take("a", now)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("beyond the burst: %v, wait %v; want refused, 500ms", ok, wait)
	}
	if ok, _ := k.Take("b", now); !ok {
		t.Fatal("another key refused")
	}
	if ok, _ := k.Take("a", now.Add(500*time.Millisecond)); !ok {
		t.Fatal("refilled token refused")
	}
	k.Give("a", now.Add(500*time.Millisecond))
	if ok, _ := k.Take("a", now.Add(500*time.Millisecond)); !ok {
		t.Fatal("a given-back token refused")
	}
	// Give never lifts a bucket above its burst.
	for range 10 {
		k.Give("c", now)
	}
	for i := range 4 {
		if ok, _ := k.Take("c", now); ok != (i < 3) {
			t.Fatalf("take %d after gives: %v", i, ok)
		}
	}
}

func TestKeyedBounded(t *testing.T) {
	k := ratelimit.NewKeyed(1, 1, 100)
	now := time.Now()
	for i := range 10_000 {
		k.Take("spoofed-"+strconv.Itoa(i), now)
	}
	if n := k.Len(); n != 100 {
		t.Fatalf("%d keys kept; want 100", n)
	}
}

// TestKeyedAllowCharge checks that Allow takes nothing, that Charge takes even from an empty
// bucket down to a debt of one burst, and that the debt is refilled at the rate.
func TestKeyedAllowCharge(t *testing.T) {
	now := time.Now()
	k := ratelimit.NewKeyed(1, 2, 10)
	for range 5 {
		if ok, _ := k.Allow("a", now); !ok {
			t.Fatal("Allow took a token")
		}
	}
	for range 10 { // two tokens, then a debt that stops at one burst (2)
		k.Charge("a", now)
	}
	if ok, wait := k.Allow("a", now); ok || wait != 3*time.Second {
		t.Errorf("after charges past the burst: %v, wait %s; want refused for 3s (a debt of 2, then 1 token)", ok, wait)
	}
	if ok, _ := k.Allow("a", now.Add(3*time.Second)); !ok {
		t.Errorf("the debt was not refilled at the rate")
	}
}
