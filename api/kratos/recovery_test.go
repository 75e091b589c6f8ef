package kratos_test

import (
	"encoding/json"
	"io"
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

	"github.com/wardhq/ward/identity/courier/smtptest"
	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/store"
)

func newRecoveryEnv(t testing.TB, st store.IdentityStore) *verifyEnv {
	t.Helper()
	return newMailEnv(t, st, envOptions{recovery: true})
}

func recoveryEmailBody(addr string, csrf *string) ory.UpdateRecoveryFlowBody {
	return ory.UpdateRecoveryFlowWithCodeMethodAsUpdateRecoveryFlowBody(&ory.UpdateRecoveryFlowWithCodeMethod{
		Method: "code", Email: &addr, CsrfToken: csrf,
	})
}

func recoveryCodeBody(code string, csrf *string) ory.UpdateRecoveryFlowBody {
	return ory.UpdateRecoveryFlowWithCodeMethodAsUpdateRecoveryFlowBody(&ory.UpdateRecoveryFlowWithCodeMethod{
		Method: "code", Code: &code, CsrfToken: csrf,
	})
}

// recoverySent starts an app's recovery flow and has it send a code to addr; the mailbox's n-th
// message is that code's.
func (v *verifyEnv) recoverySent(app *ory.APIClient, addr string, n int) (*ory.RecoveryFlow, smtptest.Message) {
	v.t.Helper()
	f, _, err := app.FrontendAPI.CreateNativeRecoveryFlow(v.ctx).Execute()
	if err != nil {
		v.t.Fatal(err)
	}
	sent, _, err := app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryEmailBody(addr, nil)).Execute()
	if err != nil {
		v.t.Fatalf("send the recovery code: %v", err)
	}
	return sent, v.deliver(n)
}

// continueWith splits a passed recovery flow's continue_with into its session token and its
// settings flow; "" for what it lacks.
func continueWith(f *ory.RecoveryFlow) (token, settingsID, settingsURL string) {
	for _, c := range f.ContinueWith {
		if s := c.ContinueWithSetOrySessionToken; s != nil {
			token = s.OrySessionToken
		}
		if s := c.ContinueWithSettingsUi; s != nil {
			settingsID, settingsURL = s.Flow.Id, s.Flow.GetUrl()
		}
	}
	return token, settingsID, settingsURL
}

// TestRecoveryByCode runs Kratos's recovery by code through client-go, over each store: the code
// arrives over SMTP, a wrong one is refused, the right one gives the app a session and a
// settings flow that sets a new password at once (the session is privileged), and the code
// works once.
func TestRecoveryByCode(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.IdentityStore) {
		v := newRecoveryEnv(t, st)
		id := v.register(email, password1)
		app := v.app()
		f, _, err := app.FrontendAPI.CreateNativeRecoveryFlow(v.ctx).Execute()
		if err != nil {
			t.Fatal(err)
		}
		if f.State != ory.RECOVERYFLOWSTATE_CHOOSE_METHOD || f.Type != "api" || !strings.HasSuffix(f.Ui.Action, "/self-service/recovery?flow="+f.Id) {
			t.Fatalf("new flow %s", toJSON(f))
		}
		if n := findNode(f.Ui, "email"); n == nil || n.Group != "code" || n.Attributes.UiNodeInputAttributes.Type != "email" {
			t.Fatalf("the form has no email input in the code group: %s", toJSON(f.Ui))
		}
		if got, _, err := app.FrontendAPI.GetRecoveryFlow(v.ctx).Id(f.Id).Execute(); err != nil || got.Id != f.Id {
			t.Fatalf("get the flow: %+v %v", got, err)
		}
		sent, _, err := app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryEmailBody(" ADA@example.com", nil)).Execute()
		if err != nil {
			t.Fatalf("send the code: %v", err)
		}
		if sent.State != ory.RECOVERYFLOWSTATE_SENT_EMAIL || !hasMessage(sent.Ui, text.InfoSelfServiceRecoveryEmailWithCodeSent) || findNode(sent.Ui, "code") == nil {
			t.Fatalf("after the email: %s", toJSON(sent))
		}
		m := v.deliver(1)
		if !slices.Equal(m.EnvelopeTo, []string{email}) || m.Subject != "Recover access to your account" {
			t.Fatalf("delivered %+v", m)
		}
		code := codeOf(t, m)

		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		bad, _, err := app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryCodeBody(wrong, nil)).Execute()
		if err != nil || bad.State != ory.RECOVERYFLOWSTATE_SENT_EMAIL || !hasMessage(bad.Ui, text.ErrorValidationRecoveryCodeInvalidOrAlreadyUsed) {
			t.Fatalf("a wrong code: %s %v", toJSON(bad), err)
		}

		done, _, err := app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryCodeBody(code, nil)).Execute()
		if err != nil || done.State != ory.RECOVERYFLOWSTATE_PASSED_CHALLENGE {
			t.Fatalf("the code: %s %v", toJSON(done), err)
		}
		token, settingsID, settingsURL := continueWith(done)
		if token == "" || settingsID == "" || !strings.Contains(settingsURL, "flow="+settingsID) {
			t.Fatalf("continue_with %s", toJSON(done.ContinueWith))
		}
		sess, _, err := app.FrontendAPI.ToSession(v.ctx).XSessionToken(token).Execute()
		if err != nil || sess.Identity.Id != id || sess.AuthenticationMethods[0].GetMethod() != "code_recovery" {
			t.Fatalf("the recovered session: %s %v", toJSON(sess), err)
		}

		sf, _, err := app.FrontendAPI.GetSettingsFlow(v.ctx).Id(settingsID).XSessionToken(token).Execute()
		if err != nil || !hasMessage(sf.Ui, text.InfoSelfServiceRecoverySuccessful) {
			t.Fatalf("the settings flow: %s %v", toJSON(sf), err)
		}
		v.advance(30 * time.Minute)
		pw := ory.UpdateSettingsFlowWithPasswordMethodAsUpdateSettingsFlowBody(&ory.UpdateSettingsFlowWithPasswordMethod{Method: "password", Password: password2})
		set, _, err := app.FrontendAPI.UpdateSettingsFlow(v.ctx).Flow(settingsID).XSessionToken(token).UpdateSettingsFlowBody(pw).Execute()
		if err != nil || set.State != "success" {
			t.Fatalf("set the new password: %s %v", toJSON(set), err)
		}
		if res := v.apiLogin(email, password2, nil); res.status != http.StatusOK {
			t.Fatalf("log in with the new password: %d %s", res.status, res.body)
		}
		if res := v.apiLogin(email, password1, nil); res.status != http.StatusBadRequest {
			t.Fatalf("the old password still logs in: %d", res.status)
		}

		_, res, err := app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryCodeBody(code, nil)).Execute()
		wantRefusedWith(t, "the code again", res, err, text.ErrorValidationRecoveryRetrySuccess)
	})
}

// TestRecoveryAttempts: after five codes a flow refuses the right one too, and must be started
// again; a code past its fifteen minutes is refused; a second email voids the first code.
func TestRecoveryAttempts(t *testing.T) {
	v := newRecoveryEnv(t, nil)
	v.register(email, password1)
	app := v.app()
	invalid := func(what string, f *ory.RecoveryFlow, err error) {
		t.Helper()
		if err != nil || f.State != ory.RECOVERYFLOWSTATE_SENT_EMAIL || !hasMessage(f.Ui, text.ErrorValidationRecoveryCodeInvalidOrAlreadyUsed) {
			t.Fatalf("%s: %s %v", what, toJSON(f), err)
		}
	}
	f, m := v.recoverySent(app, email, 1)
	code := codeOf(t, m)
	for i := range 5 {
		guess := strconv.Itoa(100000 + i)
		if guess == code {
			guess = "999999"
		}
		got, _, err := app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryCodeBody(guess, nil)).Execute()
		invalid("guess "+guess, got, err)
	}
	got, _, err := app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryCodeBody(code, nil)).Execute()
	invalid("the right code after five guesses", got, err)

	// A new flow and a new code; this one waits too long.
	f, m = v.recoverySent(app, email, 2)
	code = codeOf(t, m)
	v.advance(flow.DefaultRecoveryCodeLifespan + time.Second)
	got, _, err = app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryCodeBody(code, nil)).Execute()
	invalid("an expired code", got, err)

	// Sending again voids the code before; the new one works.
	f, m = v.recoverySent(app, email, 3)
	first := codeOf(t, m)
	if _, _, err := app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryEmailBody(email, nil)).Execute(); err != nil {
		t.Fatal(err)
	}
	second := codeOf(t, v.deliver(4))
	if first != second {
		got, _, err = app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryCodeBody(first, nil)).Execute()
		invalid("the voided code", got, err)
	}
	got, _, err = app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryCodeBody(second, nil)).Execute()
	if err != nil || got.State != ory.RECOVERYFLOWSTATE_PASSED_CHALLENGE {
		t.Fatalf("the new code: %s %v", toJSON(got), err)
	}
}

// TestRecoveryEnumeration: the answers for a known and an unknown address are the same byte for
// byte, over both stores; the unknown address is told someone tried (recovery_code_invalid).
func TestRecoveryEnumeration(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.IdentityStore) {
		v := newRecoveryEnv(t, st)
		v.register(email, password1)
		v.sameAnswers(t, "recovery")
		m := v.deliver(2)
		if !slices.Equal(m.EnvelopeTo, []string{"nobody0@example.com"}) || m.Subject != "Account access attempted" || codeLine.MatchString(m.Plain) {
			t.Fatalf("the unknown address got %+v", m)
		}
	})
}

// TestRecoveryBrowser: a browser's flow checks CSRF and, recovered, holds the session cookie
// and its settings flow; a signed-in browser cannot start another recovery; a form POST goes to
// the settings UI.
func TestRecoveryBrowser(t *testing.T) {
	v := newRecoveryEnv(t, nil)
	v.register(email, password1)
	b := v.browser()
	f, _, err := b.FrontendAPI.CreateBrowserRecoveryFlow(v.ctx).Execute()
	if err != nil {
		t.Fatal(err)
	}
	tok := csrfToken(t, f.Ui)
	_, res, err := v.browser().FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryEmailBody(email, &tok)).Execute()
	wantError(t, "another browser", res, err, http.StatusForbidden, "security_csrf_violation")
	if _, _, err := b.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryEmailBody(email, &tok)).Execute(); err != nil {
		t.Fatal(err)
	}
	code := codeOf(t, v.deliver(1))
	done, _, err := b.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryCodeBody(code, &tok)).Execute()
	if err != nil || done.State != ory.RECOVERYFLOWSTATE_PASSED_CHALLENGE {
		t.Fatalf("the browser's code: %s %v", toJSON(done), err)
	}
	token, settingsID, _ := continueWith(done)
	if token != "" || settingsID == "" {
		t.Fatalf("a browser's continue_with: %s", toJSON(done.ContinueWith))
	}
	if _, _, err := b.FrontendAPI.ToSession(v.ctx).Execute(); err != nil {
		t.Fatalf("the browser holds no session: %v", err)
	}
	if _, _, err := b.FrontendAPI.GetSettingsFlow(v.ctx).Id(settingsID).Execute(); err != nil {
		t.Fatalf("the browser's settings flow: %v", err)
	}
	_, res, err = b.FrontendAPI.CreateBrowserRecoveryFlow(v.ctx).Execute()
	wantError(t, "a signed-in browser", res, err, http.StatusBadRequest, "session_already_available")

	// A browser without JavaScript: form posts, 303s, cookies.
	bs := &browserSession{cookies: map[string]string{}}
	id, csrf, sent := v.browserForm(bs, "recovery", url.Values{"method": {"code"}, "email": {email}})
	if sent.status != http.StatusSeeOther || !strings.HasPrefix(sent.header.Get("Location"), flow.DefaultRecoveryUIURL+"?flow="+id) {
		t.Fatalf("the form's email: %d to %q", sent.status, sent.header.Get("Location"))
	}
	code = codeOf(t, v.deliver(2))
	h := bs.header()
	h.Set("Accept", "text/html")
	form := url.Values{"method": {"code"}, "code": {code}, "csrf_token": {csrf}}.Encode()
	to := v.send("POST", v.publicURL+"/self-service/recovery?flow="+id, "application/x-www-form-urlencoded", form, h)
	loc := to.header.Get("Location")
	if to.status != http.StatusSeeOther || !strings.HasPrefix(loc, flow.DefaultSettingsUIURL+"?flow=") {
		t.Fatalf("the form's code: %d to %q", to.status, loc)
	}
	bs.keep(to)
	if bs.cookies["ward_session"] == "" {
		t.Fatalf("no session cookie: %v", to.header.Values("Set-Cookie"))
	}
}

// TestRecoveryAdminCode: POST /admin/recovery/code through client-go: the link and the code
// recover the identity in that flow, from any browser; unknown identities are 404, bad
// durations 400.
func TestRecoveryAdminCode(t *testing.T) {
	v := newRecoveryEnv(t, nil)
	id := v.register(email, password1)
	expires := "2h"
	rc, res, err := v.adminClient.IdentityAPI.CreateRecoveryCodeForIdentity(v.ctx).
		CreateRecoveryCodeForIdentityBody(ory.CreateRecoveryCodeForIdentityBody{IdentityId: id, ExpiresIn: &expires}).Execute()
	if err != nil || res.StatusCode != http.StatusCreated || len(rc.RecoveryCode) != 6 {
		t.Fatalf("create a recovery code: %+v %v", rc, err)
	}
	if got := rc.GetExpiresAt(); got.Sub(v.clock()) != 2*time.Hour {
		t.Fatalf("expires_at %v, now %v", got, v.clock())
	}
	link, err := url.Parse(rc.RecoveryLink)
	if err != nil || !strings.HasPrefix(rc.RecoveryLink, flow.DefaultRecoveryUIURL+"?flow=") {
		t.Fatalf("recovery_link %q", rc.RecoveryLink)
	}
	flowID := link.Query().Get("flow")
	b := v.browser()
	f, _, err := b.FrontendAPI.GetRecoveryFlow(v.ctx).Id(flowID).Execute()
	if err != nil || f.State != ory.RECOVERYFLOWSTATE_SENT_EMAIL || findNode(f.Ui, "code") == nil {
		t.Fatalf("the admin's flow in a browser: %s %v", toJSON(f), err)
	}
	done, _, err := b.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(flowID).UpdateRecoveryFlowBody(recoveryCodeBody(rc.RecoveryCode, nil)).Execute()
	if err != nil || done.State != ory.RECOVERYFLOWSTATE_PASSED_CHALLENGE {
		t.Fatalf("the admin's code: %s %v", toJSON(done), err)
	}
	if sess, _, err := b.FrontendAPI.ToSession(v.ctx).Execute(); err != nil || sess.Identity.Id != id {
		t.Fatalf("the recovered browser's session: %v", err)
	}

	_, res, err = v.adminClient.IdentityAPI.CreateRecoveryCodeForIdentity(v.ctx).
		CreateRecoveryCodeForIdentityBody(ory.CreateRecoveryCodeForIdentityBody{IdentityId: "6a0c2f6e-8b0e-4bb8-9d0b-8a9a3c1d2e3f"}).Execute()
	wantError(t, "an unknown identity", res, err, http.StatusNotFound, "")
	zero := "0s"
	_, res, err = v.adminClient.IdentityAPI.CreateRecoveryCodeForIdentity(v.ctx).
		CreateRecoveryCodeForIdentityBody(ory.CreateRecoveryCodeForIdentityBody{IdentityId: id, ExpiresIn: &zero}).Execute()
	wantError(t, "expires_in 0s", res, err, http.StatusBadRequest, "")
	bad := v.send("POST", v.adminURL+flow.RouteAdminRecoveryCode, "", `{"identity_id":"not-a-uuid"}`, nil)
	if bad.status != http.StatusBadRequest {
		t.Fatalf("a malformed identity_id: %d %s", bad.status, bad.body)
	}
}

// TestRecoveryDisabled: without selfservice.flows.recovery.enabled the public routes answer 400
// and the admin route 404.
func TestRecoveryDisabled(t *testing.T) {
	e := newEnv(t, nil)
	_, res, err := e.app().FrontendAPI.CreateNativeRecoveryFlow(e.ctx).Execute()
	wantError(t, "disabled", res, err, http.StatusBadRequest, "")
	_, res, err = e.adminClient.IdentityAPI.CreateRecoveryCodeForIdentity(e.ctx).
		CreateRecoveryCodeForIdentityBody(ory.CreateRecoveryCodeForIdentityBody{IdentityId: "6a0c2f6e-8b0e-4bb8-9d0b-8a9a3c1d2e3f"}).Execute()
	wantError(t, "disabled admin route", res, err, http.StatusNotFound, "")
}

// TestRecoveryCodeRace: the right code submitted ten times at once recovers the identity once:
// one answer passes the flow with a session, the others are 409, or come after and find the flow
// passed; the identity has one session.
func TestRecoveryCodeRace(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.IdentityStore) {
		v := newRecoveryEnv(t, st)
		id := v.register(email, password1)
		app := v.app()
		f, m := v.recoverySent(app, email, 1)
		code := codeOf(t, m)
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses, passed := map[int]int{}, 0
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, res, _ := app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryCodeBody(code, nil)).Execute()
				mu.Lock()
				defer mu.Unlock()
				statuses[res.StatusCode]++
				if res.StatusCode == http.StatusOK && got.State == ory.RECOVERYFLOWSTATE_PASSED_CHALLENGE {
					if token, _, _ := continueWith(got); token != "" {
						passed++
					}
				}
			}()
		}
		wg.Wait()
		if passed != 1 || statuses[http.StatusOK]+statuses[http.StatusConflict]+statuses[http.StatusBadRequest] != 10 {
			t.Fatalf("answers %v, %d passed with a session; want one", statuses, passed)
		}
		sessions, _, err := v.adminClient.IdentityAPI.ListIdentitySessions(v.ctx, id).Execute()
		if err != nil || len(sessions) != 1 {
			t.Fatalf("the identity's sessions: %d %v", len(sessions), err)
		}
	})
}

// TestRecoveryDisabledIdentity: a disabled identity's address is answered as any other (the code
// is sent), and its code starts no session.
func TestRecoveryDisabledIdentity(t *testing.T) {
	v := newRecoveryEnv(t, nil)
	id := v.register(email, password1)
	patch := []ory.JsonPatch{{Op: "replace", Path: "/state", Value: "inactive"}}
	if _, _, err := v.adminClient.IdentityAPI.PatchIdentity(v.ctx, id).JsonPatch(patch).Execute(); err != nil {
		t.Fatal(err)
	}
	app := v.app()
	f, m := v.recoverySent(app, email, 1)
	if f.State != ory.RECOVERYFLOWSTATE_SENT_EMAIL {
		t.Fatalf("the disabled identity's flow: %s", toJSON(f))
	}
	got, res, err := app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryCodeBody(codeOf(t, m), nil)).Execute()
	if err == nil {
		t.Fatalf("a disabled identity recovered: %s", toJSON(got))
	}
	wantError(t, "a disabled identity's code", res, err, http.StatusUnauthorized, "")
	sessions, _, err := v.adminClient.IdentityAPI.ListIdentitySessions(v.ctx, id).Execute()
	if err != nil || len(sessions) != 0 {
		t.Fatalf("the disabled identity's sessions: %d %v", len(sessions), err)
	}
}

// FuzzRecoveryCodeBody posts any body to POST /admin/recovery/code, where "{id}" stands for an
// identity's ID: the answer is 201 with a code and a link, or Kratos's 400 or 404 error, never
// anything else; 201 only for that identity, and no other identity gets a flow.
func FuzzRecoveryCodeBody(f *testing.F) {
	v := newRecoveryEnv(f, nil)
	id := v.register(email, password1)
	f.Add(`{"identity_id":"{id}"}`)
	f.Add(`{"identity_id":"{id}","expires_in":"1h30m","flow_type":"api"}`)
	f.Add(`{"identity_id":"{id}","expires_in":"-5m"}`)
	f.Add(`{"identity_id":"{id}","expires_in":"9999999999h"}`)
	f.Add(`{"identity_id":"{id}","flow_type":"native"}`)
	f.Add(`{"identity_id":"6a0c2f6e-8b0e-4bb8-9d0b-8a9a3c1d2e3f"}`)
	f.Add(`{"identity_id":12}`)
	f.Add(`[]`)
	f.Add(`{"identity_id":"{id}"} {}`)
	f.Fuzz(func(t *testing.T, body string) {
		body = strings.ReplaceAll(body, "{id}", id)
		res, err := noRedirects.Post(v.adminURL+flow.RouteAdminRecoveryCode, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		w := raw{status: res.StatusCode, body: b}
		switch w.status {
		case http.StatusCreated:
			var rc ory.RecoveryCodeForIdentity
			if err := json.Unmarshal(w.body, &rc); err != nil || len(rc.RecoveryCode) != 6 || !strings.Contains(rc.RecoveryLink, "flow=") {
				t.Fatalf("201 to %q: %s", body, w.body)
			}
			if !strings.Contains(body, id) {
				t.Fatalf("201 to %q, which names no identity", body)
			}
		case http.StatusBadRequest, http.StatusNotFound:
			var e kratosErr
			if json.Unmarshal(w.body, &e) != nil || e.Error.Code != w.status || e.Error.Reason == "" && e.Error.Message == "" {
				t.Fatalf("%d to %q: %s, want Kratos's error", w.status, body, w.body)
			}
		default:
			t.Fatalf("%d to %q: %s", w.status, body, w.body)
		}
	})
}

var recoveryLinkLine = regexp.MustCompile(`https?://[^\s"<>]+/self-service/recovery\?[^\s"<>]+`)

// TestRecoveryByLink runs Kratos's link method (selfservice.flows.recovery.use: link) through
// client-go and a browser without JavaScript: the emailed link, opened in another browser than
// the one that asked, signs it in (a link_recovery session cookie) and sends it to the settings
// flow; opened again it sends the browser to a new flow that says the link is spent. The admin
// API's link works the same way.
func TestRecoveryByLink(t *testing.T) {
	v := newMailEnv(t, nil, envOptions{recovery: true, recoveryUse: flow.UseLink})
	id := v.register(email, password1)
	app := v.app()
	f, _, err := app.FrontendAPI.CreateNativeRecoveryFlow(v.ctx).Execute()
	if err != nil {
		t.Fatal(err)
	}
	link := ory.UpdateRecoveryFlowWithLinkMethodAsUpdateRecoveryFlowBody(&ory.UpdateRecoveryFlowWithLinkMethod{Method: "link", Email: email})
	sent, _, err := app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(link).Execute()
	if err != nil || sent.State != ory.RECOVERYFLOWSTATE_SENT_EMAIL || !hasMessage(sent.Ui, text.InfoSelfServiceRecoveryEmailSent) {
		t.Fatalf("send the link: %s %v", toJSON(sent), err)
	}
	_, res, err := app.FrontendAPI.UpdateRecoveryFlow(v.ctx).Flow(f.Id).UpdateRecoveryFlowBody(recoveryCodeBody("123456", nil)).Execute()
	wantRefusedWith(t, "a code in link mode", res, err, text.ErrorValidationRecoveryNoStrategyFound)
	m := v.deliver(1)
	target := recoveryLinkLine.FindString(m.Plain)
	if m.Subject != "Recover access to your account" || !strings.Contains(target, "flow="+f.Id) || !strings.Contains(target, "token=") {
		t.Fatalf("the email %q %q", m.Subject, m.Plain)
	}
	open := func(link string) raw {
		t.Helper()
		h := http.Header{"Accept": {"text/html"}}
		return v.send("GET", link, "", "", h)
	}
	got := open(target)
	if loc := got.header.Get("Location"); got.status != http.StatusSeeOther || !strings.HasPrefix(loc, flow.DefaultSettingsUIURL+"?flow=") {
		t.Fatalf("the link: %d to %q", got.status, loc)
	}
	bs := &browserSession{cookies: map[string]string{}}
	bs.keep(got)
	sess, _, err := app.FrontendAPI.ToSession(v.ctx).XSessionToken(bs.cookies["ward_session"]).Execute()
	if err != nil || sess.Identity.Id != id || sess.AuthenticationMethods[0].GetMethod() != "link_recovery" {
		t.Fatalf("the link's session: %v", err)
	}
	again := open(target)
	if loc := again.header.Get("Location"); again.status != http.StatusSeeOther || !strings.HasPrefix(loc, flow.DefaultRecoveryUIURL+"?flow=") || strings.Contains(loc, f.Id) {
		t.Fatalf("the link again: %d to %q", again.status, loc)
	}

	rl, res, err := v.adminClient.IdentityAPI.CreateRecoveryLinkForIdentity(v.ctx).
		CreateRecoveryLinkForIdentityBody(ory.CreateRecoveryLinkForIdentityBody{IdentityId: id}).Execute()
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("the admin link: %+v %v", rl, err)
	}
	if got := open(rl.RecoveryLink); got.status != http.StatusSeeOther || !strings.HasPrefix(got.header.Get("Location"), flow.DefaultSettingsUIURL+"?flow=") {
		t.Fatalf("the admin link: %d to %q", got.status, got.header.Get("Location"))
	}
}
