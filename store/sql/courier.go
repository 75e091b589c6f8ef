package sql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// CourierStore is the [store.CourierStore] in the table of migration 00005, on the primary of a
// [Store]: it shares the Store's pool, retry budget and lifetime (Close the Store, not this). Get
// it with [Store.Courier].
//
// A claim is one statement: it selects the due messages FOR UPDATE SKIP LOCKED, so that
// concurrent claims on any nodes pass over each other's rows instead of waiting for them, and
// sets them processing under a new claim token in the same statement. A claim whose answer was
// lost with its connection leaves its messages processing until the lease ends, when they are due
// again: delayed, never lost. Each dispatch gets an ID chosen here, by which a finishing step
// whose COMMIT lost its connection recognizes its own write on retry.
type CourierStore struct {
	s       *Store
	records *OAuth2Store
}

var _ store.CourierStore = (*CourierStore)(nil)

// Courier returns the courier's store on s's primary.
func (s *Store) Courier() *CourierStore { return &CourierStore{s: s, records: s.OAuth2()} }

const courierColumns = `id::text, status, type, recipient, subject, body, html_body, template_type, send_count,
	due_at, coalesce(claim::text, ''), dispatches, created_at, updated_at`

// dispatchJSON is a dispatch as an element of the dispatches column.
type dispatchJSON struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	Error     string    `json:"error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

func scanCourierMessage(row pgx.Row) (*store.CourierMessage, error) {
	var m store.CourierMessage
	var status string
	var due pgtype.Timestamptz
	var dispatches []byte
	err := row.Scan(&m.ID, &status, &m.Type, &m.Recipient, &m.Subject, &m.Body, &m.HTMLBody, &m.TemplateType,
		&m.SendCount, &due, &m.Claim, &dispatches, &m.CreatedAt, &m.UpdatedAt)
	if err != nil {
		return nil, err
	}
	m.Status, m.DueAt = store.CourierStatus(status), tm(due)
	var ds []dispatchJSON
	if err := json.Unmarshal(dispatches, &ds); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "a stored courier message cannot be read")
	}
	for _, d := range ds {
		m.Dispatches = append(m.Dispatches, store.CourierDispatch(d))
	}
	return &m, nil
}

// EnqueueMessage stores m as queued.
func (c *CourierStore) EnqueueMessage(ctx context.Context, m *store.CourierMessage) error {
	n, err := store.NewCourierMessage(m)
	if err != nil {
		return err
	}
	dup, err := c.records.insert(ctx, "enqueue courier message", `INSERT INTO ward_courier_messages
		(id, status, type, recipient, subject, body, html_body, template_type, send_count, due_at, claim, dispatches, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, NULL, '[]', $10, $11)`,
		n.ID, string(n.Status), n.Type, n.Recipient, n.Subject, n.Body, n.HTMLBody, n.TemplateType, n.DueAt, n.CreatedAt, n.UpdatedAt)
	if dup {
		return fault.New(fault.AlreadyExists, "the message %s exists", n.ID)
	}
	return err
}

// ClaimMessages leases up to limit due messages, oldest due first, skipping those that
// concurrent claims hold locked.
func (c *CourierStore) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*store.CourierMessage, error) {
	if limit < 1 {
		return nil, fault.Invalid("limit", "claim at least one message, not %d", limit)
	}
	var out []*store.CourierMessage
	err := c.s.retry(ctx, "claim courier messages", func(ctx context.Context) error {
		rows, err := c.s.primary.Query(ctx, `WITH due AS (
				SELECT id AS due_id FROM ward_courier_messages
				WHERE status IN ('queued', 'processing') AND due_at <= $1
				ORDER BY due_at LIMIT $2
				FOR UPDATE SKIP LOCKED)
			UPDATE ward_courier_messages AS m
			SET status = 'processing', due_at = $3, claim = gen_random_uuid(), send_count = m.send_count + 1, updated_at = $1
			FROM due WHERE m.id = due.due_id
			RETURNING `+courierColumns, now, limit, now.Add(lease))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.CourierMessage, error) { return scanCourierMessage(row) })
		return err
	})
	return out, err
}

// MarkMessageSent sets the message sent.
func (c *CourierStore) MarkMessageSent(ctx context.Context, id, claim string, at time.Time) error {
	return c.finish(ctx, "mark courier message sent", id, claim, store.CourierSent, store.DispatchSuccess, "", at, time.Time{})
}

// RetryMessage queues the message again, due at retryAt.
func (c *CourierStore) RetryMessage(ctx context.Context, id, claim, reason string, at, retryAt time.Time) error {
	return c.finish(ctx, "retry courier message", id, claim, store.CourierQueued, store.DispatchFailed, reason, at, retryAt)
}

// AbandonMessage sets the message abandoned.
func (c *CourierStore) AbandonMessage(ctx context.Context, id, claim, reason string, at time.Time) error {
	dispatch := store.DispatchFailed
	if reason == "" {
		dispatch = ""
	}
	return c.finish(ctx, "abandon courier message", id, claim, store.CourierAbandoned, dispatch, reason, at, time.Time{})
}

// finish ends the lease claim of message id in one statement: it moves the message to status,
// due at dueAt, and appends a dispatch of this status ("" for none).
func (c *CourierStore) finish(ctx context.Context, what, id, claim string, status store.CourierStatus, dispatch, reason string, at, dueAt time.Time) error {
	key, ok := store.CanonicalID(id)
	if !ok {
		return fault.New(fault.NotFound, "no courier message %s", id)
	}
	claimKey, ok := store.CanonicalID(claim)
	if !ok {
		return errLeaseLost(key, claim)
	}
	appended, dispatchID := []byte("[]"), ""
	if dispatch != "" {
		dispatchID = uuid.NewString()
		appended, _ = json.Marshal([]dispatchJSON{{ID: dispatchID, Status: dispatch, Error: reason, CreatedAt: at}})
	}
	n, uncertain, err := c.records.execUncertain(ctx, what, `UPDATE ward_courier_messages
		SET status = $3, due_at = $4, claim = NULL, updated_at = $5, dispatches = dispatches || $6::jsonb
		WHERE id = $1 AND claim = $2 AND status = 'processing'`,
		key, claimKey, string(status), ts(dueAt), at, string(appended))
	if err != nil || n == 1 {
		return err
	}
	m, err := c.GetMessage(ctx, key)
	switch {
	case err != nil:
		return err
	case uncertain && m.Status == status && (dispatchID == "" && m.Claim == "" ||
		len(m.Dispatches) > 0 && m.Dispatches[len(m.Dispatches)-1].ID == dispatchID):
		return nil // an earlier attempt of this call wrote it before its connection was lost
	}
	return errLeaseLost(key, claim)
}

func errLeaseLost(id, claim string) error {
	return fault.New(fault.FailedPrecondition, "the lease of courier message %s is not %s: it ended, and the message was claimed again or finished", id, claim)
}

// GetMessage returns the message with this ID.
func (c *CourierStore) GetMessage(ctx context.Context, id string) (*store.CourierMessage, error) {
	key, ok := store.CanonicalID(id)
	if !ok {
		return nil, fault.Invalid("id", "%q is not a UUID", id)
	}
	var m *store.CourierMessage
	err := c.s.retry(ctx, "get courier message", func(ctx context.Context) error {
		var err error
		m, err = scanCourierMessage(c.s.primary.QueryRow(ctx, `SELECT `+courierColumns+` FROM ward_courier_messages WHERE id = $1`, key))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.New(fault.NotFound, "no courier message %s", id)
	}
	return m, err
}

// ListMessages returns the messages f selects, newest first, after the message after.
func (c *CourierStore) ListMessages(ctx context.Context, f store.CourierFilter, after string, limit int) ([]*store.CourierMessage, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, fault.Invalid("status", "%q is not a message status", f.Status)
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if after != "" {
		key, ok := store.CanonicalID(after)
		if !ok {
			return nil, fault.Invalid("page_token", "%q is not a UUID", after)
		}
		start, err := c.GetMessage(ctx, key)
		if fault.CodeOf(err) == fault.NotFound {
			return nil, fault.Invalid("page_token", "no message %s to continue after", after)
		} else if err != nil {
			return nil, err
		}
		where = append(where, fmt.Sprintf("(created_at, id) < (%s, %s)", arg(start.CreatedAt), arg(key)))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(string(f.Status)))
	}
	if f.Recipient != "" {
		where = append(where, "recipient = "+arg(f.Recipient))
	}
	q := `SELECT ` + courierColumns + ` FROM ward_courier_messages`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY created_at DESC, id DESC`
	if limit > 0 {
		q += ` LIMIT ` + arg(limit)
	}
	var out []*store.CourierMessage
	err := c.s.retry(ctx, "list courier messages", func(ctx context.Context) error {
		rows, err := c.s.primary.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.CourierMessage, error) { return scanCourierMessage(row) })
		return err
	})
	return out, err
}
