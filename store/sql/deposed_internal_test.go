package sql

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/wardhq/ward/store/sql/pgtest"
)

// TestDeposedPrimaryRefused: a standby is promoted while the old primary runs on, as a stalled
// primary does when it wakes up after a failover. Once the store has seen the new timeline, the
// pool drops its connections to the old primary, refuses new ones, and the multi-host DSN goes on
// to the new primary.
func TestDeposedPrimaryRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("promotes a standby")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	primary, standbys := pgtest.StartCluster(t, 2)
	dsn := primary.NewMigratedDatabase(t)
	for _, sb := range standbys {
		if err := sb.WaitCaughtUp(ctx, primary); err != nil {
			t.Fatal(err)
		}
	}
	on := func(srv *pgtest.Server) *url.URL {
		u, _ := url.Parse(dsn)
		base, _ := url.Parse(srv.DSN())
		u.Host = base.Host
		return u
	}
	multi := on(primary)
	multi.Host += "," + on(standbys[0]).Host
	q := multi.Query()
	q.Set("target_session_attrs", "read-write")
	multi.RawQuery = q.Encode()
	s, err := Open(ctx, multi.String(), WithQuorum(dsn, on(standbys[0]).String(), on(standbys[1]).String()))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	timeline := func() int64 {
		t.Helper()
		var tli int64
		if err := s.primary.QueryRow(ctx, `SELECT `+timelineSQL).Scan(&tli); err != nil {
			t.Fatal(err)
		}
		return tli
	}
	if tli := timeline(); tli != 1 {
		t.Fatalf("timeline of the primary = %d, want 1", tli)
	}
	if err := standbys[0].Promote(ctx); err != nil {
		t.Fatal(err)
	}
	// Both are primaries now; the old one, first in the DSN, still serves the pool.
	if tli := timeline(); tli != 1 {
		t.Fatalf("before the store saw the new timeline, the pool serves timeline %d, want the old 1", tli)
	}
	// Asked while the primary is away, the quorum nodes tell the store of the new timeline (a
	// majority is two: the third answer may come after askQuorum returns).
	for deadline := time.Now().Add(10 * time.Second); s.timeline.Load() != 2; {
		if _, _, err := s.askQuorum(ctx); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("newest timeline seen = %d, want 2", s.timeline.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for range 5 {
		if tli := timeline(); tli != 2 {
			t.Fatalf("after the store saw timeline 2, the pool serves timeline %d", tli)
		}
	}
}
