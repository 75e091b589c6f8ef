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

// TestConsumeUncertain replays the attempt that follows a COMMIT whose connection was lost: when
// the earlier attempt did commit, consume recognizes its own write and succeeds; when the token
// was used by another call, it is a replay all the same.
func TestConsumeUncertain(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.Shared(t).NewMigratedDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o := s.OAuth2()
	epoch := time.Date(2100, 1, 1, 0, 0, 0, 123456789, time.UTC)
	token := func(kind store.TokenKind, key string) *store.TokenRecord {
		return &store.TokenRecord{Kind: kind, Key: key, IssuedAt: epoch, ExpiresAt: epoch.Add(time.Hour)}
	}
	for _, g := range []string{"g1", "g2", "g3"} {
		grant := &store.Grant{ID: g, ClientID: "app", Subject: "alice", CreatedAt: epoch, ExpiresAt: epoch.Add(time.Hour)}
		if err := o.CreateGrant(ctx, grant, token(store.RefreshTokenKind, g+"-rt"), token(store.AuthorizeCodeKind, g+"-code")); err != nil {
			t.Fatal(err)
		}
	}
	// attempt runs consume as a retry after an uncertain COMMIT would, and commits.
	attempt := func(kind store.TokenKind, key string, usedAt time.Time, next ...*store.TokenRecord) (bool, error) {
		t.Helper()
		var replayed bool
		err := pgx.BeginFunc(ctx, s.primary, func(tx pgx.Tx) error {
			var err error
			replayed, err = consume(ctx, tx, kind, key, usedAt, next, true)
			return err
		})
		return replayed, err
	}
	used := epoch.Add(time.Minute)

	// With next tokens: they tell this call's own exchange from another's.
	if err := o.ConsumeToken(ctx, store.RefreshTokenKind, "g1-rt", used, token(store.RefreshTokenKind, "g1-rt2")); err != nil {
		t.Fatal(err)
	}
	if replayed, err := attempt(store.RefreshTokenKind, "g1-rt", used, token(store.RefreshTokenKind, "g1-rt2")); err != nil || replayed {
		t.Fatalf("retry of a committed exchange: replayed %v, %v; want success", replayed, err)
	}
	if _, _, err := o.LookupToken(ctx, store.RefreshTokenKind, "g1-rt2"); err != nil {
		t.Fatalf("the exchange's new token after its retry: %v", err)
	}
	if replayed, err := attempt(store.RefreshTokenKind, "g1-rt", used, token(store.RefreshTokenKind, "other")); err != nil || !replayed {
		t.Fatalf("an uncertain retry after another call's exchange: replayed %v, %v; want a replay", replayed, err)
	}
	if _, _, err := o.LookupToken(ctx, store.RefreshTokenKind, "g1-rt2"); fault.CodeOf(err) != fault.NotFound {
		t.Fatalf("the grant's token after a replay: %v, want NotFound", err)
	}

	// Without next tokens: the time of use, to the microsecond.
	if err := o.ConsumeToken(ctx, store.AuthorizeCodeKind, "g2-code", used); err != nil {
		t.Fatal(err)
	}
	if replayed, err := attempt(store.AuthorizeCodeKind, "g2-code", used); err != nil || replayed {
		t.Fatalf("retry of a committed use: replayed %v, %v; want success", replayed, err)
	}
	if err := o.ConsumeToken(ctx, store.AuthorizeCodeKind, "g3-code", used); err != nil {
		t.Fatal(err)
	}
	if replayed, err := attempt(store.AuthorizeCodeKind, "g3-code", used.Add(time.Microsecond)); err != nil || !replayed {
		t.Fatalf("an uncertain retry after another call's use: replayed %v, %v; want a replay", replayed, err)
	}
}
