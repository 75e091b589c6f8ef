package sql

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// OAuth2Store is the [store.OAuth2Store] in the tables of migration 00002, on the primary of a
// [Store]: it shares the Store's pool, retry budget and lifetime (Close the Store, not this). Get
// it with [Store.OAuth2].
//
// These records have no revisions, and every read goes to the primary: a token revoked a moment
// ago must not be found on a replica that has not replayed the revocation. While the primary is
// away, the reads that introspection and client authentication need (tokens, revocations,
// clients, signing keys) go to the quorum node furthest along the WAL, if the Store has quorum
// nodes (WithQuorum): it holds every acknowledged commit. Steps that must be
// atomic lock rows: ConsumeToken locks the token's grant and then the token, and every
// revocation deletes a grant before its tokens, so the two cannot interleave, and locks are taken
// in one order (grant, then token) throughout. A zero time is stored as NULL.
type OAuth2Store struct {
	s *Store
}

var _ store.OAuth2Store = (*OAuth2Store)(nil)

// OAuth2 returns the OAuth2 server's store on s's primary.
func (s *Store) OAuth2() *OAuth2Store { return &OAuth2Store{s: s} }

// inTx runs fn in a transaction on the primary, retrying the whole transaction after transient
// failures, as Transact does. uncertain tells fn that an earlier attempt lost its connection
// during COMMIT, so that it may have taken effect: a step that is not idempotent can then
// recognize its own earlier write.
func (o *OAuth2Store) inTx(ctx context.Context, what string, fn func(ctx context.Context, tx pgx.Tx, uncertain bool) error) error {
	uncertain := false
	return o.s.retry(ctx, what, func(ctx context.Context) error {
		tx, err := o.s.primary.Begin(ctx)
		if err != nil {
			return err
		}
		defer rollback(ctx, tx) // a no-op after Commit
		if err := fn(ctx, tx, uncertain); err != nil {
			return err
		}
		err = tx.Commit(ctx)
		uncertain = uncertain || unanswered(err)
		return err
	})
}

// exec runs one statement on the primary with retries and returns how many rows it affected.
func (o *OAuth2Store) exec(ctx context.Context, what, sql string, args ...any) (int, error) {
	n, _, err := o.execUncertain(ctx, what, sql, args...)
	return n, err
}

// execUncertain is exec that also reports whether an earlier attempt lost its connection with the
// statement sent, so that it may have taken effect.
func (o *OAuth2Store) execUncertain(ctx context.Context, what, sql string, args ...any) (int, bool, error) {
	var n int64
	uncertain := false
	err := o.s.retry(ctx, what, func(ctx context.Context) error {
		tag, err := o.s.primary.Exec(ctx, sql, args...)
		n = tag.RowsAffected()
		uncertain = uncertain || unanswered(err) && !pgconn.SafeToRetry(err)
		return err
	})
	return int(n), uncertain, err
}

// insert runs an INSERT with retries and reports a unique violation as duplicate, unless an
// earlier attempt may have inserted the row itself: the keys the domain inserts are random, so
// the row found is then this call's own.
func (o *OAuth2Store) insert(ctx context.Context, what, sql string, args ...any) (duplicate bool, err error) {
	_, uncertain, err := o.execUncertain(ctx, what, sql, args...)
	if isUnique(err) {
		return !uncertain, nil
	}
	return false, err
}

// unanswered reports whether err is a failure without an answer from the server (a lost
// connection), after which whether the statement or COMMIT took effect is unknown. An error the
// server sent, such as a serialization failure, means it did not.
func unanswered(err error) bool {
	var pgErr *pgconn.PgError
	return err != nil && !errors.As(err, &pgErr)
}

// isUnique reports whether err is a unique violation.
func isUnique(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// ts is a time as a column value: NULL when zero.
func ts(t time.Time) pgtype.Timestamptz { return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()} }

// tm is a scanned time column: zero when NULL.
func tm(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time
}

const clientColumns = `id, secret_hash, name, redirect_uris, post_logout_redirect_uris, grant_types, response_types,
	scopes, audiences, auth_method, jwks, access_token_format, created_at, updated_at`

func scanClient(row pgx.Row) (*store.OAuth2Client, error) {
	var c store.OAuth2Client
	var created, updated pgtype.Timestamptz
	err := row.Scan(&c.ID, &c.SecretHash, &c.Name, &c.RedirectURIs, &c.PostLogoutRedirectURIs, &c.GrantTypes,
		&c.ResponseTypes, &c.Scopes, &c.Audiences, &c.AuthMethod, &c.JWKS, &c.AccessTokenFormat, &created, &updated)
	c.CreatedAt, c.UpdatedAt = tm(created), tm(updated)
	return &c, err
}

// CreateClient stores c.
func (o *OAuth2Store) CreateClient(ctx context.Context, c *store.OAuth2Client) error {
	dup, err := o.insert(ctx, "create client", `INSERT INTO ward_oauth2_clients (`+clientColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		c.ID, c.SecretHash, c.Name, c.RedirectURIs, c.PostLogoutRedirectURIs, c.GrantTypes, c.ResponseTypes,
		c.Scopes, c.Audiences, c.AuthMethod, c.JWKS, c.AccessTokenFormat, ts(c.CreatedAt), ts(c.UpdatedAt))
	if dup {
		return fault.New(fault.AlreadyExists, "client %q already exists", c.ID)
	}
	return err
}

// GetClient returns the client with this ID.
func (o *OAuth2Store) GetClient(ctx context.Context, id string) (*store.OAuth2Client, error) {
	var c *store.OAuth2Client
	err := o.s.readCommitted(ctx, "get client", func(ctx context.Context, q querier) error {
		var err error
		c, err = scanClient(q.QueryRow(ctx, `SELECT `+clientColumns+` FROM ward_oauth2_clients WHERE id = $1`, id))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNoClient(id)
	}
	return c, err
}

// ListClients returns the clients after after, in ID order.
func (o *OAuth2Store) ListClients(ctx context.Context, after string, limit int) ([]*store.OAuth2Client, error) {
	q := `SELECT ` + clientColumns + ` FROM ward_oauth2_clients WHERE id > $1 ORDER BY id`
	args := []any{after}
	if limit > 0 {
		q += ` LIMIT $2`
		args = append(args, limit)
	}
	var out []*store.OAuth2Client
	err := o.s.retry(ctx, "list clients", func(ctx context.Context) error {
		rows, err := o.s.primary.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.OAuth2Client, error) { return scanClient(row) })
		return err
	})
	return out, err
}

// UpdateClient replaces the client with ID c.ID, keeping its CreatedAt.
func (o *OAuth2Store) UpdateClient(ctx context.Context, c *store.OAuth2Client) error {
	n, err := o.exec(ctx, "update client", `UPDATE ward_oauth2_clients SET secret_hash = $2, name = $3,
			redirect_uris = $4, post_logout_redirect_uris = $5, grant_types = $6, response_types = $7, scopes = $8,
			audiences = $9, auth_method = $10, jwks = $11, access_token_format = $12, updated_at = $13
		WHERE id = $1`,
		c.ID, c.SecretHash, c.Name, c.RedirectURIs, c.PostLogoutRedirectURIs, c.GrantTypes, c.ResponseTypes,
		c.Scopes, c.Audiences, c.AuthMethod, c.JWKS, c.AccessTokenFormat, ts(c.UpdatedAt))
	if err == nil && n == 0 {
		return errNoClient(c.ID)
	}
	return err
}

// DeleteClient removes the client with its grants, tokens, consents and device authorizations.
func (o *OAuth2Store) DeleteClient(ctx context.Context, id string) error {
	return o.inTx(ctx, "delete client", func(ctx context.Context, tx pgx.Tx, _ bool) error {
		tag, err := tx.Exec(ctx, `DELETE FROM ward_oauth2_clients WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errNoClient(id)
		}
		if _, err := revokeGrants(ctx, tx, `client_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM ward_oauth2_consents WHERE client_id = $1`, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM ward_oauth2_devices WHERE client_id = $1`, id)
		return err
	})
}

func errNoClient(id string) error { return fault.New(fault.NotFound, "client %q not found", id) }

// CreateSigningKey stores k.
func (o *OAuth2Store) CreateSigningKey(ctx context.Context, k *store.SigningKey) error {
	dup, err := o.insert(ctx, "create signing key", `INSERT INTO ward_oauth2_signing_keys
			(id, algorithm, private_key, created_at, retired_at, publish_until) VALUES ($1, $2, $3, $4, $5, $6)`,
		k.ID, k.Algorithm, k.PrivateKey, ts(k.CreatedAt), ts(k.RetiredAt), ts(k.PublishUntil))
	if dup {
		return fault.New(fault.AlreadyExists, "signing key %q already exists", k.ID)
	}
	return err
}

// ListSigningKeys returns every key, newest first.
func (o *OAuth2Store) ListSigningKeys(ctx context.Context) ([]*store.SigningKey, error) {
	var out []*store.SigningKey
	err := o.s.readCommitted(ctx, "list signing keys", func(ctx context.Context, q querier) error {
		rows, err := q.Query(ctx, `SELECT id, algorithm, private_key, created_at, retired_at, publish_until
			FROM ward_oauth2_signing_keys ORDER BY created_at IS NULL, created_at DESC, id DESC`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.SigningKey, error) {
			var k store.SigningKey
			var created, retired, until pgtype.Timestamptz
			err := row.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &created, &retired, &until)
			k.CreatedAt, k.RetiredAt, k.PublishUntil = tm(created), tm(retired), tm(until)
			return &k, err
		})
		return err
	})
	return out, err
}

// RetireSigningKey marks the key retired.
func (o *OAuth2Store) RetireSigningKey(ctx context.Context, id string, at, publishUntil time.Time) error {
	return o.inTx(ctx, "retire signing key", func(ctx context.Context, tx pgx.Tx, _ bool) error {
		var retired pgtype.Timestamptz
		err := tx.QueryRow(ctx, `SELECT retired_at FROM ward_oauth2_signing_keys WHERE id = $1 FOR UPDATE`, id).Scan(&retired)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return fault.New(fault.NotFound, "signing key %q not found", id)
		case err != nil:
			return err
		case retired.Valid:
			return fault.New(fault.FailedPrecondition, "signing key %q is retired already", id)
		}
		_, err = tx.Exec(ctx, `UPDATE ward_oauth2_signing_keys SET retired_at = $2, publish_until = $3 WHERE id = $1`,
			id, ts(at), ts(publishUntil))
		return err
	})
}

// ReplaceSigningKeyPrivateKey sets the key's private part to to when it is from.
func (o *OAuth2Store) ReplaceSigningKeyPrivateKey(ctx context.Context, id string, from, to []byte) error {
	return o.inTx(ctx, "replace signing key", func(ctx context.Context, tx pgx.Tx, _ bool) error {
		var stored []byte
		err := tx.QueryRow(ctx, `SELECT private_key FROM ward_oauth2_signing_keys WHERE id = $1 FOR UPDATE`, id).Scan(&stored)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return fault.New(fault.NotFound, "signing key %q not found", id)
		case err != nil:
			return err
		case !bytes.Equal(stored, from):
			return fault.New(fault.FailedPrecondition, "signing key %q has changed", id)
		}
		_, err = tx.Exec(ctx, `UPDATE ward_oauth2_signing_keys SET private_key = $2 WHERE id = $1`, id, to)
		return err
	})
}

// DeleteSigningKeys deletes retired keys published until before before.
func (o *OAuth2Store) DeleteSigningKeys(ctx context.Context, before time.Time) (int, error) {
	return o.exec(ctx, "delete signing keys",
		`DELETE FROM ward_oauth2_signing_keys WHERE retired_at IS NOT NULL AND publish_until < $1`, before)
}
