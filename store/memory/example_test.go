package memory_test

import (
	"context"
	"fmt"

	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

func Example() {
	ctx := context.Background()
	s := memory.New()
	defer s.Close()

	tuple, _ := store.ParseTuple("document:readme#viewer@user:alice")
	rev, err := s.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.WriteTuples(ctx, []store.Update{{Op: store.Create, Tuple: tuple}})
		return err
	})
	if err != nil {
		panic(err)
	}

	f := store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"readme"}, Relation: "viewer"}
	for t, err := range s.Snapshot(rev).QueryTuples(ctx, f, store.QueryOptions{}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(rev, t)
	}
	// Output: 1 document:readme#viewer@user:alice
}
