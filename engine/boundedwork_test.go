package engine

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

func TestPageKeysRotation(t *testing.T) {
	oldKey, newKey := []byte("the old page token key.."), []byte("the new page token key..")
	bind := binding("LookupResources", "doc", "view", "user:a")
	c := cursor{rev: store.Revision{Major: 7}, after: "d1"}
	tok := pageKeys{oldKey}.sign(bind, c)
	if got, err := (pageKeys{newKey, oldKey}).open(bind, tok); err != nil || got != c {
		t.Fatalf("after rotation: %+v, %v", got, err)
	}
	if _, err := (pageKeys{newKey}).open(bind, tok); fault.CodeOf(err) != fault.InvalidArgument {
		t.Fatalf("after the old key is dropped: %v", err)
	}
	// Bindings are length-prefixed: moving a separator makes another request.
	if binding("m", "a", "bc") == binding("m", "ab", "c") {
		t.Fatal("bindings collide")
	}
}

func TestCandidateCacheBound(t *testing.T) {
	c := newCandidateCache(10)
	six := func(p string) []string {
		var ids []string
		for i := range 6 {
			ids = append(ids, fmt.Sprint(p, i))
		}
		return ids
	}
	c.add("a", six("a"))
	c.add("b", six("b"))
	if _, ok := c.get("a"); ok {
		t.Error("the oldest set stayed past the limit")
	}
	if ids, ok := c.get("b"); !ok || len(ids) != 6 {
		t.Error("the newest set was dropped")
	}
	c.add("big", make([]string, 11))
	if _, ok := c.get("big"); ok {
		t.Error("a set over the limit was cached")
	}
	if c.held > c.limit {
		t.Errorf("holds %d IDs, limit %d", c.held, c.limit)
	}
}

// TestPageTokenPinsSnapshot: later pages keep the first page's snapshot even under
// fully_consistent, so that one read is one consistent answer.
func TestPageTokenPinsSnapshot(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	e, err := New(st)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.WriteSchema(ctx, "definition user {}\ndefinition doc { relation viewer: user }\n"); err != nil {
		t.Fatal(err)
	}
	tuple := func(id string) store.Tuple {
		return store.Tuple{Resource: store.ObjectRef{Type: "doc", ID: id}, Relation: "viewer", Subject: store.Subject{Type: "user", ID: "a"}}
	}
	var ups []store.Update
	for _, id := range []string{"d1", "d2", "d3"} {
		ups = append(ups, store.Update{Op: store.Touch, Tuple: tuple(id)})
	}
	if _, _, err := e.WriteTuples(ctx, ups, nil); err != nil {
		t.Fatal(err)
	}
	full := Consistency{Mode: FullyConsistent}
	a := store.Subject{Type: "user", ID: "a"}
	first, err := e.LookupResources(ctx, full, "doc", "viewer", a, Page{Size: 1})
	if err != nil || first.Next == "" {
		t.Fatal(first, err)
	}
	if _, _, err := e.WriteTuples(ctx, []store.Update{{Op: store.Delete, Tuple: tuple("d2")}}, nil); err != nil {
		t.Fatal(err)
	}
	second, err := e.LookupResources(ctx, full, "doc", "viewer", a, Page{Size: 1, Token: first.Next})
	if err != nil || !slices.Equal(second.IDs, []string{"d2"}) || second.Token != first.Token {
		t.Fatalf("second page: %+v, %v; want d2 at the first page's snapshot", second, err)
	}
	fresh, err := e.LookupResources(ctx, full, "doc", "viewer", a, Page{})
	if err != nil || !slices.Equal(fresh.IDs, []string{"d1", "d3"}) {
		t.Fatalf("a new read: %+v, %v", fresh, err)
	}
}

func TestAcquireHonoursContext(t *testing.T) {
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	e, err := New(st, WithMaxConcurrentLookups(1, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	release, err := e.acquire(context.Background(), "LookupResources")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := e.acquire(ctx, "Expand"); fault.CodeOf(err) != fault.DeadlineExceeded {
		t.Fatalf("waiting past the deadline: %v", err)
	}
}
