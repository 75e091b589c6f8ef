package enginetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// SchemaWrites checks what a schema write does to later minimize_latency reads, with a max
// staleness so long that the store's optimized snapshot never moves during the test: the node
// that wrote a schema answers from it at once; another node following the store's schema writes
// does so within a moment; and a node that knows nothing of the write refuses a type it added
// with an error that says the type came later and what to pass.
func SchemaWrites(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	st := newStore(t)
	node := func() *engine.Engine {
		e, err := engine.New(st, engine.WithMaxStaleness(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	writer, follower := node(), node()
	// Unaware nodes, one for each refusal tested: a refusal teaches its node of the newer schema.
	unaware, unawareRead, unawareLookup := node(), node(), node()
	const v1 = "definition user {}\ndefinition document { relation viewer: user }"
	const v2 = v1 + "\ndefinition project { relation member: user }"
	const v3 = v2 + "\ndefinition folder { relation member: user }"
	tok1, err := writer.WriteSchema(ctx, v1)
	if err != nil {
		t.Fatal(err)
	}
	latest := engine.Consistency{Mode: engine.MinimizeLatency}
	check := func(e *engine.Engine, c engine.Consistency, s string) error {
		t.Helper()
		item, err := engine.ParseCheckItem(s)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = e.Check(ctx, c, item)
		return err
	}
	// The unaware nodes read the first schema, then hear of nothing newer.
	for _, e := range []*engine.Engine{unaware, unawareRead, unawareLookup} {
		if err := check(e, engine.Consistency{Mode: engine.AtLeastAsFresh, Token: tok1}, "document:d#viewer@user:u"); err != nil {
			t.Fatalf("check at the first schema's token: %v", err)
		}
	}
	fctx, stop := context.WithCancel(ctx)
	followed := make(chan struct{})
	go func() { defer close(followed); follower.FollowSchemas(fctx, 10*time.Millisecond) }()
	t.Cleanup(func() { stop(); <-followed })

	if _, err := writer.WriteSchema(ctx, v2); err != nil {
		t.Fatal(err)
	}
	if err := check(writer, latest, "project:p#member@user:u"); err != nil {
		t.Errorf("minimize_latency check of a type the same node just added: %v; want an answer", err)
	}
	// The unaware node's snapshot predates the type: the refusal says so.
	err = check(unaware, latest, "project:p#member@user:u")
	if fault.CodeOf(err) != fault.InvalidArgument || !strings.Contains(err.Error(), `the schema has no type "project"`) ||
		!strings.Contains(err.Error(), "it was added later") || !strings.Contains(err.Error(), "token") {
		t.Errorf("check of a type added after the snapshot: %v; want InvalidArgument saying it was added later and to pass the token", err)
	}
	if err := check(unaware, latest, "project:p#member@user:u"); err != nil {
		t.Errorf("the node that refused a type added later still refuses it: %v; it has learnt of the write", err)
	}
	// A name no schema has is refused plainly.
	err = check(unaware, latest, "projet:p#member@user:u")
	if fault.CodeOf(err) != fault.InvalidArgument || strings.Contains(err.Error(), "added later") {
		t.Errorf("check of a type no schema has: %v; want InvalidArgument without the hint", err)
	}
	_, _, _, err = unawareRead.ReadTuples(ctx, latest,
		store.TupleFilter{ResourceType: "project"}, engine.Page{})
	if err == nil || !strings.Contains(err.Error(), "it was added later") {
		t.Errorf("read of a type added after the snapshot: %v; want the hint", err)
	}
	_, err = unawareLookup.LookupResources(ctx, latest, "project", "member",
		store.Subject{Type: "user", ID: "u"}, engine.Page{})
	if err == nil || !strings.Contains(err.Error(), "it was added later") {
		t.Errorf("lookup of a type added after the snapshot: %v; want the hint", err)
	}

	// Another node hears of the next schema write through the store.
	if _, err := writer.WriteSchema(ctx, v3); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for err := check(follower, latest, "folder:f#member@user:u"); err != nil; err = check(follower, latest, "folder:f#member@user:u") {
		if time.Now().After(deadline) {
			t.Fatalf("a node following schema writes still refuses a type added 5 s ago: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
