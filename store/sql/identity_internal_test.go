package sql

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// TestIdentityWritesUncertain replays the attempt that follows a COMMIT whose connection was
// lost: when the earlier attempt did commit, a batch creation and an update recognize their own
// writes and succeed; a retry that finds another call's write fails as it should.
func TestIdentityWritesUncertain(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.Shared(t).NewMigratedDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	x := s.Identity()
	epoch := time.Date(2100, 1, 1, 0, 0, 0, 123456789, time.UTC)
	identity := func(id, email string) *store.Identity {
		return &store.Identity{ID: id, Traits: []byte(`{"email":"` + email + `"}`), State: store.IdentityActive,
			Credentials: map[string]store.Credential{"password": {Identifiers: []string{email}}}, CreatedAt: epoch, UpdatedAt: epoch}
	}
	a := identity("00000000-0000-4000-8000-000000000001", "a@example.com")
	b := identity("00000000-0000-4000-8000-000000000002", "b@example.com")
	if err := x.CreateIdentity(ctx, a); err != nil {
		t.Fatal(err)
	}
	inTx := func(fn func(tx pgx.Tx) error) error {
		t.Helper()
		return pgx.BeginFunc(ctx, s.primary, fn)
	}

	// The retry of a batch that stored a: a is this call's, b is new.
	batch := []*store.Identity{a.Clone(), b.Clone()}
	var keys []store.IdentityKey
	for _, i := range batch {
		i.Version = 1
		keys = append(keys, i.Keys()...)
	}
	var errs []error
	if err := inTx(func(tx pgx.Tx) (err error) {
		errs, err = createBatch(ctx, tx, batch, make([]error, 2), keys, true)
		return err
	}); err != nil || errs[0] != nil || errs[1] != nil {
		t.Fatalf("uncertain retry of a committed batch: %v, %v", errs, err)
	}
	if _, err := x.GetIdentity(ctx, b.ID); err != nil {
		t.Fatalf("the new identity of the retried batch: %v", err)
	}
	// Without the uncertainty, a is another call's: its ID is taken.
	if err := inTx(func(tx pgx.Tx) (err error) {
		errs, err = createBatch(ctx, tx, batch[:1], make([]error, 1), batch[0].Keys(), false)
		return err
	}); err != nil || fault.CodeOf(errs[0]) != fault.AlreadyExists {
		t.Fatalf("certain retry of a committed batch: %v, %v; want AlreadyExists", errs, err)
	}

	// The retry of an update that committed.
	u := a.Clone()
	u.Traits, u.UpdatedAt, u.Version = []byte(`{"email":"a@example.com","v":2}`), epoch.Add(time.Hour), 1
	if err := x.UpdateIdentity(ctx, u.Clone()); err != nil {
		t.Fatal(err)
	}
	if err := inTx(func(tx pgx.Tx) error { return updateIdentity(ctx, tx, u.Clone(), 1, true) }); err != nil {
		t.Fatalf("uncertain retry of a committed update: %v", err)
	}
	// One that finds another call's update is refused.
	other := u.Clone()
	other.Traits = []byte(`{"email":"a@example.com","v":"other"}`)
	if err := inTx(func(tx pgx.Tx) error { return updateIdentity(ctx, tx, other, 1, true) }); fault.CodeOf(err) != fault.FailedPrecondition {
		t.Fatalf("uncertain retry after another call's update: %v, want FailedPrecondition", err)
	}
	got, err := x.GetIdentity(ctx, a.ID)
	if err != nil || got.Version != 2 || string(got.Traits) != string(u.Traits) {
		t.Fatalf("identity after the retries: %+v, %v; want version 2 with the update's traits", got, err)
	}
}
