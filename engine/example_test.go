package engine_test

import (
	"context"
	"fmt"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

func Example() {
	ctx := context.Background()
	st := memory.New()
	defer st.Close()
	e, err := engine.New(st)
	if err != nil {
		panic(err)
	}
	if _, err := e.WriteSchema(ctx, `
definition user {}
definition group { relation member: user | group#member }
definition document {
  relation viewer: user | group#member
  relation banned: user
  permission view = viewer - banned
}`); err != nil {
		panic(err)
	}
	var updates []store.Update
	for _, s := range []string{
		"group:eng#member@user:alice",
		"group:eng#member@user:bob",
		"document:readme#viewer@group:eng#member",
		"document:readme#banned@user:bob",
	} {
		t, err := store.ParseTuple(s)
		if err != nil {
			panic(err)
		}
		updates = append(updates, store.Update{Op: store.Touch, Tuple: t})
	}
	_, token, err := e.WriteTuples(ctx, updates, nil)
	if err != nil {
		panic(err)
	}
	// Checking with the write's token sees the write, whatever the caches hold.
	fresh := engine.Consistency{Mode: engine.AtLeastAsFresh, Token: token}
	for _, q := range []string{"document:readme#view@user:alice", "document:readme#view@user:bob"} {
		item, err := engine.ParseCheckItem(q)
		if err != nil {
			panic(err)
		}
		allowed, _, err := e.Check(ctx, fresh, item)
		if err != nil {
			panic(err)
		}
		fmt.Println(q, allowed)
	}
	// Output:
	// document:readme#view@user:alice true
	// document:readme#view@user:bob false
}
