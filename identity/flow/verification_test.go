package flow_test

import (
	"bytes"
	"context"
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/text"
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

// TestVerificationByLink: with selfservice.flows.verification.use: link the email carries a
// link whose token (stored as a MAC) verifies the address once; a wrong or spent token is
// 4070005; codes are not taken.
func TestVerificationByLink(t *testing.T) {
	box := &outbox{}
	e := newEnv(t, func(c *flow.Config) {
		c.VerificationEnabled, c.Courier, c.VerificationUse = true, box, flow.UseLink
	})
	who := e.register("val@example.com", "correct horse battery")
	init, err := e.svc.InitVerification(e.ctx, flow.TypeAPI, request(nil, flow.RouteVerificationInitAPI, ""))
	if err != nil {
		t.Fatal(err)
	}
	id := init.Flow.ID
	submit := func(kv ...string) *flow.VerificationResult {
		t.Helper()
		res, err := e.svc.SubmitVerification(e.ctx, form(request(nil, "/self-service/verification?flow="+id, ""), kv...), id)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := submit("method", "code", "code", "123456"); !res.Refused {
		t.Fatalf("a code in link mode: %+v", res.Flow.UI.Messages)
	}
	if res := submit("method", "link", "email", "val@example.com"); res.Flow.State != flow.StateSentEmail ||
		!slices.Contains(messageIDs(res.Flow.UI.Messages), text.InfoSelfServiceVerificationEmailSent) {
		t.Fatalf("send the link: %+v", res.Flow)
	}
	m := box.lastMail(t)
	raw, _ := m.data["VerificationURL"].(string)
	u, err := url.Parse(raw)
	if m.template != "verification_valid" || err != nil || u.Query().Get("token") == "" || u.Query().Get("code") != "" {
		t.Fatalf("the email: %s %q", m.template, raw)
	}
	token := u.Query().Get("token")
	if rec, _ := e.st.GetSelfServiceFlow(e.ctx, store.VerificationFlow, id); bytes.Contains(rec.Data, []byte(token)) {
		t.Fatal("the stored flow holds the token")
	}
	open := func(tok string) *flow.VerificationResult {
		t.Helper()
		res, err := e.svc.VerifyLink(e.ctx, request(newBrowser(), "/self-service/verification?flow="+id+"&token="+tok, ""), id, tok)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	wrong := "A" + token[1:]
	if wrong == token {
		wrong = "B" + token[1:]
	}
	if bad := open(wrong); !bad.Refused || !slices.Contains(messageIDs(bad.Flow.UI.Messages), text.ErrorValidationVerificationTokenInvalidOrAlreadyUsed) {
		t.Fatalf("a wrong token: %+v", bad.Flow.UI.Messages)
	}
	if done := open(token); done.Refused || done.Flow.State != flow.StatePassedChallenge {
		t.Fatalf("the link: %+v", done.Flow)
	}
	if got, _ := e.ids.GetIdentity(e.ctx, who.ID); !got.VerifiableAddresses[0].Verified {
		t.Fatal("the link did not verify the address")
	}
	if again := open(token); !again.Refused {
		t.Fatal("the link worked twice")
	}
}
