package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
)

var (
	// ErrBehind is wrapped by [Check]'s error when the database lacks migrations this ward needs:
	// run `ward migrate up`.
	ErrBehind = errors.New("database schema is older than this ward")
	// ErrAhead is wrapped by [Check]'s error when the database holds migrations newer than this
	// ward's: a newer ward migrated it, and this one must not write to it.
	ErrAhead = errors.New("database schema is newer than this ward")
)

// State is one migration's state in a database.
type State struct {
	Set     string // the migration set: postgres, cockroachdb or cockroachdb-multiregion
	Version int64
	// Name is the file name, such as 00001_tuples.sql; empty for a migration that a newer ward
	// applied and this binary does not embed.
	Name      string
	Applied   bool
	AppliedAt time.Time // zero when pending
}

// Status returns every migration of the dialect, and any unknown one the database records, ordered
// by set and version. A database that has never been migrated has every migration pending. Status
// takes no lock and writes nothing.
func Status(ctx context.Context, db *sql.DB, d Dialect) ([]State, error) {
	p, err := d.plan()
	if err != nil {
		return nil, err
	}
	var states []State
	for _, s := range p.sets {
		known, err := knownVersions(s)
		if err != nil {
			return nil, err
		}
		applied, err := appliedVersions(ctx, db, s.table)
		if err != nil {
			return nil, err
		}
		for _, v := range slices.Sorted(maps.Keys(applied)) {
			if _, ok := known[v]; !ok {
				known[v] = ""
			}
		}
		for _, v := range slices.Sorted(maps.Keys(known)) {
			at, ok := applied[v]
			states = append(states, State{Set: s.dir, Version: v, Name: known[v], Applied: ok, AppliedAt: at})
		}
	}
	return states, nil
}

// Check returns nil when the database has exactly the migrations this ward embeds; an error that
// wraps [ErrBehind] when some are pending, including when the database has never been migrated
// ("the database schema is at version 0 but this ward needs 1; run `ward migrate up`"); and an
// error that wraps [ErrAhead] when a newer ward has applied migrations this one does not know.
// Check takes no lock and writes nothing, so a server can call it at every start.
func Check(ctx context.Context, db *sql.DB, d Dialect) error {
	p, err := d.plan()
	if err != nil {
		return err
	}
	return check(ctx, db, p)
}

func check(ctx context.Context, db *sql.DB, p plan) error {
	for i, s := range p.sets {
		known, err := knownVersions(s)
		if err != nil {
			return err
		}
		applied, err := appliedVersions(ctx, db, s.table)
		if err != nil {
			return err
		}
		what := "the database schema"
		if i > 0 {
			what = "the database's " + s.dir + " schema"
		}
		command := "ward migrate up"
		if p.dialect != Postgres {
			command += " --dialect " + p.dialect.String()
		}
		if err := compare(what, command, slices.Collect(maps.Keys(known)), slices.Collect(maps.Keys(applied))); err != nil {
			return err
		}
	}
	return nil
}

// versionError is Check's error: its own message, wrapping ErrBehind or ErrAhead.
type versionError struct {
	msg  string
	kind error
}

func (e *versionError) Error() string { return e.msg }
func (e *versionError) Unwrap() error { return e.kind }

// compare checks the applied versions of one set against the known ones. what names the schema in
// messages, command is the command that migrates it.
func compare(what, command string, known, applied []int64) error {
	slices.Sort(known)
	slices.Sort(applied)
	var target, current int64
	if len(known) > 0 {
		target = known[len(known)-1]
	}
	if len(applied) > 0 {
		current = applied[len(applied)-1]
	}
	var unknown, pending []int64
	for _, v := range applied {
		if _, ok := slices.BinarySearch(known, v); !ok {
			unknown = append(unknown, v)
		}
	}
	for _, v := range known {
		if _, ok := slices.BinarySearch(applied, v); !ok {
			pending = append(pending, v)
		}
	}
	switch {
	case len(unknown) > 0 && current > target:
		return &versionError{kind: ErrAhead, msg: fmt.Sprintf(
			"%s is at version %d but this ward knows only up to %d: a newer ward migrated it; run that ward instead",
			what, current, target)}
	case len(unknown) > 0:
		return fmt.Errorf("%s has migration %s, which this ward does not have: it was migrated by a different build of ward",
			what, joinVersions(unknown))
	case len(pending) > 0 && pending[0] < current:
		return &versionError{kind: ErrBehind, msg: fmt.Sprintf(
			"%s is at version %d but lacks migration %s, which this ward needs; it was migrated out of order and `%s` will not fix it",
			what, current, joinVersions(pending), command)}
	case len(pending) > 0:
		return &versionError{kind: ErrBehind, msg: fmt.Sprintf(
			"%s is at version %d but this ward needs %d; run `%s`", what, current, target, command)}
	}
	return nil
}

func joinVersions(vs []int64) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

// knownVersions returns the set's embedded migrations: version → file name.
func knownVersions(s set) (map[int64]string, error) {
	names, err := fs.Glob(files, s.dir+"/*.sql")
	if err != nil {
		return nil, fmt.Errorf("migrations %s: %w", s.dir, err)
	}
	known := make(map[int64]string, len(names))
	for _, name := range names {
		base := strings.TrimPrefix(name, s.dir+"/")
		v, err := goose.NumericComponent(base)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", name, err)
		}
		known[v] = base
	}
	return known, nil
}

// appliedVersions reads goose's version table: version → when it was applied. A missing table
// means nothing was applied. goose records a rollback by deleting the version's rows; older goose
// versions appended a row with is_applied false, so the newest row of a version decides.
func appliedVersions(ctx context.Context, db *sql.DB, table string) (map[int64]time.Time, error) {
	// tstamp is a timestamp without time zone, written by now() in the session's time zone.
	rows, err := db.QueryContext(ctx, "SELECT version_id, is_applied, tstamp::timestamptz FROM "+table+" ORDER BY id")
	if err != nil {
		if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "42P01" { // undefined_table
			return map[int64]time.Time{}, nil
		}
		return nil, fmt.Errorf("reading %s: %w", table, err)
	}
	defer rows.Close()
	applied := make(map[int64]time.Time)
	for rows.Next() {
		var (
			v  int64
			ok bool
			at time.Time
		)
		if err := rows.Scan(&v, &ok, &at); err != nil {
			return nil, fmt.Errorf("reading %s: %w", table, err)
		}
		switch {
		case v == 0: // goose's marker row, written with the table
		case ok:
			applied[v] = at
		default:
			delete(applied, v)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", table, err)
	}
	return applied, nil
}
