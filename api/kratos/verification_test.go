package kratos_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ory "github.com/ory/client-go"

	"github.com/wardhq/ward/identity/courier"
	"github.com/wardhq/ward/identity/courier/smtptest"
	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

// findNode returns the form's input or anchor node named name, or nil.
func findNode(c ory.UiContainer, name string) *ory.UiNode {
	for i, n := range c.Nodes {
		if in := n.Attributes.UiNodeInputAttributes; in != nil && in.Name == name {
			return &c.Nodes[i]
		}
		if a := n.Attributes.UiNodeAnchorAttributes; a != nil && a.Id == name {
			return &c.Nodes[i]
		}
	}
	return nil
}

// verifyEnv is an env whose verification flow queues its emails in a courier that a worker
// delivers to a mailbox.
type verifyEnv struct {
	*env
	mail   *smtptest.Server
	worker *courier.Worker
}

func newVerifyEnv(t *testing.T, st store.IdentityStore) *verifyEnv {
	t.Helper()
	return newMailEnv(t, st, envOptions{})
}

// newMailEnv is newVerifyEnv with o's other options (the recovery flow, say).
func newMailEnv(t testing.TB, st store.IdentityStore, o envOptions) *verifyEnv {
	t.Helper()
	cst := memory.NewCourierStore()
	c, err := courier.New(cst, courier.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mail := smtptest.Start(t)
	conn, err := courier.ParseConnectionURI(mail.URI())
	if err != nil {
		t.Fatal(err)
	}
	w, err := courier.NewWorker(cst, courier.WorkerConfig{
		SMTP: conn, FromAddress: "no-reply@ward.example", SendTimeout: 10 * time.Second,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	o.verifyCourier = c
	return &verifyEnv{env: newEnvWith(t, st, o), mail: mail, worker: w}
}

// deliver runs the courier until the mailbox holds n messages, and returns the n-th.
func (v *verifyEnv) deliver(n int) smtptest.Message {
	v.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := v.worker.RunOnce(context.Background()); err != nil {
			v.t.Fatalf("the courier: %v", err)
		}
		if got := v.mail.Messages(); len(got) >= n {
			return got[n-1]
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("the mailbox holds %d messages, want %d", len(v.mail.Messages()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var codeLine = regexp.MustCompile(`(?m)^([0-9]{6})\r?$`)

// codeOf reads the verification code out of an email's body.
func codeOf(t testing.TB, m smtptest.Message) string {
	t.Helper()
	c := codeLine.FindStringSubmatch(m.Plain)
	if c == nil {
		t.Fatalf("no 6-digit code in the email %q", m.Plain)
	}
	return c[1]
}

func sendEmailBody(addr string, csrf *string) ory.UpdateVerificationFlowBody {
	return ory.UpdateVerificationFlowWithCodeMethodAsUpdateVerificationFlowBody(&ory.UpdateVerificationFlowWithCodeMethod{
		Method: "code", Email: &addr, CsrfToken: csrf,
	})
}

func codeBody(code string, csrf *string) ory.UpdateVerificationFlowBody {
	return ory.UpdateVerificationFlowWithCodeMethodAsUpdateVerificationFlowBody(&ory.UpdateVerificationFlowWithCodeMethod{
		Method: "code", Code: &code, CsrfToken: csrf,
	})
}

func messageIDs(c ory.UiContainer) []int64 {
	var ids []int64
	for _, m := range c.Messages {
		ids = append(ids, m.Id)
	}
	return ids
}

func hasMessage(c ory.UiContainer, id text.ID) bool {
	for _, m := range c.Messages {
		if m.Id == int64(id) {
			return true
		}
	}
	return false
}

// addressOf returns the identity's verifiable address as the admin API shows it.
func (v *verifyEnv) addressOf(id string) ory.VerifiableIdentityAddress {
	v.t.Helper()
	i, _, err := v.adminClient.IdentityAPI.GetIdentity(v.ctx, id).Execute()
	if err != nil || len(i.VerifiableAddresses) != 1 {
		v.t.Fatalf("get identity %s: %+v %v", id, i, err)
	}
	return i.VerifiableAddresses[0]
}

// TestVerificationByCode runs Kratos's verification by code through client-go, over each store:
// the email with the code arrives over SMTP, the code read from it verifies the address, once.
func TestVerificationByCode(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.IdentityStore) {
		v := newVerifyEnv(t, st)
		id := v.register(email, password1)
		if a := v.addressOf(id); a.Verified || a.Status != "pending" {
			t.Fatalf("a new address is %+v, want unverified and pending", a)
		}
		app := v.app()
		f, _, err := app.FrontendAPI.CreateNativeVerificationFlow(v.ctx).Execute()
		if err != nil {
			t.Fatal(err)
		}
		if f.State != "choose_method" || f.Type != "api" || f.Ui.Method != "POST" ||
			!strings.HasSuffix(f.Ui.Action, "/self-service/verification?flow="+f.Id) {
			t.Fatalf("new flow %+v", f)
		}
		if n := findNode(f.Ui, "email"); n == nil || n.Group != "code" || n.Attributes.UiNodeInputAttributes.Type != "email" {
			t.Fatalf("the form has no email input in the code group: %s", toJSON(f.Ui))
		}
		got, _, err := app.FrontendAPI.GetVerificationFlow(v.ctx).Id(f.Id).Execute()
		if err != nil || got.Id != f.Id {
			t.Fatalf("get the flow: %+v %v", got, err)
		}

		sent, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(sendEmailBody("ADA@example.com ", nil)).Execute()
		if err != nil {
			t.Fatalf("send the code: %v", err)
		}
		if sent.State != "sent_email" || !hasMessage(sent.Ui, text.InfoSelfServiceVerificationEmailWithCodeSent) || findNode(sent.Ui, "code") == nil {
			t.Fatalf("after the email: state %v, messages %v, ui %s", sent.State, messageIDs(sent.Ui), toJSON(sent.Ui))
		}
		if a := v.addressOf(id); a.Verified || a.Status != "sent" {
			t.Fatalf("the address after the code was sent: %+v, want unverified and sent", a)
		}
		m := v.deliver(1)
		if !slices.Equal(m.EnvelopeTo, []string{email}) || m.Subject != "Please verify your email address" {
			t.Fatalf("delivered %+v", m)
		}
		code := codeOf(t, m)
		if !strings.Contains(m.Plain, "/self-service/verification?code="+code+"&flow="+f.Id) {
			t.Errorf("the email has no verification link: %q", m.Plain)
		}

		// A wrong code changes nothing of the identity.
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		bad, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(wrong, nil)).Execute()
		if err != nil || bad.State != "sent_email" || !hasMessage(bad.Ui, text.ErrorValidationVerificationCodeInvalidOrAlreadyUsed) {
			t.Fatalf("a wrong code: %+v %v", bad, err)
		}
		if a := v.addressOf(id); a.Verified {
			t.Fatal("a wrong code verified the address")
		}

		done, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(code, nil)).Execute()
		if err != nil {
			t.Fatalf("submit the code: %v", err)
		}
		if done.State != "passed_challenge" || !hasMessage(done.Ui, text.InfoSelfServiceVerificationSuccessful) || findNode(done.Ui, "continue") == nil {
			t.Fatalf("after the code: state %v, messages %v, ui %s", done.State, messageIDs(done.Ui), toJSON(done.Ui))
		}
		if cont := findNode(done.Ui, "continue"); done.Ui.Method != "GET" || done.Ui.Action != v.publicURL+"/" ||
			cont.Attributes.UiNodeAnchorAttributes.Href != v.publicURL+"/" {
			t.Errorf("the continue link of a flow without return_to: %s", toJSON(done.Ui))
		}
		a := v.addressOf(id)
		if !a.Verified || a.Status != "completed" || a.VerifiedAt == nil || a.VerifiedAt.IsZero() {
			t.Fatalf("the address after verification: %+v", a)
		}

		// The code is spent: the flow refuses it, and so does any other flow.
		_, res, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(code, nil)).Execute()
		wantRefusedWith(t, "the code again", res, err, text.ErrorValidationVerificationRetrySuccess)
		f2, _, err := app.FrontendAPI.CreateNativeVerificationFlow(v.ctx).Execute()
		if err != nil {
			t.Fatal(err)
		}
		other, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f2.Id).UpdateVerificationFlowBody(codeBody(code, nil)).Execute()
		if err != nil || other.State != "choose_method" || !hasMessage(other.Ui, text.ErrorValidationVerificationCodeInvalidOrAlreadyUsed) {
			t.Fatalf("the code in another flow: %+v %v", other, err)
		}
		// A code sent to a verified address leaves it completed.
		if _, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f2.Id).UpdateVerificationFlowBody(sendEmailBody(email, nil)).Execute(); err != nil {
			t.Fatal(err)
		}
		if a := v.addressOf(id); !a.Verified || a.Status != "completed" {
			t.Fatalf("a verified address after another code: %+v", a)
		}
	})
}

// wantRefusedWith checks a 400 answer whose flow carries the message id.
func wantRefusedWith(t *testing.T, what string, res *http.Response, err error, id text.ID) {
	t.Helper()
	var ge *ory.GenericOpenAPIError
	if err == nil || res == nil || res.StatusCode != http.StatusBadRequest || !errors.As(err, &ge) {
		t.Fatalf("%s: status %v, error %v; want 400", what, statusOf(res), err)
	}
	if !strings.Contains(string(ge.Body()), `"id":`+strconv.Itoa(int(id))+",") {
		t.Fatalf("%s: body %s lacks message %d", what, ge.Body(), id)
	}
}

// codeSent starts an API verification flow, has it send a code to email, and returns the flow
// and the code the mailbox received.
func (v *verifyEnv) codeSent(app *ory.APIClient) (*ory.VerificationFlow, string) {
	v.t.Helper()
	f, _, err := app.FrontendAPI.CreateNativeVerificationFlow(v.ctx).Execute()
	if err != nil {
		v.t.Fatal(err)
	}
	if _, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(sendEmailBody(email, nil)).Execute(); err != nil {
		v.t.Fatal(err)
	}
	return f, codeOf(v.t, v.deliver(len(v.mail.Messages())+1))
}

// TestVerificationAttempts: a flow takes five codes; the sixth is refused even when it is the
// right one, and the address stays unverified.
func TestVerificationAttempts(t *testing.T) {
	v := newVerifyEnv(t, nil)
	id := v.register(email, password1)
	app := v.app()
	f, code := v.codeSent(app)
	wrong := "999999"
	if code == wrong {
		wrong = "888888"
	}
	for i := range 5 {
		bad, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(wrong, nil)).Execute()
		if err != nil || !hasMessage(bad.Ui, text.ErrorValidationVerificationCodeInvalidOrAlreadyUsed) {
			t.Fatalf("wrong code %d: %+v %v", i+1, bad, err)
		}
	}
	last, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(code, nil)).Execute()
	if err != nil || last.State != "sent_email" || !hasMessage(last.Ui, text.ErrorValidationVerificationCodeInvalidOrAlreadyUsed) {
		t.Fatalf("the right code after five wrong ones: %+v %v", last, err)
	}
	if a := v.addressOf(id); a.Verified || a.Status == "completed" {
		t.Fatalf("the address after six attempts: %+v", a)
	}
}

// TestVerificationUnknownAddress: an address no identity has gets the same answer as a known one,
// and its owner an email saying someone tried; no code exists to submit.
func TestVerificationUnknownAddress(t *testing.T) {
	v := newVerifyEnv(t, nil)
	v.register(email, password1)
	app := v.app()
	answer := func(addr string) *ory.VerificationFlow {
		f, _, err := app.FrontendAPI.CreateNativeVerificationFlow(v.ctx).Execute()
		if err != nil {
			t.Fatal(err)
		}
		out, res, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(sendEmailBody(addr, nil)).Execute()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("send to %s: %v %v", addr, statusOf(res), err)
		}
		return out
	}
	known, unknown := answer(email), answer("nobody@example.com")
	if known.State != unknown.State || toJSON(messageIDs(known.Ui)) != toJSON(messageIDs(unknown.Ui)) || len(known.Ui.Nodes) != len(unknown.Ui.Nodes) {
		t.Fatalf("the answers differ: known %s, unknown %s", toJSON(known.Ui), toJSON(unknown.Ui))
	}
	v.deliver(2)
	var invalid *smtptest.Message
	for _, m := range v.mail.Messages() {
		if slices.Equal(m.EnvelopeTo, []string{"nobody@example.com"}) {
			invalid = &m
		}
	}
	if invalid == nil || invalid.Subject != "Someone tried to verify this email address" || codeLine.MatchString(invalid.Plain) {
		t.Fatalf("the unknown address got %+v", invalid)
	}
	bad, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(unknown.Id).UpdateVerificationFlowBody(codeBody("123456", nil)).Execute()
	if err != nil || !hasMessage(bad.Ui, text.ErrorValidationVerificationCodeInvalidOrAlreadyUsed) {
		t.Fatalf("a code in the unknown address's flow: %+v %v", bad, err)
	}
}

// TestVerificationExpired: past the lifespan a flow's code is refused with Kratos's 410 naming
// a new flow that carries 4070005, and the address stays unverified.
func TestVerificationExpired(t *testing.T) {
	v := newVerifyEnv(t, nil)
	id := v.register(email, password1)
	app := v.app()
	f, code := v.codeSent(app)
	v.advance(time.Hour + time.Second)
	_, res, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(code, nil)).Execute()
	e := wantError(t, "an expired flow", res, err, http.StatusGone, "self_service_flow_expired")
	if e.UseFlowID == "" || e.UseFlowID == f.Id {
		t.Fatalf("use_flow_id %q", e.UseFlowID)
	}
	next, _, err := app.FrontendAPI.GetVerificationFlow(v.ctx).Id(e.UseFlowID).Execute()
	if err != nil || next.State != "choose_method" || !hasMessage(next.Ui, text.ErrorValidationVerificationFlowExpired) {
		t.Fatalf("the new flow: %+v %v", next, err)
	}
	if a := v.addressOf(id); a.Verified {
		t.Fatal("an expired flow's code verified the address")
	}
}

// TestVerificationBadInput: no email, another method, a foreign browser's CSRF token: each is
// refused and nothing is sent or changed.
func TestVerificationBadInput(t *testing.T) {
	v := newVerifyEnv(t, nil)
	id := v.register(email, password1)
	app := v.app()
	f, _, err := app.FrontendAPI.CreateNativeVerificationFlow(v.ctx).Execute()
	if err != nil {
		t.Fatal(err)
	}
	_, res, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(sendEmailBody("", nil)).Execute()
	wantRefusedWith(t, "no email", res, err, text.ErrorValidationRequired)
	for _, bad := range []string{"not-an-email", "Ada <ada@example.com>", "a@b@c"} {
		_, res, err = app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(sendEmailBody(bad, nil)).Execute()
		wantRefusedWith(t, bad, res, err, text.ErrorValidationGeneric)
	}
	link := ory.UpdateVerificationFlowWithLinkMethodAsUpdateVerificationFlowBody(&ory.UpdateVerificationFlowWithLinkMethod{Method: "link", Email: email})
	_, res, err = app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(link).Execute()
	wantRefusedWith(t, "the link method", res, err, text.ErrorValidationVerificationNoStrategyFound)

	b := v.browser()
	bf, _, err := b.FrontendAPI.CreateBrowserVerificationFlow(v.ctx).Execute()
	if err != nil {
		t.Fatal(err)
	}
	if bf.Type != "browser" || csrfToken(t, bf.Ui) == "" {
		t.Fatalf("browser flow %+v", bf)
	}
	stranger := v.browser()
	forged := csrfToken(t, bf.Ui)
	_, res, err = stranger.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(bf.Id).UpdateVerificationFlowBody(sendEmailBody(email, &forged)).Execute()
	wantError(t, "another browser", res, err, http.StatusForbidden, "security_csrf_violation")
	_, res, err = b.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(bf.Id).UpdateVerificationFlowBody(sendEmailBody(email, nil)).Execute()
	wantError(t, "no CSRF token", res, err, http.StatusForbidden, "security_csrf_violation")

	if n, err := v.worker.RunOnce(v.ctx); err != nil || n != 0 || len(v.mail.Messages()) != 0 {
		t.Fatalf("bad input sent %d messages (%v)", n, err)
	}
	if a := v.addressOf(id); a.Verified {
		t.Fatal("bad input verified the address")
	}
	// The browser's own token sends the code; its flow completes with the code.
	tok := csrfToken(t, bf.Ui)
	sent, _, err := b.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(bf.Id).UpdateVerificationFlowBody(sendEmailBody(email, &tok)).Execute()
	if err != nil || sent.State != "sent_email" {
		t.Fatalf("the browser's submission: %+v %v", sent, err)
	}
	code := codeOf(t, v.deliver(1))
	done, _, err := b.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(bf.Id).UpdateVerificationFlowBody(codeBody(code, &tok)).Execute()
	if err != nil || done.State != "passed_challenge" || !v.addressOf(id).Verified {
		t.Fatalf("the browser's code: %+v %v", done, err)
	}
}

// TestVerificationDisabled: without selfservice.flows.verification.enabled the routes answer 400.
func TestVerificationDisabled(t *testing.T) {
	e := newEnv(t, nil)
	_, res, err := e.app().FrontendAPI.CreateNativeVerificationFlow(e.ctx).Execute()
	wantError(t, "disabled", res, err, http.StatusBadRequest, "")
}

var linkLine = regexp.MustCompile(`https?://[^\s"<>]+/self-service/verification\?[^\s"<>]+`)

// TestVerificationLink: the email's link, opened in a browser, sends it to the flow's UI with the
// code filled in and its CSRF token bound to that browser; opening it verifies nothing, the
// form's POST does.
func TestVerificationLink(t *testing.T) {
	v := newVerifyEnv(t, nil)
	id := v.register(email, password1)
	b := v.browser()
	f, _, err := b.FrontendAPI.CreateBrowserVerificationFlow(v.ctx).Execute()
	if err != nil {
		t.Fatal(err)
	}
	tok := csrfToken(t, f.Ui)
	if _, _, err := b.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(sendEmailBody(email, &tok)).Execute(); err != nil {
		t.Fatal(err)
	}
	m := v.deliver(1)
	code, link := codeOf(t, m), linkLine.FindString(m.Plain)
	if link == "" {
		t.Fatalf("no link in %q", m.Plain)
	}
	// Another browser opens the link (the email was read elsewhere).
	other := v.browser()
	res, err := other.GetConfig().HTTPClient.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "flow="+f.Id) {
		t.Fatalf("the link: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if v.addressOf(id).Verified {
		t.Fatal("opening the link verified the address")
	}
	shown, _, err := other.FrontendAPI.GetVerificationFlow(v.ctx).Id(f.Id).Execute()
	if err != nil {
		t.Fatalf("the UI's read of the flow: %v", err)
	}
	n := findNode(shown.Ui, "code")
	if n == nil || n.Attributes.UiNodeInputAttributes.Value != code {
		t.Fatalf("the code node after the link: %s", toJSON(shown.Ui))
	}
	tok = csrfToken(t, shown.Ui)
	done, _, err := other.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(code, &tok)).Execute()
	if err != nil || done.State != "passed_challenge" || !v.addressOf(id).Verified {
		t.Fatalf("the form's POST: %+v %v", done, err)
	}
	// A link to a flow that does not exist goes to the error UI.
	res, err = other.GetConfig().HTTPClient.Get(v.publicURL + "/self-service/verification?flow=00000000-0000-4000-8000-000000000000&code=123456")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "id=") {
		t.Fatalf("a dead link: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestVerificationConcurrentGuesses: of codes submitted at once, each is counted or refused with
// 409 (and then had no effect): the stored attempts equal the 200 answers, and past five the
// right code is refused.
func TestVerificationConcurrentGuesses(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.IdentityStore) {
		v := newVerifyEnv(t, st)
		v.register(email, password1)
		app := v.app()
		f, code := v.codeSent(app)
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[int]int{}
		for i := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				guess := strconv.Itoa(100000 + i)
				if guess == code {
					guess = "999999"
				}
				_, res, _ := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(guess, nil)).Execute()
				mu.Lock()
				statuses[res.StatusCode]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if statuses[http.StatusOK]+statuses[http.StatusConflict] != 30 || statuses[http.StatusOK] == 0 {
			t.Fatalf("answers %v, want only 200 and 409", statuses)
		}
		rec, err := v.st.GetSelfServiceFlow(v.ctx, store.VerificationFlow, f.Id)
		if err != nil {
			t.Fatal(err)
		}
		var stored struct {
			Attempts int `json:"code_attempts"`
		}
		if err := json.Unmarshal(rec.Data, &stored); err != nil {
			t.Fatal(err)
		}
		if stored.Attempts != statuses[http.StatusOK] {
			t.Fatalf("stored attempts %d, answers %v", stored.Attempts, statuses)
		}
		if stored.Attempts >= 5 {
			last, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(code, nil)).Execute()
			if err != nil || last.State == "passed_challenge" {
				t.Fatalf("the right code after %d counted guesses: %+v %v", stored.Attempts, last, err)
			}
		}
	})
}

// TestVerificationCodeRace: the right code submitted ten times at once passes the flow once; the
// others are 409, or come after and find it spent or the flow passed.
func TestVerificationCodeRace(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.IdentityStore) {
		v := newVerifyEnv(t, st)
		id := v.register(email, password1)
		app := v.app()
		f, code := v.codeSent(app)
		var wg sync.WaitGroup
		var mu sync.Mutex
		passed, other := 0, map[int]int{}
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, res, _ := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(code, nil)).Execute()
				mu.Lock()
				defer mu.Unlock()
				if res.StatusCode == http.StatusOK && out.State == "passed_challenge" {
					passed++
					return
				}
				other[res.StatusCode]++
			}()
		}
		wg.Wait()
		if passed != 1 || other[http.StatusOK]+other[http.StatusConflict]+other[http.StatusBadRequest] != 9 {
			t.Fatalf("%d passed, others %v; want one pass", passed, other)
		}
		if !v.addressOf(id).Verified {
			t.Fatal("the address is not verified")
		}
	})
}

// TestVerificationIdentityDeleted: a code whose identity was deleted after it was sent verifies
// nothing and is spent.
func TestVerificationIdentityDeleted(t *testing.T) {
	v := newVerifyEnv(t, nil)
	id := v.register(email, password1)
	app := v.app()
	f, code := v.codeSent(app)
	if _, err := v.adminClient.IdentityAPI.DeleteIdentity(v.ctx, id).Execute(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		out, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(code, nil)).Execute()
		if err != nil || out.State != "sent_email" || !hasMessage(out.Ui, text.ErrorValidationVerificationCodeInvalidOrAlreadyUsed) {
			t.Fatalf("the code of a deleted identity: %+v %v", out, err)
		}
	}
}

// TestVerificationResend: the resend button (email again) sends a new code and voids the one
// before; a browser's form POST goes to the flow's UI.
func TestVerificationResend(t *testing.T) {
	v := newVerifyEnv(t, nil)
	id := v.register(email, password1)
	app := v.app()
	f, first := v.codeSent(app)
	again, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(sendEmailBody(email, nil)).Execute()
	if err != nil || again.State != "sent_email" {
		t.Fatalf("resend: %+v %v", again, err)
	}
	if n := findNode(again.Ui, "email"); n == nil || n.Attributes.UiNodeInputAttributes.Type != "submit" || n.Attributes.UiNodeInputAttributes.Value != email {
		t.Fatalf("the resend button: %s", toJSON(again.Ui))
	}
	second := codeOf(t, v.deliver(2))
	if first != second {
		old, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(first, nil)).Execute()
		if err != nil || old.State != "sent_email" || !hasMessage(old.Ui, text.ErrorValidationVerificationCodeInvalidOrAlreadyUsed) {
			t.Fatalf("the first code after a resend: %+v %v", old, err)
		}
	}

	// A browser's form POST, without asking for JSON, goes to the UI.
	b := v.browser()
	bf, _, err := b.FrontendAPI.CreateBrowserVerificationFlow(v.ctx).Execute()
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"method": {"code"}, "email": {email}, "csrf_token": {csrfToken(t, bf.Ui)}}.Encode()
	req, err := http.NewRequest(http.MethodPost, v.publicURL+"/self-service/verification?flow="+bf.Id, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.GetConfig().HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "https://www.ory.sh/kratos/docs/fallback/verification?flow="+bf.Id) {
		t.Fatalf("the form POST: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	third := codeOf(t, v.deliver(3))
	done, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(second, nil)).Execute()
	if err != nil || done.State != "passed_challenge" || !v.addressOf(id).Verified {
		t.Fatalf("the second code: %+v %v", done, err)
	}
	if third == "" {
		t.Fatal("the browser's flow sent no code")
	}
}

// TestVerificationEnumeration: sending a code to a known address and to an unknown one gives the
// same status and, after normalise (the flow's ID, the address typed, timestamps), the same body
// byte for byte. The medians of both are logged, over PostgreSQL as well: the known address costs
// a read and a write more (its status goes to sent), as in Kratos.
func TestVerificationEnumeration(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.IdentityStore) {
		v := newVerifyEnv(t, st)
		v.register(email, password1)
		v.sameAnswers(t, "verification")
	})
}

// sameAnswers starts API flows of kind (verification, recovery) and asks each for a code for
// the registered address or for an unknown one, fifteen times each: the answers must be the same
// byte for byte once normalised. Their medians are logged.
func (v *verifyEnv) sameAnswers(t *testing.T, kind string) {
	t.Helper()
	send := func(addr string) (raw, time.Duration) {
		f := v.send("GET", v.publicURL+"/self-service/"+kind+"/api", "", "", nil)
		if f.status != http.StatusOK {
			t.Fatalf("start a %s flow: %d %s", kind, f.status, f.body)
		}
		id := flowID(t, f.body)
		start := time.Now()
		res := v.send("POST", v.publicURL+"/self-service/"+kind+"?flow="+id, "", `{"method":"code","email":"`+addr+`"}`, nil)
		took := time.Since(start)
		res.body = normalise(res.body, map[string]string{id: "<flow-id>", addr: "<address>"})
		return res, took
	}
	var known, unknown []time.Duration
	for i := range 15 {
		k, kt := send(email)
		u, ut := send("nobody" + strconv.Itoa(i) + "@example.com")
		if k.status != http.StatusOK || u.status != k.status || !bytes.Equal(k.body, u.body) {
			t.Fatalf("known %d %s\nunknown %d %s", k.status, k.body, u.status, u.body)
		}
		known, unknown = append(known, kt), append(unknown, ut)
	}
	slices.Sort(known)
	slices.Sort(unknown)
	t.Logf("median POST with an email: known address %v, unknown %v", known[len(known)/2], unknown[len(unknown)/2])
}

// TestVerificationReturnTo: a flow's allowed return_to is its continue link once verified; one
// outside the allowed URLs is refused when the flow starts.
func TestVerificationReturnTo(t *testing.T) {
	v := newVerifyEnv(t, nil)
	v.register(email, password1)
	app := v.app()
	_, res, err := app.FrontendAPI.CreateNativeVerificationFlow(v.ctx).ReturnTo("https://evil.example/").Execute()
	wantError(t, "a foreign return_to", res, err, http.StatusBadRequest, "self_service_flow_return_to_forbidden")
	f, _, err := app.FrontendAPI.CreateNativeVerificationFlow(v.ctx).ReturnTo("https://app.example.com/after").Execute()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(sendEmailBody(email, nil)).Execute(); err != nil {
		t.Fatal(err)
	}
	done, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(codeBody(codeOf(t, v.deliver(1)), nil)).Execute()
	if err != nil || done.State != "passed_challenge" || done.Ui.Action != "https://app.example.com/after" {
		t.Fatalf("verified with return_to: %+v %v", done, err)
	}
}

// TestVerificationByLink runs Kratos's link method (selfservice.flows.verification.use: link)
// through client-go: the emailed link verifies the address when opened (303 to the flow's UI,
// the flow passed); opened again it changes nothing.
func TestVerificationByLink(t *testing.T) {
	v := newMailEnv(t, nil, envOptions{verificationUse: flow.UseLink})
	id := v.register(email, password1)
	app := v.app()
	f, _, err := app.FrontendAPI.CreateNativeVerificationFlow(v.ctx).Execute()
	if err != nil {
		t.Fatal(err)
	}
	body := ory.UpdateVerificationFlowWithLinkMethodAsUpdateVerificationFlowBody(&ory.UpdateVerificationFlowWithLinkMethod{Method: "link", Email: email})
	sent, _, err := app.FrontendAPI.UpdateVerificationFlow(v.ctx).Flow(f.Id).UpdateVerificationFlowBody(body).Execute()
	if err != nil || sent.State != "sent_email" || !hasMessage(sent.Ui, text.InfoSelfServiceVerificationEmailSent) {
		t.Fatalf("send the link: %s %v", toJSON(sent), err)
	}
	m := v.deliver(1)
	target := linkLine.FindString(m.Plain)
	if !strings.Contains(target, "token=") || strings.Contains(target, "code=") {
		t.Fatalf("the email's link %q in %q", target, m.Plain)
	}
	if a := v.addressOf(id); a.Verified {
		t.Fatal("sending the link verified the address")
	}
	got := v.send("GET", target, "", "", http.Header{"Accept": {"text/html"}})
	if loc := got.header.Get("Location"); got.status != http.StatusSeeOther || !strings.Contains(loc, "flow="+f.Id) {
		t.Fatalf("the link: %d to %q", got.status, loc)
	}
	if a := v.addressOf(id); !a.Verified || a.Status != "completed" {
		t.Fatalf("the address after the link: %+v", a)
	}
	done, _, err := app.FrontendAPI.GetVerificationFlow(v.ctx).Id(f.Id).Execute()
	if err != nil || done.State != "passed_challenge" {
		t.Fatalf("the flow after the link: %s %v", toJSON(done), err)
	}
	if again := v.send("GET", target, "", "", http.Header{"Accept": {"text/html"}}); again.status != http.StatusSeeOther {
		t.Fatalf("the link again: %d", again.status)
	}
}
