package sql

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wardhq/ward/fault"
)

// retry runs op until it succeeds, fails permanently, or the retry budget is spent, backing off
// exponentially with jitter between attempts. A transient failure that outlasts the budget becomes
// Unavailable.
func (s *Store) retry(ctx context.Context, what string, op func(context.Context) error) error {
	if s.closed.Load() {
		return fault.Wrap(fault.Unavailable, errClosed, "the store is closed")
	}
	deadline := time.Now().Add(s.cfg.retryBudget)
	backoff := 10 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil || !transient(err) || ctx.Err() != nil {
			return classify(err)
		}
		if time.Now().Add(backoff).After(deadline) {
			return fault.Wrap(fault.Unavailable, err, "the database is unavailable; retry later")
		}
		s.metrics.retries.Inc()
		s.log.WarnContext(ctx, "retrying after a transient database error", "operation", what, "attempt", attempt, "error", err)
		sleep := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-time.After(sleep):
		case <-ctx.Done():
			return ctx.Err()
		}
		// Capped low: a failover ends at an instant nobody announces, and writes should resume
		// within a fraction of a second of it.
		backoff = min(backoff*2, 250*time.Millisecond)
	}
}

// transient reports whether err is worth retrying: a lost or refused connection, a server going
// down or not yet up, a serialization failure or deadlock, or a read-only primary mid-failover.
func transient(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "40001", pgErr.Code == "40P01": // serialization failure, deadlock
			return true
		case strings.HasPrefix(pgErr.Code, "08"): // connection exception
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutdown, crash, starting up
			return true
		case pgErr.Code == "25006": // read-only transaction: the primary was demoted
			return true
		case strings.Contains(pgErr.Message, "cannot specify timestamp in the future"):
			// CockroachDB: a snapshot read on a node whose clock is behind the one that chose the
			// snapshot; clocks are within the cluster's maximum offset, so it is readable soon.
			return true
		}
		return false
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	// pgx reports a connection that died mid-query in several wrappings; their text is stable.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "connection reset") ||
		strings.Contains(msg, "broken pipe") || strings.Contains(msg, "unexpected EOF")
}

// classify keeps errors that are already classified and context errors, and marks database
// errors Internal with their cause.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if transient(err) {
		return fault.Wrap(fault.Unavailable, err, "the database is unavailable; retry later")
	}
	return fault.Wrap(fault.Internal, err, "database error")
}
