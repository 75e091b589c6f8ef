package courier

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/mail"
	"time"

	"github.com/google/uuid"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Config configures a [Courier].
type Config struct {
	// Templates override the built-in templates, by template type (such as
	// "recovery_code_valid"). None by default.
	Templates map[string]TemplateOverride
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
}

// Courier renders messages from templates and queues them in the store, and reads the queue for
// the admin API. It sends nothing itself: a [Worker] does, on this node or another. It is safe
// for concurrent use.
type Courier struct {
	st        store.CourierStore
	templates templates
	now       func() time.Time
}

// New returns the courier of st. The error says which template override is at fault: one of an
// unknown type, one whose URL cannot be loaded, one that does not parse.
func New(st store.CourierStore, cfg Config) (*Courier, error) {
	ts, err := parseTemplates(cfg.Templates)
	if err != nil {
		return nil, err
	}
	now := cfg.Clock
	if now == nil {
		now = time.Now
	}
	return &Courier{st: st, templates: ts, now: now}, nil
}

// Enqueue renders the email template of type template (one of [TemplateTypes]) for recipient
// with data, whose keys are those of Kratos's template models (see the built-in templates; "To"
// is set to recipient), and queues it. It returns the message's ID. InvalidArgument when the
// recipient is not an email address, the template type is unknown, or the template needs a key
// data lacks; the store's errors otherwise.
func (c *Courier) Enqueue(ctx context.Context, template string, recipient string, data map[string]any) (string, error) {
	addr, err := mail.ParseAddress(recipient)
	if err != nil || addr.Name != "" || addr.Address != recipient {
		return "", fault.Invalid("recipient", "%q is not an email address", recipient)
	}
	d := maps.Clone(data)
	if d == nil {
		d = map[string]any{}
	}
	d["To"] = recipient
	subject, plain, html, err := c.templates.render(template, d)
	if err != nil {
		return "", fault.Invalid("template", "%v", err)
	}
	now := c.now()
	m := &store.CourierMessage{
		ID: uuid.NewString(), Type: "email", Recipient: recipient, Subject: subject, Body: plain, HTMLBody: html,
		TemplateType: template, DueAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if err := c.st.EnqueueMessage(ctx, m); err != nil {
		return "", fmt.Errorf("queueing the %s message: %w", template, err)
	}
	return m.ID, nil
}

// GetMessage returns the message with this ID: NotFound when there is none, InvalidArgument when
// id is not a UUID.
func (c *Courier) GetMessage(ctx context.Context, id string) (*Message, error) {
	m, err := c.st.GetMessage(ctx, id)
	if err != nil {
		return nil, err
	}
	return fromStore(m), nil
}

// Defaults and bounds of [ListParams].
const (
	DefaultListPageSize = 250
	MaxListPageSize     = 1000
)

// ListParams selects a page of messages (GET /admin/courier/messages).
type ListParams struct {
	// PageSize is the most messages a page holds: default DefaultListPageSize, at most
	// MaxListPageSize.
	PageSize int
	// PageToken is the token of the previous page's next page; "" for the first.
	PageToken string
	// Status, when not "", selects the messages in this status: queued, processing, sent or
	// abandoned.
	Status string
	// Recipient, when not "", selects the messages to this address.
	Recipient string
}

// ListMessages returns a page of messages, newest first, and the token of the next page ("" on
// the last). InvalidArgument names a bad page size, page token or status.
func (c *Courier) ListMessages(ctx context.Context, p ListParams) ([]*Message, string, error) {
	size := p.PageSize
	switch {
	case size == 0:
		size = DefaultListPageSize
	case size < 0 || size > MaxListPageSize:
		return nil, "", fault.Invalid("page_size", "the page size must be between 1 and %d", MaxListPageSize)
	}
	status := store.CourierStatus(p.Status)
	if status != "" && !status.Valid() {
		return nil, "", fault.Invalid("status", "Message status is not valid: %q is none of queued, sent, processing, abandoned", p.Status)
	}
	if p.PageToken != "" {
		if _, err := uuid.Parse(p.PageToken); err != nil {
			return nil, "", fault.Invalid("page_token", "the page token is not valid")
		}
	}
	ms, err := c.st.ListMessages(ctx, store.CourierFilter{Status: status, Recipient: p.Recipient}, p.PageToken, size+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(ms) > size {
		ms = ms[:size]
		next = ms[size-1].ID
	}
	out := make([]*Message, len(ms))
	for i, m := range ms {
		out[i] = fromStore(m)
	}
	return out, next, nil
}

// Message is a queued, sent or abandoned message. It marshals to Kratos v1.3.1's message JSON,
// which Ory's client-go decodes.
type Message struct {
	ID           string
	Status       store.CourierStatus
	Type         string // "email"
	Recipient    string
	Subject      string
	Body         string // the plain text body
	TemplateType string
	SendCount    int
	Dispatches   []Dispatch
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Redacted marshals the body as Kratos does outside development mode, since it holds codes
	// and links that act for the recipient.
	Redacted bool
}

// Dispatch is one recorded attempt to deliver a message.
type Dispatch struct {
	ID        string
	Status    string // "success" or "failed"
	Error     string // why it failed
	CreatedAt time.Time
}

// RedactedBody is what Kratos shows for a message's body outside development mode.
const RedactedBody = "<redacted-unless-dev-mode>"

func fromStore(m *store.CourierMessage) *Message {
	out := &Message{
		ID: m.ID, Status: m.Status, Type: m.Type, Recipient: m.Recipient, Subject: m.Subject, Body: m.Body,
		TemplateType: m.TemplateType, SendCount: m.SendCount, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
	for _, d := range m.Dispatches {
		out.Dispatches = append(out.Dispatches, Dispatch(d))
	}
	return out
}

type messageJSON struct {
	ID           string         `json:"id"`
	Status       string         `json:"status"`
	Type         string         `json:"type"`
	Recipient    string         `json:"recipient"`
	Body         string         `json:"body"`
	Subject      string         `json:"subject"`
	TemplateType string         `json:"template_type"`
	Channel      string         `json:"channel"`
	SendCount    int            `json:"send_count"`
	Dispatches   []dispatchJSON `json:"dispatches,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
}

type dispatchJSON struct {
	ID        string         `json:"id"`
	MessageID string         `json:"message_id"`
	Status    string         `json:"status"`
	Error     map[string]any `json:"error,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// MarshalJSON writes Kratos's message object. Dispatches are listed newest first, as Kratos
// orders them; a failed one's error is an object with the reason as its message.
func (m *Message) MarshalJSON() ([]byte, error) {
	out := messageJSON{
		ID: m.ID, Status: string(m.Status), Type: m.Type, Recipient: m.Recipient, Body: m.Body, Subject: m.Subject,
		TemplateType: m.TemplateType, Channel: m.Type, SendCount: m.SendCount,
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
	if m.Redacted {
		out.Body = RedactedBody
	}
	for i := len(m.Dispatches) - 1; i >= 0; i-- {
		d := m.Dispatches[i]
		dj := dispatchJSON{ID: d.ID, MessageID: m.ID, Status: d.Status, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.CreatedAt.UTC()}
		if d.Error != "" {
			dj.Error = map[string]any{"message": d.Error}
		}
		out.Dispatches = append(out.Dispatches, dj)
	}
	return json.Marshal(out)
}
