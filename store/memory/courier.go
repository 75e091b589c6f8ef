package memory

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// CourierStore is the in-memory [store.CourierStore]: the courier's queue of one process. Make
// one with [NewCourierStore].
type CourierStore struct {
	mu       sync.Mutex
	messages map[string]*store.CourierMessage
	// pending holds the messages that may become due (queued or processing), so that a claim
	// does not scan those already sent or abandoned.
	pending map[string]*store.CourierMessage
}

var _ store.CourierStore = (*CourierStore)(nil)

// NewCourierStore returns an empty courier store.
func NewCourierStore() *CourierStore {
	return &CourierStore{messages: map[string]*store.CourierMessage{}, pending: map[string]*store.CourierMessage{}}
}

// EnqueueMessage stores m as queued.
func (s *CourierStore) EnqueueMessage(_ context.Context, m *store.CourierMessage) error {
	c, err := store.NewCourierMessage(m)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.messages[c.ID]; ok {
		return fault.New(fault.AlreadyExists, "the message %s exists", c.ID)
	}
	s.messages[c.ID] = c
	s.pending[c.ID] = c
	return nil
}

// ClaimMessages leases up to limit due messages, oldest due first.
func (s *CourierStore) ClaimMessages(_ context.Context, now time.Time, lease time.Duration, limit int) ([]*store.CourierMessage, error) {
	if limit < 1 {
		return nil, fault.Invalid("limit", "claim at least one message, not %d", limit)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []*store.CourierMessage
	for _, m := range s.pending {
		if !m.DueAt.After(now) {
			due = append(due, m)
		}
	}
	slices.SortFunc(due, func(a, b *store.CourierMessage) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
	})
	due = due[:min(limit, len(due))]
	out := make([]*store.CourierMessage, len(due))
	for i, m := range due {
		m.Status = store.CourierProcessing
		m.DueAt = now.Add(lease)
		m.Claim = uuid.NewString()
		m.SendCount++
		m.UpdatedAt = now
		out[i] = m.Clone()
	}
	return out, nil
}

// MarkMessageSent sets the message sent.
func (s *CourierStore) MarkMessageSent(_ context.Context, id, claim string, at time.Time) error {
	return s.finish(id, claim, store.CourierSent, store.DispatchSuccess, "", at, time.Time{})
}

// RetryMessage queues the message again, due at retryAt.
func (s *CourierStore) RetryMessage(_ context.Context, id, claim, reason string, at, retryAt time.Time) error {
	return s.finish(id, claim, store.CourierQueued, store.DispatchFailed, reason, at, retryAt)
}

// AbandonMessage sets the message abandoned.
func (s *CourierStore) AbandonMessage(_ context.Context, id, claim, reason string, at time.Time) error {
	dispatch := store.DispatchFailed
	if reason == "" {
		dispatch = ""
	}
	return s.finish(id, claim, store.CourierAbandoned, dispatch, reason, at, time.Time{})
}

// finish ends the lease claim of message id: it moves the message to status, due at dueAt, and
// appends a dispatch of this status ("" for none).
func (s *CourierStore) finish(id, claim string, status store.CourierStatus, dispatch, reason string, at, dueAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, _ := store.CanonicalID(id)
	m, ok := s.messages[key]
	switch {
	case !ok:
		return fault.New(fault.NotFound, "no courier message %s", id)
	case m.Status != store.CourierProcessing || m.Claim != claim:
		return fault.New(fault.FailedPrecondition, "the lease of courier message %s is not %s: it ended, and the message was claimed again or finished", id, claim)
	}
	if dispatch != "" {
		m.Dispatches = append(m.Dispatches, store.CourierDispatch{ID: uuid.NewString(), Status: dispatch, Error: reason, CreatedAt: at})
	}
	m.Status, m.DueAt, m.Claim, m.UpdatedAt = status, dueAt, "", at
	if status != store.CourierQueued {
		delete(s.pending, key)
	}
	return nil
}

// GetMessage returns the message with this ID.
func (s *CourierStore) GetMessage(_ context.Context, id string) (*store.CourierMessage, error) {
	key, ok := store.CanonicalID(id)
	if !ok {
		return nil, fault.Invalid("id", "%q is not a UUID", id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[key]
	if !ok {
		return nil, fault.New(fault.NotFound, "no courier message %s", id)
	}
	return m.Clone(), nil
}

// ListMessages returns the messages f selects, newest first, after the message after.
func (s *CourierStore) ListMessages(_ context.Context, f store.CourierFilter, after string, limit int) ([]*store.CourierMessage, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, fault.Invalid("status", "%q is not a message status", f.Status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var start *store.CourierMessage
	if after != "" {
		key, ok := store.CanonicalID(after)
		if !ok {
			return nil, fault.Invalid("page_token", "%q is not a UUID", after)
		}
		if start = s.messages[key]; start == nil {
			return nil, fault.Invalid("page_token", "no message %s to continue after", after)
		}
	}
	var out []*store.CourierMessage
	for _, m := range s.messages {
		if f.Matches(m) && (start == nil || newestFirst(m, start) > 0) {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, newestFirst)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	for i, m := range out {
		out[i] = m.Clone()
	}
	return out, nil
}

// newestFirst orders messages by CreatedAt, then ID, both descending.
func newestFirst(a, b *store.CourierMessage) int {
	return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
}
