package sql

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// UseAssertionID records a client assertion's ID in ward_oauth2_assertions (migration 00003) with
// one statement: it inserts the key, or takes over a row whose assertion expired before now, and
// affects no row when a live one holds the key, which is a replay. Atomic on PostgreSQL and
// CockroachDB alike: the primary key decides between concurrent uses.
func (o *OAuth2Store) UseAssertionID(ctx context.Context, clientID, jti string, expiresAt, now time.Time) error {
	key := store.AssertionKey(clientID, jti)
	var attempt pgtype.UUID
	rand.Read(attempt.Bytes[:]) // never fails (crypto/rand, Go 1.24+)
	attempt.Valid = true
	n, uncertain, err := o.execUncertain(ctx, "use assertion ID", `INSERT INTO ward_oauth2_assertions (key, expires_at, attempt)
		VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, attempt = excluded.attempt
		WHERE ward_oauth2_assertions.expires_at < $4`, key[:], expiresAt, attempt, now)
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	if uncertain { // an earlier attempt may have written the row before its connection was lost
		var got pgtype.UUID
		err := o.s.retry(ctx, "read assertion ID", func(ctx context.Context) error {
			return o.s.primary.QueryRow(ctx, `SELECT attempt FROM ward_oauth2_assertions WHERE key = $1`, key[:]).Scan(&got)
		})
		if err == nil && got == attempt {
			return nil
		}
	}
	return fault.Wrap(fault.AlreadyExists, store.ErrAssertionReplayed, "the client assertion was used already")
}
