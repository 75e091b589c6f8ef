package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/wardhq/ward/store"
)

// testConcurrent runs writers that move tokens between two boxes, each move one transaction, and
// readers that check that every snapshot has each token in exactly one box.
func testConcurrent(t *testing.T, s store.Store) {
	const tokens, writers, moves, readers = 8, 4, 40, 4
	var initial, ids []string
	for i := range tokens {
		ids = append(ids, fmt.Sprintf("t%d", i))
		initial = append(initial, "box:left#holds@token:"+ids[i])
	}
	write(t, s, store.Create, initial...)
	ctx := context.Background()

	var writing sync.WaitGroup
	revs := make(chan store.Revision, writers*moves)
	for w := range writers {
		writing.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), 0))
			for range moves {
				rev, err := s.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
					return move(ctx, tx, ids[rnd.IntN(tokens)])
				})
				if err != nil {
					t.Errorf("move: %v", err)
					return
				}
				revs <- rev
			}
		})
	}

	stop := make(chan struct{})
	var reading sync.WaitGroup
	for range readers {
		reading.Go(func() {
			var last store.Revision
			for n := 0; ; n++ {
				select {
				case <-stop:
					if n > 0 {
						return
					}
				default:
				}
				rev, err := s.HeadRevision(ctx)
				if err != nil {
					t.Errorf("HeadRevision: %v", err)
					return
				}
				if rev.Less(last) {
					t.Errorf("the head went back from %v to %v", last, rev)
				}
				last = rev
				if err := checkBoxes(ctx, s.Snapshot(rev), ids); err != nil {
					t.Errorf("snapshot %v: %v", rev, err)
					return
				}
			}
		})
	}
	writing.Wait()
	close(stop)
	reading.Wait()
	close(revs)

	seen := make(map[store.Revision]bool)
	for rev := range revs {
		if seen[rev] {
			t.Errorf("two commits returned revision %v", rev)
		}
		seen[rev] = true
	}
	if err := checkBoxes(ctx, s.Snapshot(head(t, s)), ids); err != nil {
		t.Error(err)
	}
}

// move moves a token to the other box.
func move(ctx context.Context, tx store.Tx, token string) error {
	f := store.TupleFilter{ResourceType: "box", Relation: "holds", SubjectType: "token", SubjectIDs: []string{token}}
	var from []store.Tuple
	for tup, err := range tx.QueryTuples(ctx, f, store.QueryOptions{}) {
		if err != nil {
			return err
		}
		from = append(from, tup)
	}
	if len(from) != 1 {
		return fmt.Errorf("token %s is in %d boxes", token, len(from))
	}
	to := from[0]
	to.Resource.ID = map[string]string{"left": "right", "right": "left"}[to.Resource.ID]
	_, err := tx.WriteTuples(ctx, []store.Update{{Op: store.Delete, Tuple: from[0]}, {Op: store.Create, Tuple: to}})
	return err
}

// checkBoxes checks that r has each token in exactly one box, read by box and by token.
func checkBoxes(ctx context.Context, r store.Reader, tokens []string) error {
	filters := map[string][]store.TupleFilter{
		"by box": {
			{ResourceType: "box", ResourceIDs: []string{"left"}, Relation: "holds"},
			{ResourceType: "box", ResourceIDs: []string{"right"}, Relation: "holds"},
		},
		"by token": {{SubjectType: "token", SubjectIDs: tokens}},
	}
	for how, fs := range filters {
		count := make(map[string]int)
		for _, f := range fs {
			for tup, err := range r.QueryTuples(ctx, f, store.QueryOptions{}) {
				if err != nil {
					return err
				}
				count[tup.Subject.ID]++
			}
		}
		for _, id := range tokens {
			if count[id] != 1 {
				return fmt.Errorf("read %s, token %s is in %d boxes", how, id, count[id])
			}
		}
	}
	return nil
}
