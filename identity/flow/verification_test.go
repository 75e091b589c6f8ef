package flow_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/store"
)

// outbox is a Courier that keeps every message it is asked to send.
type outbox struct {
	mu   sync.Mutex
	sent []sentMail
}

type sentMail struct {
	template, to string
	data         map[string]any
}

func (o *outbox) Enqueue(_ context.Context, template, to string, data map[string]any) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, sentMail{template, to, data})
	return "m", nil
}

// lastMail is the last message queued.
func (o *outbox) lastMail(t *testing.T) sentMail {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.sent) == 0 {
		t.Fatal("nothing was sent")
	}
	return o.sent[len(o.sent)-1]
}

// last is the code of the last message, a verification code.
func (o *outbox) last(t *testing.T) string {
	return o.lastCode(t, "verification_code_valid", "VerificationCode")
}

// code is the code of the last message, a recovery code.
func (o *outbox) code(t *testing.T) string {
	return o.lastCode(t, "recovery_code_valid", "RecoveryCode")
}

func (o *outbox) lastCode(t *testing.T, template, field string) string {
	t.Helper()
	m := o.lastMail(t)
	c, ok := m.data[field].(string)
	if !ok || m.template != template {
		t.Fatalf("the last message is %s to %s, not a %s", m.template, m.to, template)
	}
	return c
}

// TestVerificationCodeKeys: the store holds a code's HMAC, never the code; a code sent under one
// key is accepted by a Service whose keys rotated it to second place, and refused by one that
// dropped it.
func TestVerificationCodeKeys(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	box := &outbox{}
	enable := func(keys ...[]byte) func(*flow.Config) {
		return func(c *flow.Config) { c.VerificationEnabled, c.Courier, c.CodeKeys = true, box, keys }
	}
	e := newEnv(t, enable(oldKey))
	e.register("vera@example.com", "correct horse battery")
	send := func(svc *flow.Service) (string, string) {
		init, err := svc.InitVerification(e.ctx, flow.TypeAPI, request(nil, flow.RouteVerificationInitAPI, ""))
		if err != nil {
			t.Fatal(err)
		}
		id := init.Flow.ID
		if _, err := svc.SubmitVerification(e.ctx, form(request(nil, "/self-service/verification?flow="+id, ""), "method", "code", "email", "vera@example.com"), id); err != nil {
			t.Fatal(err)
		}
		return id, box.last(t)
	}
	submit := func(svc *flow.Service, id, code string) flow.State {
		res, err := svc.SubmitVerification(e.ctx, form(request(nil, "/self-service/verification?flow="+id, ""), "method", "code", "code", code), id)
		if err != nil {
			t.Fatal(err)
		}
		return res.Flow.State
	}
	id, code := send(e.svc)
	rec, err := e.st.GetSelfServiceFlow(e.ctx, store.VerificationFlow, id)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(rec.Data, []byte(code)) {
		t.Fatalf("the stored flow holds the code %s: %s", code, rec.Data)
	}
	dropped := newEnvService(t, e, enable(newKey))
	if got := submit(dropped, id, code); got == flow.StatePassedChallenge {
		t.Fatal("a Service without the code's key accepted it")
	}
	rotated := newEnvService(t, e, enable(newKey, oldKey))
	if got := submit(rotated, id, code); got != flow.StatePassedChallenge {
		t.Fatalf("after rotation the code left the flow in %s", got)
	}
}

// newEnvService returns another Service over e's store and identities (another node), with the
// harness's configuration changed by tweak.
func newEnvService(t *testing.T, e *env, tweak func(*flow.Config)) *flow.Service {
	t.Helper()
	cfg := flow.Config{PublicURL: publicURL, Clock: e.clock}
	tweak(&cfg)
	svc, err := flow.NewService(e.st, e.ids, schemaRegistry(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}
