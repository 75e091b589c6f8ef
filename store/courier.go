package store

import (
	"context"
	"slices"
	"time"

	"github.com/wardhq/ward/fault"
)

// CourierStore keeps the identity service's outgoing messages (recovery and verification codes,
// one-time login codes) until the courier has delivered them, in the manner of Kratos's courier
// queue. The courier domain package renders the messages and talks to the mail server; the store
// makes sure each due message goes to one sender at a time and that none is lost.
//
// Delivery is at least once. [CourierStore.ClaimMessages] leases due messages to one caller: the
// lease's claim token is what the later MarkMessageSent, RetryMessage and AbandonMessage must
// present, and until the lease ends no other caller is given those messages. A caller that dies
// mid-send leaves its messages "processing"; once the lease has ended they are due again and
// another caller claims them, so that a crash may send a message twice and never drops one.
//
// Errors carry fault codes: InvalidArgument (naming the field) for a message the store cannot
// keep or a filter it cannot read, NotFound for a missing message, AlreadyExists for a taken ID,
// FailedPrecondition when the claim token is not the message's current lease (the lease ended and
// another caller claimed the message, or it is no longer processing), Unavailable once the
// store's retries of a transient failure are spent. Times are the caller's clock: the store never
// reads its own.
type CourierStore interface {
	// EnqueueMessage stores m as queued, due at m.DueAt (m.CreatedAt when zero), with no sends
	// and no dispatches; m.Status, m.SendCount, m.Claim and m.Dispatches are ignored.
	// InvalidArgument when m.ID is not a UUID, m.Recipient, m.Type or m.TemplateType is empty or
	// m.CreatedAt is zero; AlreadyExists when m.ID is taken.
	EnqueueMessage(ctx context.Context, m *CourierMessage) error
	// ClaimMessages leases up to limit (at least 1) messages that are due at now — queued with DueAt at or
	// before now, or processing under a lease that ended at or before now — to the caller, oldest
	// due first: each is returned processing, with DueAt now+lease (when the lease ends), a new
	// Claim token, SendCount one more than before and UpdatedAt now. Of concurrent callers, on any
	// nodes, each message goes to one. It returns no messages and no error when none is due, and
	// InvalidArgument when limit is less than 1. The messages are returned in no particular order.
	ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*CourierMessage, error)
	// MarkMessageSent sets the message sent, appends a successful dispatch at at, and ends its
	// lease. FailedPrecondition unless claim is its current lease.
	MarkMessageSent(ctx context.Context, id, claim string, at time.Time) error
	// RetryMessage records a failed attempt: it appends a failed dispatch with error reason at at,
	// and queues the message again, due at retryAt. FailedPrecondition unless claim is its current
	// lease.
	RetryMessage(ctx context.Context, id, claim, reason string, at, retryAt time.Time) error
	// AbandonMessage gives up on the message: it appends a failed dispatch with error reason at
	// at (unless reason is "") and sets it abandoned, never to be claimed again.
	// FailedPrecondition unless claim is its current lease.
	AbandonMessage(ctx context.Context, id, claim, reason string, at time.Time) error
	// GetMessage returns the message with this ID, or NotFound. InvalidArgument when id is not a
	// UUID.
	GetMessage(ctx context.Context, id string) (*CourierMessage, error)
	// ListMessages returns up to limit messages (all when limit ≤ 0) that f selects, newest first
	// (by CreatedAt, then by ID, both descending), starting after the message with ID after (""
	// to start): keyset pagination, where the next page starts after the last ID returned.
	// InvalidArgument when after is not a UUID or names no message, or f.Status is not a status.
	ListMessages(ctx context.Context, f CourierFilter, after string, limit int) ([]*CourierMessage, error)
}

// CourierStatus is where a message is in its delivery, as Kratos names it.
type CourierStatus string

// The statuses of a courier message.
const (
	CourierQueued     CourierStatus = "queued"     // waiting until DueAt
	CourierProcessing CourierStatus = "processing" // leased to a sender until DueAt
	CourierSent       CourierStatus = "sent"       // delivered to the mail server
	CourierAbandoned  CourierStatus = "abandoned"  // given up on after too many attempts
)

// Valid reports whether s is one of the four statuses.
func (s CourierStatus) Valid() bool {
	switch s {
	case CourierQueued, CourierProcessing, CourierSent, CourierAbandoned:
		return true
	}
	return false
}

// CourierMessage is one outgoing message, rendered: the store keeps its text as given.
type CourierMessage struct {
	ID     string // a UUID the domain chooses
	Status CourierStatus
	// Type is the channel ("email").
	Type      string
	Recipient string
	Subject   string
	// Body is the plain text body; HTMLBody the HTML alternative, "" when none.
	Body         string
	HTMLBody     string
	TemplateType string // the template it was rendered from, such as "recovery_code_valid"
	// SendCount is how many times the message was claimed for sending.
	SendCount int
	// DueAt is when a queued message may be claimed, or when a processing message's lease
	// ends; zero for a sent or abandoned one.
	DueAt time.Time
	// Claim is the token of the current lease, "" when not processing.
	Claim string
	// Dispatches are the recorded attempts, oldest first.
	Dispatches []CourierDispatch
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// CourierDispatch is one recorded attempt to deliver a message.
type CourierDispatch struct {
	ID string // a UUID the store chooses
	// Status is "success" or "failed".
	Status string
	// Error is why the attempt failed; "" on success.
	Error     string
	CreatedAt time.Time
}

// The statuses of a [CourierDispatch], as Kratos names them.
const (
	DispatchSuccess = "success"
	DispatchFailed  = "failed"
)

// CourierFilter selects messages to list. Its zero value selects all.
type CourierFilter struct {
	// Status, when not "", selects the messages in this status.
	Status CourierStatus
	// Recipient, when not "", selects the messages to exactly this recipient.
	Recipient string
}

// Matches reports whether m passes f.
func (f CourierFilter) Matches(m *CourierMessage) bool {
	return (f.Status == "" || f.Status == m.Status) && (f.Recipient == "" || f.Recipient == m.Recipient)
}

// NewCourierMessage returns the message EnqueueMessage stores for m: a copy with the canonical
// form of its ID, queued, with no sends, claim or dispatches, or the InvalidArgument error that
// refuses it. Both implementations use it, so that they refuse the same messages.
func NewCourierMessage(m *CourierMessage) (*CourierMessage, error) {
	id, ok := CanonicalID(m.ID)
	switch {
	case !ok:
		return nil, fault.Invalid("id", "the message ID %q is not a UUID", m.ID)
	case m.Recipient == "":
		return nil, fault.Invalid("recipient", "a message needs a recipient")
	case m.Type == "":
		return nil, fault.Invalid("type", "a message needs a type")
	case m.TemplateType == "":
		return nil, fault.Invalid("template_type", "a message needs a template type")
	case m.CreatedAt.IsZero():
		return nil, fault.Invalid("created_at", "a message needs its creation time")
	}
	c := *m
	c.ID = id
	c.Status = CourierQueued
	c.SendCount = 0
	c.Claim = ""
	c.Dispatches = nil
	if c.DueAt.IsZero() {
		c.DueAt = c.CreatedAt
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	return &c, nil
}

// Clone returns a deep copy of m.
func (m *CourierMessage) Clone() *CourierMessage {
	c := *m
	c.Dispatches = slices.Clone(m.Dispatches)
	return &c
}
