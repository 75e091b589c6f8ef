package courier_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/courier"
	"github.com/wardhq/ward/identity/courier/smtptest"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
	storesql "github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newCourier returns a courier over st with the built-in templates.
func newCourier(t testing.TB, st store.CourierStore, cfg courier.Config) *courier.Courier {
	t.Helper()
	c, err := courier.New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newWorker returns a worker over st that delivers to srv quickly: short polls and backoffs.
func newWorker(t testing.TB, st store.CourierStore, srv *smtptest.Server, edit func(*courier.WorkerConfig)) *courier.Worker {
	t.Helper()
	conn, err := courier.ParseConnectionURI(srv.URI())
	if err != nil {
		t.Fatal(err)
	}
	cfg := courier.WorkerConfig{
		SMTP: conn, FromAddress: "no-reply@example.com", FromName: "Ward Test",
		Headers:      map[string]string{"X-Ward-Test": "yes"},
		PollInterval: 10 * time.Millisecond, RetryBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		SendTimeout: 5 * time.Second,
		Logger:      slog.New(slog.DiscardHandler),
	}
	if edit != nil {
		edit(&cfg)
	}
	w, err := courier.NewWorker(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// run runs w until the returned stop is called, which waits for Run to return.
func run(t testing.TB, w *courier.Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("Run did not return within 10 s of its context ending")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func enqueueCode(t testing.TB, c *courier.Courier, to, code string) string {
	t.Helper()
	id, err := c.Enqueue(context.Background(), courier.RecoveryCodeValid, to, map[string]any{"RecoveryCode": code})
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return id
}

// waitStatus waits until message id has status, and returns it.
func waitStatus(t testing.TB, st store.CourierStore, id string, status store.CourierStatus) *store.CourierMessage {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		m, err := st.GetMessage(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status == status {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s is %s after 20 s, want %s: %+v", id, m.Status, status, m)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDeliver(t *testing.T) {
	srv := smtptest.Start(t)
	st := memory.NewCourierStore()
	c := newCourier(t, st, courier.Config{})
	id := enqueueCode(t, c, "alice@example.com", "492817")
	queued, err := c.GetMessage(context.Background(), id)
	if err != nil || queued.Status != store.CourierQueued {
		t.Fatalf("GetMessage after Enqueue: %+v, %v; want queued", queued, err)
	}
	w := newWorker(t, st, srv, nil)
	if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("RunOnce = %d, %v; want 1 message", n, err)
	}
	got := srv.WaitFor(1, 5*time.Second)[0]
	if got.Subject != "Recover access to your account" {
		t.Errorf("subject %q", got.Subject)
	}
	wantPlain := "Hi,\n\nplease recover access to your account by entering the following code:\n\n492817\n"
	if strings.ReplaceAll(got.Plain, "\r\n", "\n") != wantPlain {
		t.Errorf("plain text body %q\nwant %q", got.Plain, wantPlain)
	}
	if !strings.Contains(got.HTML, "492817") || got.HTML == got.Plain && got.HTML == "" {
		t.Errorf("HTML body %q lacks the code", got.HTML)
	}
	if got.From != `"Ward Test" <no-reply@example.com>` || got.EnvelopeFrom != "no-reply@example.com" || got.To != "<alice@example.com>" {
		t.Errorf("From %q, envelope %q, To %q", got.From, got.EnvelopeFrom, got.To)
	}
	if !got.TLS || !got.Authed {
		t.Errorf("delivered with TLS %v, authenticated %v; want both", got.TLS, got.Authed)
	}
	if got.Header.Get("X-Ward-Test") != "yes" || got.Header.Get("Message-Id") == "" {
		t.Errorf("headers %v lack X-Ward-Test or Message-Id", got.Header)
	}
	m := waitStatus(t, st, id, store.CourierSent)
	if m.SendCount != 1 || len(m.Dispatches) != 1 || m.Dispatches[0].Status != store.DispatchSuccess {
		t.Errorf("after delivery: %+v", m)
	}
	if n, err := w.RunOnce(context.Background()); n != 0 || err != nil {
		t.Errorf("second RunOnce = %d, %v; want nothing left", n, err)
	}
}

// TestRetryAfterTemporaryFailure: the server answers 451 twice, then takes the message.
func TestRetryAfterTemporaryFailure(t *testing.T) {
	srv := smtptest.Start(t)
	srv.FailNext(2)
	st := memory.NewCourierStore()
	id := enqueueCode(t, newCourier(t, st, courier.Config{}), "bob@example.com", "111222")
	run(t, newWorker(t, st, srv, nil))
	m := waitStatus(t, st, id, store.CourierSent)
	if got := srv.Messages(); len(got) != 1 || !strings.Contains(got[0].Plain, "111222") {
		t.Fatalf("the server received %d messages, want the one", len(got))
	}
	if m.SendCount != 3 || len(m.Dispatches) != 3 {
		t.Fatalf("after delivery: %d sends, dispatches %+v; want 3 of each", m.SendCount, m.Dispatches)
	}
	for i, d := range m.Dispatches[:2] {
		if d.Status != store.DispatchFailed || !strings.Contains(d.Error, "451") {
			t.Errorf("dispatch %d: %+v, want failed with the server's 451", i, d)
		}
	}
	if d := m.Dispatches[2]; d.Status != store.DispatchSuccess {
		t.Errorf("last dispatch %+v, want success", d)
	}
}

func TestAbandonAfterMaxAttempts(t *testing.T) {
	srv := smtptest.Start(t)
	srv.FailNext(1000)
	st := memory.NewCourierStore()
	id := enqueueCode(t, newCourier(t, st, courier.Config{}), "carol@example.com", "333444")
	run(t, newWorker(t, st, srv, func(c *courier.WorkerConfig) { c.MaxAttempts = 3 }))
	m := waitStatus(t, st, id, store.CourierAbandoned)
	time.Sleep(100 * time.Millisecond) // an abandoned message must not be tried again
	datas := srv.DataCommands()
	if datas != 3 || len(srv.Messages()) != 0 {
		t.Errorf("the server saw %d DATA commands and kept %d messages; want 3 and none", datas, len(srv.Messages()))
	}
	if m.SendCount != 3 || len(m.Dispatches) != 3 {
		t.Errorf("abandoned after %d sends with %d dispatches; want 3", m.SendCount, len(m.Dispatches))
	}
}

// TestSecretsNotLogged fails authentication: the password is in no log record and no dispatch.
func TestSecretsNotLogged(t *testing.T) {
	srv := smtptest.Start(t)
	st := memory.NewCourierStore()
	id := enqueueCode(t, newCourier(t, st, courier.Config{}), "dave@example.com", "555666")
	var logs bytes.Buffer
	wrong := strings.Replace(srv.URI(), "w0rd", "WRONG-Secret-9", 1)
	conn, err := courier.ParseConnectionURI(wrong)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorker(t, st, srv, func(c *courier.WorkerConfig) {
		c.SMTP, c.MaxAttempts = conn, 1
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	stop := run(t, w)
	m := waitStatus(t, st, id, store.CourierAbandoned)
	stop()
	if len(m.Dispatches) != 1 || !strings.Contains(m.Dispatches[0].Error, "535") {
		t.Errorf("dispatches %+v, want one failed with the server's 535", m.Dispatches)
	}
	for _, text := range []string{logs.String(), m.Dispatches[0].Error, conn.String()} {
		if strings.Contains(text, "WRONG-Secret-9") || strings.Contains(text, "WRONG-Secret") {
			t.Errorf("the password shows in %q", text)
		}
	}
	if !strings.Contains(logs.String(), "xxxxx") || !strings.Contains(logs.String(), "abandoned") {
		t.Errorf("the logs do not show the redacted URI and the abandonment:\n%s", logs.String())
	}
}

// TestStartTLSRequired: a server without STARTTLS gets nothing over smtp:// unless the URI
// says disable_starttls=true.
func TestStartTLSRequired(t *testing.T) {
	srv := smtptest.StartPlain(t) // no STARTTLS offered
	st := memory.NewCourierStore()
	id := enqueueCode(t, newCourier(t, st, courier.Config{}), "erin@example.com", "777888")
	plain, err := courier.ParseConnectionURI("smtp://" + srv.Addr() + "/")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorker(t, st, srv, func(c *courier.WorkerConfig) { c.SMTP, c.MaxAttempts = plain, 1 })
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := waitStatus(t, st, id, store.CourierAbandoned)
	if !strings.Contains(m.Dispatches[0].Error, "STARTTLS") || len(srv.Messages()) != 0 {
		t.Errorf("without STARTTLS: dispatch %+v, %d messages received; want refused for want of STARTTLS", m.Dispatches, len(srv.Messages()))
	}
	clear, err := courier.ParseConnectionURI("smtp://" + srv.Addr() + "/?disable_starttls=true")
	if err != nil {
		t.Fatal(err)
	}
	id = enqueueCode(t, newCourier(t, st, courier.Config{}), "erin@example.com", "999000")
	w = newWorker(t, st, srv, func(c *courier.WorkerConfig) { c.SMTP = clear })
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, st, id, store.CourierSent)
	if got := srv.Messages(); len(got) != 1 || got[0].TLS {
		t.Errorf("with disable_starttls: %d messages, want one in the clear", len(got))
	}
}

func TestTemplateOverride(t *testing.T) {
	srv := smtptest.Start(t)
	dir := t.TempDir()
	html := filepath.Join(dir, "body.html.gotmpl")
	if err := os.WriteFile(html, []byte(`<p>Code for {{ .To }}: <b>{{ .RecoveryCode }}</b> {{ .Evil }}</p>`), 0o600); err != nil {
		t.Fatal(err)
	}
	subject := "base64://" + base64.StdEncoding.EncodeToString([]byte("  Your code is {{ .RecoveryCode }}\n"))
	st := memory.NewCourierStore()
	c := newCourier(t, st, courier.Config{Templates: map[string]courier.TemplateOverride{
		courier.RecoveryCodeValid: {Subject: subject, HTML: "file://" + html},
	}})
	id, err := c.Enqueue(context.Background(), courier.RecoveryCodeValid, "frank@example.com",
		map[string]any{"RecoveryCode": "246810", "Evil": "<script>alert(1)</script>"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newWorker(t, st, srv, nil).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(1, 5*time.Second)[0]
	if got.Subject != "Your code is 246810" {
		t.Errorf("subject %q, want the override's, trimmed", got.Subject)
	}
	if want := "<p>Code for frank@example.com: <b>246810</b> &lt;script&gt;alert(1)&lt;/script&gt;</p>"; got.HTML != want {
		t.Errorf("HTML %q\nwant %q (the override, escaped by html/template)", got.HTML, want)
	}
	if !strings.Contains(got.Plain, "please recover access to your account") {
		t.Errorf("plain text %q, want the built-in one", got.Plain)
	}
	m, err := c.GetMessage(context.Background(), id)
	if err != nil || m.Subject != "Your code is 246810" || m.TemplateType != courier.RecoveryCodeValid {
		t.Errorf("GetMessage = %+v, %v", m, err)
	}
}

func TestBadTemplateConfig(t *testing.T) {
	b64 := func(s string) string { return "base64://" + base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name      string
		templates map[string]courier.TemplateOverride
		want      string
	}{
		{"unknown type", map[string]courier.TemplateOverride{"recovery_sms_valid": {Subject: b64("x")}}, `courier template "recovery_sms_valid": unknown template type`},
		{"bad scheme", map[string]courier.TemplateOverride{courier.LoginCodeValid: {Subject: "https://example.com/x"}}, "courier template login_code_valid, email.subject: a template URL must be file://PATH or base64://DATA, not https:…"},
		{"missing file", map[string]courier.TemplateOverride{courier.VerificationCodeValid: {PlainText: "file:///nonexistent/t.gotmpl"}}, "courier template verification_code_valid, email.body.plaintext: reading file:///nonexistent/t.gotmpl"},
		{"not base64", map[string]courier.TemplateOverride{courier.RecoveryValid: {HTML: "base64://!!!"}}, "courier template recovery_valid, email.body.html: the data of the base64:// template is not base64"},
		{"syntax", map[string]courier.TemplateOverride{courier.RecoveryCodeInvalid: {HTML: b64("{{ .To ")}}, "courier template recovery_code_invalid, email.body.html: template:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := courier.New(memory.NewCourierStore(), courier.Config{Templates: tc.templates})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("New: %v\nwant an error starting %q", err, tc.want)
			}
		})
	}
}

func TestEnqueueInvalid(t *testing.T) {
	st := memory.NewCourierStore()
	c := newCourier(t, st, courier.Config{})
	ctx := context.Background()
	for _, tc := range []struct {
		name, template, to string
		data               map[string]any
		field              string
	}{
		{"not an address", courier.RecoveryCodeValid, "nobody", map[string]any{"RecoveryCode": "1"}, "recipient"},
		{"address with a name", courier.RecoveryCodeValid, "Eve <eve@example.com>", map[string]any{"RecoveryCode": "1"}, "recipient"},
		{"header injection", courier.RecoveryCodeValid, "eve@example.com\r\nBcc: x@example.com", map[string]any{"RecoveryCode": "1"}, "recipient"},
		{"unknown template", "recovery_code_maybe", "eve@example.com", nil, "template"},
		{"missing key", courier.VerificationCodeValid, "eve@example.com", map[string]any{"VerificationCode": "1"}, "template"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Enqueue(ctx, tc.template, tc.to, tc.data)
			var fe *fault.Error
			if fault.CodeOf(err) != fault.InvalidArgument || !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("Enqueue: %v, want InvalidArgument naming %s", err, tc.field)
			}
		})
	}
	if list, _, err := c.ListMessages(ctx, courier.ListParams{}); err != nil || len(list) != 0 {
		t.Errorf("ListMessages: %d messages, %v; want none queued", len(list), err)
	}
}

// TestTwoWorkersPostgres runs two workers, each with its own connection pool as on two nodes,
// over one PostgreSQL database: each of 200 messages is delivered exactly once.
func TestTwoWorkersPostgres(t *testing.T) {
	const n = 200
	srv := smtptest.Start(t)
	dsn := pgtest.Shared(t).NewMigratedDatabase(t)
	nodes := [2]*storesql.Store{openSQL(t, dsn), openSQL(t, dsn)}
	c := newCourier(t, nodes[0].Courier(), courier.Config{})
	ids := make([]string, n)
	for i := range n {
		ids[i] = enqueueCode(t, c, fmt.Sprintf("user%03d@example.com", i), fmt.Sprintf("%06d", i))
	}
	for _, node := range nodes {
		run(t, newWorker(t, node.Courier(), srv, func(c *courier.WorkerConfig) { c.BatchSize = 7 }))
	}
	srv.WaitFor(n, 60*time.Second)
	for _, id := range ids {
		waitStatus(t, nodes[1].Courier(), id, store.CourierSent)
	}
	time.Sleep(200 * time.Millisecond) // nothing more may arrive
	count := map[string]int{}
	for _, m := range srv.Messages() {
		count[m.To]++
	}
	for i := range n {
		if to := fmt.Sprintf("<user%03d@example.com>", i); count[to] != 1 {
			t.Errorf("%s received %d messages, want 1", to, count[to])
		}
	}
	if got := len(srv.Messages()); got != n {
		t.Errorf("the server received %d messages, want %d", got, n)
	}
}

// TestWorkerKilledMidSend cancels a worker while the server holds its DATA: the message is not
// lost, and another worker delivers it once the lease has ended.
func TestWorkerKilledMidSend(t *testing.T) {
	srv := smtptest.Start(t)
	srv.BlockData()
	dsn := pgtest.Shared(t).NewMigratedDatabase(t)
	a, b := openSQL(t, dsn).Courier(), openSQL(t, dsn).Courier()
	id := enqueueCode(t, newCourier(t, a, courier.Config{}), "grace@example.com", "135790")
	short := func(c *courier.WorkerConfig) { c.SendTimeout, c.Lease = time.Second, 2*time.Second }
	stopA := run(t, newWorker(t, a, srv, short))
	select {
	case <-srv.InData():
	case <-time.After(10 * time.Second):
		t.Fatal("worker A never reached DATA")
	}
	killed := time.Now()
	stopA()
	if d := time.Since(killed); d > time.Second {
		t.Errorf("worker A took %v to stop mid-send", d)
	}
	m, err := b.GetMessage(context.Background(), id)
	if err != nil || m.Status != store.CourierProcessing || m.SendCount != 1 {
		t.Fatalf("after A was killed: %+v, %v; want the message processing under A's lease", m, err)
	}
	srv.Unblock()
	run(t, newWorker(t, b, srv, short))
	sent := waitStatus(t, b, id, store.CourierSent)
	got := srv.WaitFor(1, 5*time.Second)
	if len(got) != 1 || !strings.Contains(got[0].Plain, "135790") {
		t.Errorf("the server kept %d messages, want the one", len(got))
	}
	if sent.SendCount != 2 || !sent.UpdatedAt.After(m.DueAt.Add(-time.Millisecond)) {
		t.Errorf("delivered %+v; want a second send, after A's lease ended at %v", sent, m.DueAt)
	}
}

func openSQL(t testing.TB, dsn string) *storesql.Store {
	t.Helper()
	s, err := storesql.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
