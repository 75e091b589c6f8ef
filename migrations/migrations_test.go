package migrations_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/migrations"
)

func TestParseDialect(t *testing.T) {
	for _, d := range []migrations.Dialect{migrations.Postgres, migrations.CockroachDB, migrations.CockroachDBMultiRegion} {
		got, err := migrations.ParseDialect(d.String())
		if err != nil || got != d {
			t.Errorf("ParseDialect(%q) = %v, %v; want %v", d.String(), got, err, d)
		}
	}
	if _, err := migrations.ParseDialect("mysql"); err == nil {
		t.Error("ParseDialect(mysql) succeeded")
	}
}

// TestFiles checks the embedded files' invariants: goose sections, and the same versions and names
// for PostgreSQL and CockroachDB.
func TestFiles(t *testing.T) {
	names := func(dir string) []string {
		t.Helper()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
			text, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			for _, section := range []string{"\n-- +goose Up\n", "\n-- +goose Down\n"} {
				if !strings.Contains(string(text), section) {
					t.Errorf("%s/%s has no %q line", dir, e.Name(), strings.TrimSpace(section))
				}
			}
		}
		if len(names) == 0 {
			t.Errorf("%s holds no migrations", dir)
		}
		return names
	}
	pg, crdb := names("postgres"), names("cockroachdb")
	names("cockroachdb-multiregion")
	if !slices.Equal(pg, crdb) {
		t.Errorf("postgres/ has %v but cockroachdb/ has %v: every migration needs both variants", pg, crdb)
	}
}

func TestUpStatusCheck(t *testing.T) {
	db := openDB(t, freshDatabase(t))
	ctx := t.Context()
	n := migrationCount(t)

	err := migrations.Check(ctx, db, migrations.Postgres)
	if !errors.Is(err, migrations.ErrBehind) || errors.Is(err, migrations.ErrAhead) {
		t.Fatalf("Check on an empty database: %v, want ErrBehind", err)
	}
	want := "the database schema is at version 0 but this ward needs " + lastVersion(t) + "; run `ward migrate up`"
	if err.Error() != want {
		t.Errorf("Check on an empty database: %q\nwant %q", err, want)
	}
	states, err := migrations.Status(ctx, db, migrations.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != n {
		t.Fatalf("Status lists %d migrations, want %d", len(states), n)
	}
	for _, s := range states {
		if s.Applied || !s.AppliedAt.IsZero() || s.Set != "postgres" || s.Name == "" {
			t.Errorf("before Up: %+v, want pending", s)
		}
	}
	// Status and Check are read-only: no version table yet.
	if countTables(t, db, "ward_migrations") != 0 {
		t.Errorf("Status or Check created ward_migrations")
	}

	start := time.Now()
	applied, err := migrations.Up(ctx, db, migrations.Postgres)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	t.Logf("Up applied %d migrations in %v", len(applied), time.Since(start))
	if len(applied) != n {
		t.Errorf("Up applied %d migrations, want %d: %+v", len(applied), n, applied)
	}
	for i, a := range applied {
		if a.Name != states[i].Name || a.Version != states[i].Version || a.Set != "postgres" {
			t.Errorf("applied[%d] = %+v, want %s", i, a, states[i].Name)
		}
	}
	wantTables(t, db, wardTables...)

	if err := migrations.Check(ctx, db, migrations.Postgres); err != nil {
		t.Errorf("Check after Up: %v", err)
	}
	states, err = migrations.Status(ctx, db, migrations.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if !s.Applied || time.Since(s.AppliedAt).Abs() > time.Minute {
			t.Errorf("after Up: %+v, want applied just now", s)
		}
	}

	again, err := migrations.Up(ctx, db, migrations.Postgres)
	if err != nil || len(again) != 0 {
		t.Errorf("second Up: applied %+v, %v; want nothing", again, err)
	}
	for v, rows := range versionRows(t, db) {
		if rows != 1 {
			t.Errorf("ward_migrations has %d rows for version %d, want 1", rows, v)
		}
	}
}

func TestCheckAhead(t *testing.T) {
	db := openDB(t, freshDatabase(t))
	ctx := t.Context()
	if _, err := migrations.Up(ctx, db, migrations.Postgres); err != nil {
		t.Fatal(err)
	}
	// What a newer ward would leave behind.
	if _, err := db.ExecContext(ctx, "INSERT INTO ward_migrations (version_id, is_applied) VALUES (99999, true)"); err != nil {
		t.Fatal(err)
	}
	err := migrations.Check(ctx, db, migrations.Postgres)
	if !errors.Is(err, migrations.ErrAhead) || errors.Is(err, migrations.ErrBehind) {
		t.Fatalf("Check: %v, want ErrAhead", err)
	}
	if !strings.Contains(err.Error(), "at version 99999") {
		t.Errorf("Check: %q does not name the database's version", err)
	}
	states, err := migrations.Status(ctx, db, migrations.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if last := states[len(states)-1]; last.Version != 99999 || last.Name != "" || !last.Applied {
		t.Errorf("Status lists %+v last, want the unknown version 99999, applied", last)
	}
	// Up does not report "already up to date" on a database that a newer ward migrated.
	if applied, err := migrations.Up(ctx, db, migrations.Postgres); !errors.Is(err, migrations.ErrAhead) || len(applied) != 0 {
		t.Errorf("Up on a newer database: applied %+v, %v; want nothing and ErrAhead", applied, err)
	}
}

func TestUpRefusesTheWrongServer(t *testing.T) {
	db := openDB(t, freshDatabase(t))
	_, err := migrations.Up(t.Context(), db, migrations.CockroachDB)
	if err == nil || !strings.Contains(err.Error(), "the database is PostgreSQL") {
		t.Fatalf("Up with the CockroachDB dialect on PostgreSQL: %v", err)
	}
	if n := countTables(t, db, "ward_migrations", "ward_migrations_lock", "ward_tuples"); n != 0 {
		t.Errorf("a refused Up created %d tables", n)
	}
}

func lastVersion(t *testing.T) string {
	t.Helper()
	entries, err := os.ReadDir("postgres")
	if err != nil {
		t.Fatal(err)
	}
	name := entries[len(entries)-1].Name()
	v, _, _ := strings.Cut(name, "_")
	return strings.TrimLeft(v, "0")
}
