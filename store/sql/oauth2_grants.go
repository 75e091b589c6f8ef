package sql

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// CreateGrant stores g and its tokens in one transaction.
func (o *OAuth2Store) CreateGrant(ctx context.Context, g *store.Grant, tokens ...*store.TokenRecord) error {
	return o.inTx(ctx, "create grant", func(ctx context.Context, tx pgx.Tx, uncertain bool) error {
		_, err := tx.Exec(ctx, `INSERT INTO ward_oauth2_grants
				(id, client_id, subject, scopes, audiences, auth_time, created_at, expires_at, session)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			g.ID, g.ClientID, g.Subject, g.Scopes, g.Audiences, ts(g.AuthTime), ts(g.CreatedAt), ts(g.ExpiresAt), g.Session)
		switch {
		case isUnique(err) && uncertain:
			return nil // the grant is this call's: its ID is random, and the earlier attempt committed
		case isUnique(err):
			return fault.New(fault.AlreadyExists, "grant %q already exists", g.ID)
		}
		if err != nil {
			return err
		}
		return insertTokens(ctx, tx, g.ID, tokens)
	})
}

// insertTokens stores tokens under grantID in one round trip.
func insertTokens(ctx context.Context, tx pgx.Tx, grantID string, tokens []*store.TokenRecord) error {
	if len(tokens) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, t := range tokens {
		b.Queue(`INSERT INTO ward_oauth2_tokens (kind, key, grant_id, issued_at, expires_at, used_at, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			int16(t.Kind), t.Key, grantID, ts(t.IssuedAt), ts(t.ExpiresAt), ts(t.UsedAt), t.Data)
	}
	res := tx.SendBatch(ctx, b)
	for _, t := range tokens {
		if _, err := res.Exec(); err != nil {
			res.Close()
			if isUnique(err) {
				return fault.New(fault.AlreadyExists, "a token of kind %v with this key already exists", t.Kind)
			}
			return err
		}
	}
	return res.Close()
}

// LookupToken returns the token and its grant. A token whose grant is gone is not found: the
// join hides tokens that a revocation's delete missed (see OAuth2Store).
func (o *OAuth2Store) LookupToken(ctx context.Context, kind store.TokenKind, key string) (*store.TokenRecord, *store.Grant, error) {
	t := &store.TokenRecord{Kind: kind, Key: key}
	g := &store.Grant{}
	err := o.s.readCommitted(ctx, "look up token", func(ctx context.Context, q querier) error {
		var issued, expires, used, authTime, created, grantExpires pgtype.Timestamptz
		err := q.QueryRow(ctx, `
			SELECT g.id, t.issued_at, t.expires_at, t.used_at, t.data,
				g.client_id, g.subject, g.scopes, g.audiences, g.auth_time, g.created_at, g.expires_at, g.session
			FROM ward_oauth2_tokens t JOIN ward_oauth2_grants g ON g.id = t.grant_id
			WHERE t.kind = $1 AND t.key = $2`, int16(kind), key).Scan(
			&g.ID, &issued, &expires, &used, &t.Data,
			&g.ClientID, &g.Subject, &g.Scopes, &g.Audiences, &authTime, &created, &grantExpires, &g.Session)
		t.IssuedAt, t.ExpiresAt, t.UsedAt = tm(issued), tm(expires), tm(used)
		g.AuthTime, g.CreatedAt, g.ExpiresAt = tm(authTime), tm(created), tm(grantExpires)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, errNoToken(kind)
	}
	if err != nil {
		return nil, nil, err
	}
	t.GrantID = g.ID
	return t, g, nil
}

// ConsumeToken marks the token used and stores next under its grant, or, on a second use,
// revokes the grant. It locks the grant first: a concurrent revocation of the grant, which
// deletes the grant before its tokens, then waits for this exchange and deletes its new tokens
// too, and a concurrent second exchange waits and sees the first.
func (o *OAuth2Store) ConsumeToken(ctx context.Context, kind store.TokenKind, key string, usedAt time.Time, next ...*store.TokenRecord) error {
	var replayed bool
	err := o.inTx(ctx, "consume token", func(ctx context.Context, tx pgx.Tx, uncertain bool) error {
		var err error
		replayed, err = consume(ctx, tx, kind, key, usedAt, next, uncertain)
		return err
	})
	if err == nil && replayed {
		return fault.New(fault.FailedPrecondition, "the %v was used already; its grant is revoked", kind)
	}
	return err
}

// consume is one attempt of ConsumeToken in tx. It reports a replay, whose revocation of the
// grant the caller commits before failing. uncertain says that an earlier attempt of the same
// call lost its connection during COMMIT: a token found used may have been used by that attempt.
func consume(ctx context.Context, tx pgx.Tx, kind store.TokenKind, key string, usedAt time.Time, next []*store.TokenRecord, uncertain bool) (replayed bool, err error) {
	var grantID string
	err = tx.QueryRow(ctx, `SELECT id FROM ward_oauth2_grants
		WHERE id = (SELECT grant_id FROM ward_oauth2_tokens WHERE kind = $1 AND key = $2) FOR UPDATE`,
		int16(kind), key).Scan(&grantID)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, errNoToken(kind)
	}
	if err != nil {
		return false, err
	}
	var used pgtype.Timestamptz
	err = tx.QueryRow(ctx, `SELECT used_at FROM ward_oauth2_tokens WHERE kind = $1 AND key = $2 AND grant_id = $3 FOR UPDATE`,
		int16(kind), key, grantID).Scan(&used)
	switch {
	case errors.Is(err, pgx.ErrNoRows): // revoked on its own meanwhile
		return false, errNoToken(kind)
	case err != nil:
		return false, err
	case used.Valid && uncertain:
		own, err := consumedBy(ctx, tx, grantID, used.Time, usedAt, next)
		if err != nil || own {
			return false, err // the earlier attempt committed before its connection was lost
		}
		fallthrough
	case used.Valid:
		_, err := revokeGrants(ctx, tx, `id = $1`, grantID)
		return err == nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE ward_oauth2_tokens SET used_at = $3 WHERE kind = $1 AND key = $2`,
		int16(kind), key, ts(usedAt)); err != nil {
		return false, err
	}
	return false, insertTokens(ctx, tx, grantID, next)
}

// consumedBy reports whether the token, used at used, was consumed by the call that would use it
// at usedAt and store next under grantID: whether next is stored under the grant, since their
// keys are new and random; without next, whether used is usedAt to the microsecond.
func consumedBy(ctx context.Context, tx pgx.Tx, grantID string, used, usedAt time.Time, next []*store.TokenRecord) (bool, error) {
	if len(next) == 0 {
		return used.Equal(usedAt.Truncate(time.Microsecond)), nil
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM ward_oauth2_tokens WHERE kind = $1 AND key = $2 AND grant_id = $3`,
		int16(next[0].Kind), next[0].Key, grantID).Scan(&n)
	return n == 1, err
}

// RevokeToken deletes the token and records its revocation, in one statement.
func (o *OAuth2Store) RevokeToken(ctx context.Context, kind store.TokenKind, key string) error {
	_, err := o.exec(ctx, "revoke token", `
		WITH d AS (DELETE FROM ward_oauth2_tokens WHERE kind = $1 AND key = $2 RETURNING grant_id)
		INSERT INTO ward_oauth2_revocations (grant_id, token_key) SELECT grant_id, $2 FROM d`, int16(kind), key)
	return err
}

// RevokeGrant deletes the grant and its tokens and records the revocation.
func (o *OAuth2Store) RevokeGrant(ctx context.Context, grantID string) error {
	return o.inTx(ctx, "revoke grant", func(ctx context.Context, tx pgx.Tx, _ bool) error {
		_, err := revokeGrants(ctx, tx, `id = $1`, grantID)
		return err
	})
}

// RevokeGrants revokes the grants of subject to clientID, or to any client when clientID is "".
func (o *OAuth2Store) RevokeGrants(ctx context.Context, subject, clientID string) (int, error) {
	var n int
	err := o.inTx(ctx, "revoke grants", func(ctx context.Context, tx pgx.Tx, _ bool) error {
		var err error
		if clientID == "" {
			n, err = revokeGrants(ctx, tx, `subject = $1`, subject)
		} else {
			n, err = revokeGrants(ctx, tx, `subject = $1 AND client_id = $2`, subject, clientID)
		}
		return err
	})
	return n, err
}

// revokeGrants deletes the grants that match where (a constant condition on ward_oauth2_grants
// with args), then their tokens, and records their revocation; it returns how many grants. The
// grants go first, in a statement of their own: deleting a grant waits for a ConsumeToken that
// holds its lock, and the tokens' delete, a later statement, then sees the tokens it added.
func revokeGrants(ctx context.Context, tx pgx.Tx, where string, args ...any) (int, error) {
	rows, err := tx.Query(ctx, `DELETE FROM ward_oauth2_grants WHERE `+where+` RETURNING id`, args...)
	if err != nil {
		return 0, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM ward_oauth2_tokens WHERE grant_id = ANY($1)`, ids)
	b.Queue(`INSERT INTO ward_oauth2_revocations (grant_id) SELECT unnest($1::text[])`, ids)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return 0, err
	}
	return len(ids), nil
}

// RevokedSince returns the revocations recorded at or after since, by the database's clock, and
// that clock's reading taken before the query.
func (o *OAuth2Store) RevokedSince(ctx context.Context, since time.Time) ([]store.Revocation, time.Time, error) {
	var out []store.Revocation
	var now time.Time
	err := o.s.readCommitted(ctx, "revocations", func(ctx context.Context, q querier) error {
		if err := q.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&now); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT grant_id, token_key, revoked_at FROM ward_oauth2_revocations
			WHERE revoked_at >= $1 ORDER BY revoked_at`, since)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Revocation, error) {
			var r store.Revocation
			err := row.Scan(&r.GrantID, &r.TokenKey, &r.At)
			return r, err
		})
		return err
	})
	return out, now, err
}

// deleteBatch is how many rows one transaction of DeleteExpired deletes at most: big deletes
// hold locks long on PostgreSQL and exceed transaction limits on CockroachDB.
const deleteBatch = 1000

// DeleteExpired deletes what expired before before, a batch per transaction.
func (o *OAuth2Store) DeleteExpired(ctx context.Context, before time.Time) (int, error) {
	total := 0
	// Grants with their tokens.
	for more := true; more; {
		var n int
		err := o.inTx(ctx, "delete expired grants", func(ctx context.Context, tx pgx.Tx, _ bool) error {
			n, more = 0, false
			rows, err := tx.Query(ctx, `DELETE FROM ward_oauth2_grants WHERE id IN
				(SELECT id FROM ward_oauth2_grants WHERE expires_at < $1 LIMIT $2) RETURNING id`, before, deleteBatch)
			if err != nil {
				return err
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil || len(ids) == 0 {
				return err
			}
			tag, err := tx.Exec(ctx, `DELETE FROM ward_oauth2_tokens WHERE grant_id = ANY($1)`, ids)
			n, more = len(ids)+int(tag.RowsAffected()), len(ids) == deleteBatch
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
	}
	for _, d := range []struct{ table, key, cond string }{
		{"ward_oauth2_tokens", "(kind, key)", "expires_at < $1"},
		{"ward_oauth2_revocations", "id", "revoked_at < $1"},
		{"ward_oauth2_flows", "id", "expires_at < $1"},
		{"ward_oauth2_consents", "(subject, client_id)", "expires_at < $1"},
		{"ward_oauth2_login_sessions", "id", "expires_at < $1"},
		{"ward_oauth2_devices", "device_code_key", "expires_at < $1"},
		{"ward_oauth2_assertions", "key", "expires_at < $1"},
	} {
		q := `DELETE FROM ` + d.table + ` WHERE ` + d.key + ` IN (SELECT ` + strings.Trim(d.key, "()") + ` FROM ` + d.table +
			` WHERE ` + d.cond + ` LIMIT $2)`
		for {
			n, err := o.exec(ctx, "delete expired", q, before, deleteBatch)
			total += n
			if err != nil {
				return total, err
			}
			if n < deleteBatch {
				break
			}
		}
	}
	return total, nil
}

func errNoToken(kind store.TokenKind) error { return fault.New(fault.NotFound, "no such %v", kind) }
