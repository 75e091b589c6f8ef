package dataset

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/sync/errgroup"

	permv1 "github.com/wardhq/ward/proto/ward/permission/v1"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
	schemav1 "github.com/wardhq/ward/proto/ward/schema/v1"
	"github.com/wardhq/ward/proto/ward/schema/v1/schemav1connect"
)

// Loader writes datasets into a server through its admin API.
type Loader struct {
	Schemas       schemav1connect.SchemaServiceClient
	Relationships relationshipv1connect.RelationshipServiceClient
	// Batch is the number of tuples of one write: at most the server's limit, 10,000.
	Batch int
	// Parallel is the number of writes in flight at once; at least 1.
	Parallel int
	// Permissions, if not nil, is used after the load to wait until the data is visible to
	// reads of the default consistency, minimize_latency, which may be served from a snapshot
	// up to the server's max_staleness old.
	Permissions permissionv1connect.PermissionServiceClient
	// Progress, if not nil, is called after each write with the number of tuples it wrote. It
	// may be called from several goroutines at once.
	Progress func(n int)
}

// Stats says what a load did.
type Stats struct {
	Tuples int
	// Token is the snapshot token of the last write, which is at or after every other write of
	// the load.
	Token string
	// Write is the time taken to write the schema and the tuples; Visible the time after that
	// until reads without a token saw them (zero without Loader.Permissions).
	Write, Visible time.Duration
}

// Load writes the schema of the dataset in dir, then its tuples (touching them, so that loading
// twice is harmless). With l.Permissions set, it returns once reads without a token see the load.
func (l Loader) Load(ctx context.Context, dir string) (Stats, error) {
	start := time.Now()
	schema, err := os.ReadFile(filepath.Join(dir, SchemaFile))
	if err != nil {
		return Stats{}, err
	}
	if _, err := l.Schemas.WriteSchema(ctx, connect.NewRequest(&schemav1.WriteSchemaRequest{Schema: string(schema)})); err != nil {
		return Stats{}, fmt.Errorf("writing the schema: %w", err)
	}
	f, err := os.Open(filepath.Join(dir, TuplesFile))
	if err != nil {
		return Stats{}, err
	}
	defer f.Close()

	batches := make(chan []*relv1.RelationshipUpdate)
	g, gctx := errgroup.WithContext(ctx)
	for range max(l.Parallel, 1) {
		g.Go(func() error {
			for b := range batches {
				if _, err := l.write(gctx, b); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// The reader keeps the last batch back, to write it once all others have been applied.
	var last []*relv1.RelationshipUpdate
	tuples := 0
	g.Go(func() error {
		defer close(batches)
		sc := bufio.NewScanner(f)
		var batch []*relv1.RelationshipUpdate
		for line := 1; sc.Scan(); line++ {
			r, err := ParseTuple(sc.Text())
			if err != nil {
				return fmt.Errorf("%s:%d: %w", TuplesFile, line, err)
			}
			tuples++
			if batch = append(batch, &relv1.RelationshipUpdate{Operation: relv1.RelationshipUpdate_OPERATION_TOUCH, Relationship: r}); len(batch) == max(l.Batch, 1) {
				if last != nil {
					select {
					case batches <- last:
					case <-gctx.Done():
						return gctx.Err()
					}
				}
				last, batch = batch, nil
			}
		}
		if len(batch) > 0 {
			if last != nil {
				select {
				case batches <- last:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			last = batch
		}
		return sc.Err()
	})
	if err := g.Wait(); err != nil {
		return Stats{}, err
	}
	if last == nil {
		return Stats{Write: time.Since(start)}, nil
	}
	token, err := l.write(ctx, last)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Tuples: tuples, Token: token, Write: time.Since(start)}
	if l.Permissions != nil {
		err = l.waitVisible(ctx, last[len(last)-1].GetRelationship())
		st.Visible = time.Since(start) - st.Write
	}
	return st, err
}

// waitVisible checks the relationship r, the last one written, without a token until the answer
// is allowed.
func (l Loader) waitVisible(ctx context.Context, r *relv1.Relationship) error {
	req := &permv1.CheckRequest{Resource: r.GetResource(), Permission: r.GetRelation(), Subject: r.GetSubject()}
	for {
		res, err := l.Permissions.Check(ctx, connect.NewRequest(req))
		switch {
		case connect.CodeOf(err) == connect.CodeFailedPrecondition:
			// The snapshot predates the schema.
		case err != nil:
			return fmt.Errorf("waiting for the load to be visible: %w", err)
		case res.Msg.GetDecision() == permv1.Decision_DECISION_ALLOWED:
			return nil
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// write touches one batch and returns the write's token.
func (l Loader) write(ctx context.Context, batch []*relv1.RelationshipUpdate) (string, error) {
	res, err := l.Relationships.WriteRelationships(ctx, connect.NewRequest(&relv1.WriteRelationshipsRequest{Updates: batch}))
	if err != nil {
		return "", fmt.Errorf("writing tuples: %w", err)
	}
	if l.Progress != nil {
		l.Progress(len(batch))
	}
	return res.Msg.GetWrittenAt(), nil
}

// ParseTuple parses one line of a tuples file, `type:id#relation@subject`, where the subject is
// `type:id`, `type:*` or `type:id#relation`.
func ParseTuple(s string) (*relv1.Relationship, error) {
	resource, subject, ok := strings.Cut(s, "@")
	object, relation, ok2 := strings.Cut(resource, "#")
	typ, id, ok3 := strings.Cut(object, ":")
	sobj, srel, _ := strings.Cut(subject, "#")
	styp, sid, ok4 := strings.Cut(sobj, ":")
	if !ok || !ok2 || !ok3 || !ok4 || typ == "" || id == "" || relation == "" || styp == "" || sid == "" {
		return nil, fmt.Errorf("%q is not type:id#relation@subject", s)
	}
	return &relv1.Relationship{
		Resource: &relv1.ObjectReference{Type: typ, Id: id},
		Relation: relation,
		Subject:  &relv1.SubjectReference{Type: styp, Id: sid, Relation: srel},
	}, nil
}
