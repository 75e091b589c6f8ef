package sql

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

const sessionColumns = `s.id::text, s.token_key, coalesce(s.logout_token_key, ''), s.identity_id::text, s.active,
	s.authenticated_at, s.issued_at, s.expires_at, s.aal, s.authentication_methods, s.devices, s.created_at, s.updated_at`

// sessionScan holds the destinations of sessionColumns.
type sessionScan struct {
	s                              store.Session
	authenticated, issued, expires pgtype.Timestamptz
	created, updated               pgtype.Timestamptz
	methods, devices               []byte
}

func (d *sessionScan) dest() []any {
	s := &d.s
	return []any{&s.ID, &s.TokenKey, &s.LogoutTokenKey, &s.IdentityID, &s.Active, &d.authenticated, &d.issued,
		&d.expires, &s.AAL, &d.methods, &d.devices, &d.created, &d.updated}
}

func (d *sessionScan) session() (*store.Session, error) {
	s := d.s
	s.AuthenticatedAt, s.IssuedAt, s.ExpiresAt = tm(d.authenticated), tm(d.issued), tm(d.expires)
	s.CreatedAt, s.UpdatedAt = tm(d.created), tm(d.updated)
	if err := decodeSessionDocs(&s, d.methods, d.devices); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "a stored session cannot be read")
	}
	return &s, nil
}

func scanSession(row pgx.Row) (*store.Session, error) {
	var d sessionScan
	if err := row.Scan(d.dest()...); err != nil {
		return nil, err
	}
	return d.session()
}

// CreateSession stores s.
func (x *IdentityStore) CreateSession(ctx context.Context, sess *store.Session) error {
	n, err := store.CanonicalSession(sess)
	if err != nil {
		return err
	}
	methods, devices, err := encodeSessionDocs(n)
	if err != nil {
		return err
	}
	_, uncertain, err := x.records.execUncertain(ctx, "create session", `INSERT INTO ward_sessions (id, token_key,
			logout_token_key, identity_id, active, authenticated_at, issued_at, expires_at, aal, authentication_methods,
			devices, created_at, updated_at)
		VALUES ($1, $2, nullif($3, ''), $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13)`,
		n.ID, n.TokenKey, n.LogoutTokenKey, n.IdentityID, n.Active, ts(n.AuthenticatedAt), ts(n.IssuedAt),
		ts(n.ExpiresAt), n.AAL, methods, devices, ts(n.CreatedAt), ts(n.UpdatedAt))
	var pgErr *pgconn.PgError
	switch {
	case isUnique(err) && uncertain:
		return nil // the session is this call's: an earlier attempt committed before its connection was lost
	case isUnique(err) && errors.As(err, &pgErr):
		switch c := pgErr.ConstraintName; {
		case strings.Contains(c, "logout_token_key"):
			return fault.InField("logout_token_key", fault.New(fault.AlreadyExists, "a session with this logout token already exists"))
		case strings.Contains(c, "token_key"):
			return fault.InField("token_key", fault.New(fault.AlreadyExists, "a session with this token already exists"))
		}
		return fault.InField("id", fault.New(fault.AlreadyExists, "session %s already exists", n.ID))
	case isForeignKey(err):
		return fault.InField("identity_id", errNoIdentity(n.IdentityID))
	}
	return err
}

// isForeignKey reports whether err is a foreign key violation: a row naming an identity that is
// not stored.
func isForeignKey(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}

// GetSession returns the session with this ID.
func (x *IdentityStore) GetSession(ctx context.Context, id string) (*store.Session, error) {
	c, ok := store.CanonicalID(id)
	if !ok {
		return nil, errNoSession(id)
	}
	return readOne(ctx, x.s, "get session", errNoSession(id), scanSession, `SELECT `+sessionColumns+` FROM ward_sessions s WHERE s.id = $1`, c)
}

// LookupSession returns the session with this token key and its identity, in one query: the
// token's unique index, then the identity's primary key.
func (x *IdentityStore) LookupSession(ctx context.Context, tokenKey string) (*store.Session, *store.Identity, error) {
	var sd sessionScan
	var id identityScan
	err := x.s.readCommitted(ctx, "look up session", func(ctx context.Context, q querier) error {
		return q.QueryRow(ctx, `SELECT `+sessionColumns+`, `+identityColumns+`
			FROM ward_sessions s JOIN ward_identities i ON i.id = s.identity_id WHERE s.token_key = $1`, tokenKey).
			Scan(append(sd.dest(), id.dest()...)...)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, fault.New(fault.NotFound, "no session has this token")
	}
	if err != nil {
		return nil, nil, err
	}
	s, err := sd.session()
	if err != nil {
		return nil, nil, err
	}
	i, err := id.identity()
	return s, i, err
}

// LookupSessionByLogoutToken returns the session with this logout token key.
func (x *IdentityStore) LookupSessionByLogoutToken(ctx context.Context, key string) (*store.Session, error) {
	return readOne(ctx, x.s, "look up session by logout token", fault.New(fault.NotFound, "no session has this logout token"),
		scanSession, `SELECT `+sessionColumns+` FROM ward_sessions s WHERE s.logout_token_key = $1`, key)
}

// ListSessions returns the sessions f selects after after, in ID order.
func (x *IdentityStore) ListSessions(ctx context.Context, f store.SessionFilter, after string, limit int) ([]*store.Session, error) {
	var k keyset
	if f.IdentityID != "" {
		p, err := k.uuid("identity_id", f.IdentityID)
		if err != nil {
			return nil, err
		}
		k.and(`s.identity_id = ` + p)
	}
	if f.Active != nil {
		valid := `(s.active AND (s.expires_at IS NULL OR s.expires_at > ` + k.arg(f.At) + `))`
		if !*f.Active {
			valid = `NOT ` + valid
		}
		k.and(valid)
	}
	q, err := k.query(`SELECT `+sessionColumns+` FROM ward_sessions s`, `s.id`, after, limit)
	if err != nil {
		return nil, err
	}
	return readAll(ctx, x.s, "list sessions", scanSession, q, k.args...)
}

// changeSession runs set, the SET clause of an UPDATE of the session with ID $1, with args
// ($2, …), and records the invalidation of the sessions it changed, in one statement; it
// returns how many it changed, and whether an earlier attempt may have taken effect.
func (x *IdentityStore) changeSession(ctx context.Context, what, set, where string, args ...any) (int, bool, error) {
	return x.records.execUncertain(ctx, what, `
		WITH u AS (UPDATE ward_sessions SET `+set+` WHERE `+where+` RETURNING id, identity_id)
		INSERT INTO ward_session_invalidations (session_id, identity_id) SELECT id, identity_id FROM u`, args...)
}

// UpdateSession replaces the session's mutable fields; active only goes from true to false.
func (x *IdentityStore) UpdateSession(ctx context.Context, sess *store.Session) error {
	c, ok := store.CanonicalID(sess.ID)
	if !ok {
		return errNoSession(sess.ID)
	}
	methods, devices, err := encodeSessionDocs(sess)
	if err != nil {
		return err
	}
	n, uncertain, err := x.changeSession(ctx, "update session", `active = active AND $2, authenticated_at = $3,
			issued_at = $4, expires_at = $5, aal = $6, authentication_methods = $7::jsonb, devices = $8::jsonb,
			updated_at = $9`, `id = $1`,
		c, sess.Active, ts(sess.AuthenticatedAt), ts(sess.IssuedAt), ts(sess.ExpiresAt), sess.AAL, methods, devices,
		ts(sess.UpdatedAt))
	if err == nil && n == 0 && !uncertain {
		return errNoSession(sess.ID)
	}
	return err
}

// ExtendSession sets the session's expiry.
func (x *IdentityStore) ExtendSession(ctx context.Context, id string, expiresAt, at time.Time) error {
	c, ok := store.CanonicalID(id)
	if !ok {
		return errNoSession(id)
	}
	n, uncertain, err := x.changeSession(ctx, "extend session", `expires_at = $2, updated_at = $3`, `id = $1`,
		c, ts(expiresAt), ts(at))
	if err == nil && n == 0 && !uncertain {
		return errNoSession(id)
	}
	return err
}

// RevokeSession marks the session inactive, unless it is already.
func (x *IdentityStore) RevokeSession(ctx context.Context, id string, at time.Time) error {
	c, ok := store.CanonicalID(id)
	if !ok {
		return errNoSession(id)
	}
	n, _, err := x.changeSession(ctx, "revoke session", `active = false, updated_at = $2`, `id = $1 AND active`, c, ts(at))
	if err != nil || n > 0 {
		return err
	}
	// Nothing changed: the session is inactive already, or there is none.
	var exists bool
	err = x.s.readCommitted(ctx, "revoke session", func(ctx context.Context, q querier) error {
		return q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ward_sessions WHERE id = $1)`, c).Scan(&exists)
	})
	if err == nil && !exists {
		return errNoSession(id)
	}
	return err
}

// RevokeSessions marks the identity's active sessions but except inactive.
func (x *IdentityStore) RevokeSessions(ctx context.Context, identityID, except string, at time.Time) (int, error) {
	c, ok := store.CanonicalID(identityID)
	if !ok {
		return 0, nil
	}
	where, args := `identity_id = $1 AND active`, []any{c, ts(at)}
	if e, ok := store.CanonicalID(except); ok {
		where += ` AND id <> $3`
		args = append(args, e)
	}
	n, _, err := x.changeSession(ctx, "revoke sessions", `active = false, updated_at = $2`, where, args...)
	return n, err
}

// SessionsInvalidatedSince returns the invalidations recorded at or after since, by the
// database's clock, and that clock's reading taken before the query.
func (x *IdentityStore) SessionsInvalidatedSince(ctx context.Context, since time.Time) ([]store.SessionInvalidation, time.Time, error) {
	var out []store.SessionInvalidation
	var now time.Time
	err := x.s.readCommitted(ctx, "session invalidations", func(ctx context.Context, q querier) error {
		if err := q.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&now); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT coalesce(session_id::text, ''), identity_id::text, invalidated_at
			FROM ward_session_invalidations WHERE invalidated_at >= $1 ORDER BY invalidated_at`, since)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.SessionInvalidation, error) {
			var v store.SessionInvalidation
			err := row.Scan(&v.SessionID, &v.IdentityID, &v.At)
			return v, err
		})
		return err
	})
	return out, now, err
}

// DeleteExpiredSessions deletes expired sessions and old invalidations, a batch per statement.
func (x *IdentityStore) DeleteExpiredSessions(ctx context.Context, before time.Time) (int, error) {
	n, err := x.deleteExpired(ctx, "ward_sessions", "expires_at", before)
	if err != nil {
		return n, err
	}
	m, err := x.deleteExpired(ctx, "ward_session_invalidations", "invalidated_at", before)
	return n + m, err
}

// deleteExpired deletes the rows of table whose column is before before, deleteBatch rows per
// statement, and returns how many.
func (x *IdentityStore) deleteExpired(ctx context.Context, table, column string, before time.Time) (int, error) {
	q := `DELETE FROM ` + table + ` WHERE id IN (SELECT id FROM ` + table + ` WHERE ` + column + ` < $1 LIMIT $2)`
	total := 0
	for {
		n, err := x.records.exec(ctx, "delete expired", q, before, deleteBatch)
		total += n
		if err != nil || n < deleteBatch {
			return total, err
		}
	}
}

func errNoSession(id string) error { return fault.New(fault.NotFound, "session %q not found", id) }
