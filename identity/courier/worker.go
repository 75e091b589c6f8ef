package courier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/wardhq/ward/store"
)

// Defaults of [WorkerConfig], Kratos's where it has them.
const (
	DefaultPollInterval = time.Second // courier.worker.pull_wait
	DefaultBatchSize    = 10          // courier.worker.pull_count
	DefaultMaxAttempts  = 6           // courier.message_retries (5) plus the first attempt
	DefaultSendTimeout  = 10 * time.Second
	DefaultRetryBackoff = 5 * time.Second
	DefaultMaxBackoff   = 10 * time.Minute
	DefaultFromAddress  = "no-reply@ward.invalid"
)

// WorkerConfig configures a [Worker]. Zero values take the defaults above.
type WorkerConfig struct {
	// SMTP is the mail server; required (see ParseConnectionURI).
	SMTP *SMTPConnection
	// FromAddress and FromName are the sender (courier.smtp.from_address, from_name).
	FromAddress string
	FromName    string
	// Headers are set on every message (courier.smtp.headers).
	Headers map[string]string
	// PollInterval is how long the worker waits after finding fewer than BatchSize messages
	// due before it looks again.
	PollInterval time.Duration
	// BatchSize is how many messages one claim takes; they go over one connection.
	BatchSize int
	// MaxAttempts is how many times a message is tried before it is abandoned.
	MaxAttempts int
	// SendTimeout bounds one message's delivery, and the connection's setup.
	SendTimeout time.Duration
	// RetryBackoff is the wait after a message's first failed attempt, doubled after each
	// further one up to MaxBackoff (each with up to a quarter more, at random, so that messages
	// that failed together do not retry together).
	RetryBackoff time.Duration
	MaxBackoff   time.Duration
	// Lease is how long a claim holds its messages: past it, a message whose sender died is due
	// again. Default (BatchSize+1)·SendTimeout, which covers the connection and every send of a
	// batch; the worker sends nothing it could not finish within its lease.
	Lease time.Duration
	// Logger receives the worker's logs; default slog.Default(). No record holds a message's
	// body, its recipient or the SMTP password.
	Logger *slog.Logger
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
}

// Worker delivers the queued messages of a store over SMTP. Any number of workers, on any nodes,
// may serve one store: each message is claimed by one of them at a time (see
// [store.CourierStore]). Delivery is at least once: a worker that dies mid-send leaves the
// message to be sent again after its lease.
type Worker struct {
	st     store.CourierStore
	sender *smtpSender
	cfg    WorkerConfig
	log    *slog.Logger
	now    func() time.Time
}

// maxReasonBytes bounds the error kept with a failed dispatch.
const maxReasonBytes = 1000

// NewWorker returns a worker over st. The error says which setting is wrong.
func NewWorker(st store.CourierStore, cfg WorkerConfig) (*Worker, error) {
	if cfg.SMTP == nil {
		return nil, errors.New("courier.smtp.connection_uri is required to deliver messages")
	}
	for _, d := range []struct {
		v *time.Duration
		d time.Duration
	}{{&cfg.PollInterval, DefaultPollInterval}, {&cfg.SendTimeout, DefaultSendTimeout},
		{&cfg.RetryBackoff, DefaultRetryBackoff}, {&cfg.MaxBackoff, DefaultMaxBackoff}} {
		if *d.v <= 0 {
			*d.v = d.d
		}
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Duration(cfg.BatchSize+1) * cfg.SendTimeout
	}
	if cfg.Lease < 2*cfg.SendTimeout {
		return nil, fmt.Errorf("the courier's lease (%s) must be at least twice its send timeout (%s): a connection and a send must fit", cfg.Lease, cfg.SendTimeout)
	}
	if cfg.FromAddress == "" {
		cfg.FromAddress = DefaultFromAddress
	}
	sender, err := newSMTPSender(*cfg.SMTP, cfg.FromAddress, cfg.FromName, cfg.Headers, cfg.SendTimeout)
	if err != nil {
		return nil, err
	}
	w := &Worker{st: st, sender: sender, cfg: cfg, log: cfg.Logger, now: cfg.Clock}
	if w.log == nil {
		w.log = slog.Default()
	}
	if w.now == nil {
		w.now = time.Now
	}
	return w, nil
}

// Run delivers messages until ctx ends, then returns nil. A send in progress when ctx ends is
// cut off, and its message left to the lease (whether the server took it is unknown); the
// messages of the batch not yet begun are queued again at once. Store failures are logged and
// tried again after the poll interval.
func (w *Worker) Run(ctx context.Context) error {
	w.log.Info("courier worker delivering", "smtp", w.sender.conn.String(), "batch", w.cfg.BatchSize, "max_attempts", w.cfg.MaxAttempts)
	for {
		n, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.log.Warn("the courier cannot claim messages; trying again", "error", err)
		}
		if err == nil && n == w.cfg.BatchSize {
			continue // there may be more due
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(w.cfg.PollInterval):
		}
	}
}

// RunOnce claims one batch of due messages and delivers it, and returns how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	batch, err := w.st.ClaimMessages(ctx, w.now(), w.cfg.Lease, w.cfg.BatchSize)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	w.deliver(ctx, batch)
	return len(batch), nil
}

// deliver sends a claimed batch over one connection, opened when the first message needs it and
// again after a failed send.
func (w *Worker) deliver(ctx context.Context, batch []*store.CourierMessage) {
	var sess *session
	defer func() {
		if sess != nil {
			sess.close()
		}
	}()
	for i, m := range batch {
		switch {
		case ctx.Err() != nil:
			w.release(ctx, batch[i:], "not sent: the courier worker stopped")
			return
		case m.SendCount > w.cfg.MaxAttempts:
			// Claimed this often without an outcome: its senders died each time.
			w.finish(m, w.st.AbandonMessage(context.WithoutCancel(ctx), m.ID, m.Claim,
				fmt.Sprintf("abandoned: claimed %d times without being delivered", m.SendCount-1), w.now()))
			continue
		case w.now().Add(w.cfg.SendTimeout).After(m.DueAt):
			w.release(ctx, batch[i:], "not sent: the lease would have ended during the send")
			return
		}
		if sess == nil {
			var err error
			if sess, err = w.sender.open(ctx); err != nil {
				if ctx.Err() != nil {
					w.release(ctx, batch[i:], "not sent: the courier worker stopped")
					return
				}
				for _, m := range batch[i:] {
					w.failed(ctx, m, err)
				}
				return
			}
		}
		err := sess.send(ctx, m)
		switch {
		case ctx.Err() != nil:
			// Whether the server took it is unknown: the lease brings it back.
			w.log.Info("courier worker stopped during a send; the message is sent again after its lease", "message_id", m.ID, "lease_ends", m.DueAt)
			w.release(ctx, batch[i+1:], "not sent: the courier worker stopped")
			return
		case err != nil:
			sess.close()
			sess = nil
			w.failed(ctx, m, err)
		default:
			w.log.Debug("courier message sent", "message_id", m.ID, "template_type", m.TemplateType, "attempt", m.SendCount)
			w.finish(m, w.st.MarkMessageSent(context.WithoutCancel(ctx), m.ID, m.Claim, w.now()))
		}
	}
}

// failed records a failed attempt: the message is retried after a backoff, or abandoned after
// MaxAttempts.
func (w *Worker) failed(ctx context.Context, m *store.CourierMessage, cause error) {
	reason := cause.Error()
	if len(reason) > maxReasonBytes {
		reason = reason[:maxReasonBytes]
	}
	now := w.now()
	if m.SendCount >= w.cfg.MaxAttempts {
		w.log.Warn("courier message abandoned", "message_id", m.ID, "template_type", m.TemplateType, "attempts", m.SendCount, "error", reason)
		w.finish(m, w.st.AbandonMessage(context.WithoutCancel(ctx), m.ID, m.Claim, reason, now))
		return
	}
	wait := w.backoff(m.SendCount)
	w.log.Warn("courier message not delivered; retrying", "message_id", m.ID, "template_type", m.TemplateType, "attempt", m.SendCount, "retry_in", wait, "error", reason)
	w.finish(m, w.st.RetryMessage(context.WithoutCancel(ctx), m.ID, m.Claim, reason, now, now.Add(wait)))
}

// backoff returns the wait after the attempt-th failed attempt.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.cfg.RetryBackoff
	for range attempt - 1 {
		if d >= w.cfg.MaxBackoff/2 {
			d = w.cfg.MaxBackoff
			break
		}
		d *= 2
	}
	d = min(d, w.cfg.MaxBackoff)
	return d + rand.N(d/4+1)
}

// release queues messages of a batch that were not tried again at once, so that they need not
// wait for the lease.
func (w *Worker) release(ctx context.Context, ms []*store.CourierMessage, reason string) {
	now := w.now()
	for _, m := range ms {
		w.finish(m, w.st.RetryMessage(context.WithoutCancel(ctx), m.ID, m.Claim, reason, now, now))
	}
}

// finish logs the failure of a store write that ends a message's lease: the lease then ends by
// itself, and the message is tried again (if sent, once more).
func (w *Worker) finish(m *store.CourierMessage, err error) {
	if err != nil {
		w.log.Warn("the courier could not record a message's outcome; it is tried again after its lease", "message_id", m.ID, "error", err)
	}
}
