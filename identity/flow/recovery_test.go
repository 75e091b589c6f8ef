package flow_test

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/store"
)

func recoveryEnv(t *testing.T) (*env, *outbox) {
	t.Helper()
	box := &outbox{}
	e := newEnv(t, func(c *flow.Config) {
		c.RecoveryEnabled, c.Courier = true, box
		c.Recovery = flow.FlowConfig{UIURL: "https://app.example.com/recovery"}
	})
	return e, box
}

// startRecovery starts a recovery flow of b (nil: an app) and asks for a code for email.
func (e *env) startRecovery(b *browser, email string) (*flow.RecoveryResult, string) {
	e.t.Helper()
	return e.startRecoveryBy(b, "code", email)
}

// startRecoveryBy is startRecovery by method (code, link).
func (e *env) startRecoveryBy(b *browser, method, email string) (*flow.RecoveryResult, string) {
	e.t.Helper()
	t := flow.TypeAPI
	if b != nil {
		t = flow.TypeBrowser
	}
	init, err := e.svc.InitRecovery(e.ctx, t, request(b, flow.RouteRecoveryInitAPI, ""))
	if err != nil {
		e.t.Fatal(err)
	}
	id := init.Flow.ID
	res, err := e.svc.SubmitRecovery(e.ctx, form(request(b, "/self-service/recovery?flow="+id, ""),
		"method", method, "email", email, "csrf_token", csrfOf(init.Flow.UI)), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return res, id
}

func (e *env) submitRecoveryCode(b *browser, id, code string) *flow.RecoveryResult {
	e.t.Helper()
	csrf := ""
	if b != nil {
		f, err := e.svc.GetRecovery(e.ctx, request(b, "/self-service/recovery/flows", ""), id)
		if err != nil {
			e.t.Fatalf("read the flow: %v", err)
		}
		csrf = csrfOf(f.UI)
	}
	r := form(request(b, "/self-service/recovery?flow="+id, ""), "method", "code", "code", code, "csrf_token", csrf)
	res, err := e.svc.SubmitRecovery(e.ctx, r, id)
	if err != nil {
		e.t.Fatalf("submit code: %v", err)
	}
	return res
}

// TestRecoveryByCode: an app asks for a code, the code signs it in (a code_recovery session)
// and leads to a settings flow of that session, privileged: it sets a new password with no
// re-authentication, and the new password logs in. The code works once.
func TestRecoveryByCode(t *testing.T) {
	e, box := recoveryEnv(t)
	who := e.register("rita@example.com", "correct horse battery")
	res, id := e.startRecovery(nil, "Rita@Example.com")
	if res.Flow.State != flow.StateSentEmail || !slices.Contains(messageIDs(res.Flow.UI.Messages), text.InfoSelfServiceRecoveryEmailWithCodeSent) {
		t.Fatalf("after the email: state %s, messages %v", res.Flow.State, messageIDs(res.Flow.UI.Messages))
	}
	code := box.code(t)
	if got := box.lastMail(t).to; got != "rita@example.com" {
		t.Fatalf("the code went to %q", got)
	}
	rec, err := e.st.GetSelfServiceFlow(e.ctx, store.RecoveryFlow, id)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(rec.Data, []byte(code)) {
		t.Fatalf("the stored flow holds the code %s", code)
	}

	e.advance(time.Minute)
	done := e.submitRecoveryCode(nil, id, code)
	f := done.Flow
	if f.State != flow.StatePassedChallenge || len(f.ContinueWith) != 2 {
		t.Fatalf("after the code: state %s, continue_with %+v, messages %v", f.State, f.ContinueWith, messageIDs(f.UI.Messages))
	}
	if f.ContinueWith[0].Action != flow.ActionSetSessionToken || f.ContinueWith[0].OrySessionToken == "" {
		t.Fatalf("continue_with[0] = %+v", f.ContinueWith[0])
	}
	show := f.ContinueWith[1]
	if show.Action != flow.ActionShowSettingsUI || show.Flow == nil || show.Flow.ID == "" {
		t.Fatalf("continue_with[1] = %+v", show)
	}
	token := f.ContinueWith[0].OrySessionToken
	sess, err := e.ids.Whoami(e.ctx, token)
	if err != nil || sess.IdentityID != who.ID || sess.AuthenticationMethods[0].Method != "code_recovery" {
		t.Fatalf("the recovered session: %+v, %v", sess, err)
	}
	if stored, _ := e.st.GetSelfServiceFlow(e.ctx, store.RecoveryFlow, id); bytes.Contains(stored.Data, []byte(token)) {
		t.Fatal("the stored flow holds the session token")
	}

	// The settings flow says the account was recovered, and takes a new password at once.
	settings, err := e.svc.GetSettings(e.ctx, request(nil, "/self-service/settings/flows?id="+show.Flow.ID, token), show.Flow.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(messageIDs(settings.UI.Messages), text.InfoSelfServiceRecoverySuccessful) {
		t.Fatalf("the settings flow's messages: %v", messageIDs(settings.UI.Messages))
	}
	e.advance(10 * time.Minute)
	set, err := e.svc.SubmitSettings(e.ctx, form(request(nil, "/self-service/settings?flow="+settings.ID, token),
		"method", "password", "password", "a brand new passphrase"), settings.ID)
	if err != nil || set.Refused || set.Flow.State != flow.StateSuccess {
		t.Fatalf("set the new password: %v %+v", err, set)
	}
	e.login(nil, "rita@example.com", "a brand new passphrase")

	// The flow passed: the code does nothing more.
	again, err := e.svc.SubmitRecovery(e.ctx, form(request(nil, "/self-service/recovery?flow="+id, ""), "method", "code", "code", code), id)
	if err != nil || !again.Refused || !slices.Contains(messageIDs(again.Flow.UI.Messages), text.ErrorValidationRecoveryRetrySuccess) {
		t.Fatalf("the code again: %v %+v", err, again)
	}
}

// TestRecoveryVerifiesAddress: a code that reached the address proves it, as in Kratos.
func TestRecoveryVerifiesAddress(t *testing.T) {
	e, box := recoveryEnv(t)
	who := e.register("vic@example.com", "correct horse battery")
	_, id := e.startRecovery(nil, "vic@example.com")
	e.submitRecoveryCode(nil, id, box.code(t))
	got, err := e.ids.GetIdentity(e.ctx, who.ID)
	if err != nil || len(got.VerifiableAddresses) != 1 || !got.VerifiableAddresses[0].Verified {
		t.Fatalf("after recovery: %+v, %v", got.VerifiableAddresses, err)
	}
}

// TestRecoveryUnknownAddress: an address no identity has gets recovery_code_invalid, and the
// flow answers as for a known one: same state, same nodes, same messages.
func TestRecoveryUnknownAddress(t *testing.T) {
	e, box := recoveryEnv(t)
	e.register("kim@example.com", "correct horse battery")
	known, _ := e.startRecovery(nil, "kim@example.com")
	unknown, _ := e.startRecovery(nil, "nobody@example.com")
	if last := box.lastMail(t); last.template != "recovery_code_invalid" || last.to != "nobody@example.com" || last.data["RecoveryCode"] != nil {
		t.Fatalf("the unknown address got %s %v", last.template, last.data)
	}
	if known.Flow.State != unknown.Flow.State || !slices.Equal(messageIDs(known.Flow.UI.Messages), messageIDs(unknown.Flow.UI.Messages)) ||
		len(known.Flow.UI.Nodes) != len(unknown.Flow.UI.Nodes) {
		t.Fatalf("known %s %v (%d nodes), unknown %s %v (%d nodes)", known.Flow.State, messageIDs(known.Flow.UI.Messages), len(known.Flow.UI.Nodes),
			unknown.Flow.State, messageIDs(unknown.Flow.UI.Messages), len(unknown.Flow.UI.Nodes))
	}
}

// TestRecoveryCodeLimits: a wrong code is 4060006 and counts; after five submissions the right
// code is refused too, so the flow must be restarted; a code past its lifespan is refused; a new
// email voids the code before it.
func TestRecoveryCodeLimits(t *testing.T) {
	invalid := func(t *testing.T, res *flow.RecoveryResult) {
		t.Helper()
		if res.Flow.State != flow.StateSentEmail || !slices.Contains(messageIDs(res.Flow.UI.Messages), text.ErrorValidationRecoveryCodeInvalidOrAlreadyUsed) {
			t.Fatalf("state %s, messages %v; want sent_email and 4060006", res.Flow.State, messageIDs(res.Flow.UI.Messages))
		}
	}
	// sent is a flow that sent ann a code.
	sent := func(t *testing.T) (*env, *outbox, string, string) {
		e, box := recoveryEnv(t)
		e.register("ann@example.com", "correct horse battery")
		_, id := e.startRecovery(nil, "ann@example.com")
		return e, box, id, box.code(t)
	}
	t.Run("attempts", func(t *testing.T) {
		e, _, id, code := sent(t)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for range 5 {
			invalid(t, e.submitRecoveryCode(nil, id, wrong))
		}
		invalid(t, e.submitRecoveryCode(nil, id, code))
	})
	t.Run("expired code", func(t *testing.T) {
		e, _, id, code := sent(t)
		e.advance(flow.DefaultRecoveryCodeLifespan + time.Second)
		invalid(t, e.submitRecoveryCode(nil, id, code))
	})
	t.Run("resend voids", func(t *testing.T) {
		e, box, id, first := sent(t)
		if _, err := e.svc.SubmitRecovery(e.ctx, form(request(nil, "/self-service/recovery?flow="+id, ""), "method", "code", "email", "ann@example.com"), id); err != nil {
			t.Fatal(err)
		}
		second := box.code(t)
		if first != second {
			invalid(t, e.submitRecoveryCode(nil, id, first))
		}
		if got := e.submitRecoveryCode(nil, id, second); got.Flow.State != flow.StatePassedChallenge {
			t.Fatalf("the new code left the flow in %s", got.Flow.State)
		}
	})
	t.Run("expired flow", func(t *testing.T) {
		e, _, id, code := sent(t)
		e.advance(flow.DefaultFlowLifespan + time.Second)
		_, err := e.svc.SubmitRecovery(e.ctx, form(request(nil, "/self-service/recovery?flow="+id, ""), "method", "code", "code", code), id)
		fe := wantError(t, err, http.StatusGone, flow.ErrIDFlowExpired)
		if fe.UseFlowID == "" || fe.UseFlowID == id {
			t.Fatalf("use_flow_id = %q", fe.UseFlowID)
		}
	})
}

// TestRecoveryBrowser: a browser flow checks CSRF, refuses a signed-in browser, and once
// recovered sends the browser to the settings UI with its new session.
func TestRecoveryBrowser(t *testing.T) {
	e, box := recoveryEnv(t)
	e.register("bea@example.com", "correct horse battery")
	b := newBrowser()
	_, id := e.startRecovery(b, "bea@example.com")
	code := box.code(t)

	// Another browser's CSRF secret is refused, and spends no attempt.
	other := newBrowser()
	r := form(request(other, "/self-service/recovery?flow="+id, ""), "method", "code", "code", code)
	_, err := e.svc.SubmitRecovery(e.ctx, r, id)
	wantError(t, err, http.StatusForbidden, flow.ErrIDCSRF)

	done := e.submitRecoveryCode(b, id, code)
	if done.Flow.State != flow.StatePassedChallenge || done.SessionToken == "" || done.Session == nil {
		t.Fatalf("after the code: %+v", done)
	}
	if len(done.Flow.ContinueWith) != 1 || done.Flow.ContinueWith[0].Action != flow.ActionShowSettingsUI {
		t.Fatalf("continue_with = %+v", done.Flow.ContinueWith)
	}
	want := "https://app.example.com/settings?flow=" + done.Flow.ContinueWith[0].Flow.ID
	if done.Redirect != want {
		t.Fatalf("redirect %q, want %q", done.Redirect, want)
	}
	b.session = done.SessionToken
	if _, err := e.svc.GetSettings(e.ctx, request(b, "/self-service/settings/flows", ""), done.Flow.ContinueWith[0].Flow.ID); err != nil {
		t.Fatalf("the browser's settings flow: %v", err)
	}
	_, err = e.svc.InitRecovery(e.ctx, flow.TypeBrowser, request(b, flow.RouteRecoveryInitBrowser, ""))
	if fe := wantError(t, err, http.StatusBadRequest, flow.ErrIDAlreadyLoggedIn); fe.Redirect != "https://app.example.com/home" {
		t.Fatalf("a signed-in browser goes to %q", fe.Redirect)
	}
}

// TestRecoveryAdminCode: the admin API's code recovers its identity in its own flow only, from
// a browser that holds no CSRF secret of it, and leaves the address unverified.
func TestRecoveryAdminCode(t *testing.T) {
	e, _ := recoveryEnv(t)
	who := e.register("ada@example.com", "correct horse battery")
	rc, err := e.svc.CreateRecoveryCode(e.ctx, request(nil, flow.RouteAdminRecoveryCode, ""), who.ID, "1h", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.RecoveryCode) != 6 || !rc.ExpiresAt.Equal(e.clock().Add(time.Hour)) {
		t.Fatalf("code %+v", rc)
	}
	other, err := e.svc.CreateRecoveryCode(e.ctx, request(nil, flow.RouteAdminRecoveryCode, ""), who.ID, "1h", "")
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "https://app.example.com/recovery?flow="
	if len(rc.RecoveryLink) <= len(prefix) || rc.RecoveryLink[:len(prefix)] != prefix {
		t.Fatalf("recovery_link %q", rc.RecoveryLink)
	}
	id, otherID := rc.RecoveryLink[len(prefix):], other.RecoveryLink[len(prefix):]
	b := newBrowser()
	if _, err := e.svc.GetRecovery(e.ctx, request(b, "/self-service/recovery/flows", ""), id); err != nil {
		t.Fatalf("the browser cannot read the admin's flow: %v", err)
	}
	if rc.RecoveryCode != other.RecoveryCode {
		wrong := e.submitRecoveryCode(b, otherID, rc.RecoveryCode)
		if wrong.Flow.State == flow.StatePassedChallenge {
			t.Fatal("a code recovered in another flow")
		}
	}
	done := e.submitRecoveryCode(b, id, rc.RecoveryCode)
	if done.Flow.State != flow.StatePassedChallenge || done.SessionToken == "" {
		t.Fatalf("the admin code: %+v", done.Flow)
	}
	got, _ := e.ids.GetIdentity(e.ctx, who.ID)
	if got.VerifiableAddresses[0].Verified {
		t.Fatal("an admin code verified the address")
	}
	_, err = e.svc.CreateRecoveryCode(e.ctx, request(nil, flow.RouteAdminRecoveryCode, ""), "6a0c2f6e-8b0e-4bb8-9d0b-8a9a3c1d2e3f", "1h", "browser")
	wantError(t, err, http.StatusNotFound, "")
	_, err = e.svc.CreateRecoveryCode(e.ctx, request(nil, flow.RouteAdminRecoveryCode, ""), who.ID, "-1s", "")
	wantError(t, err, http.StatusBadRequest, "")
	for _, bad := range [][2]string{{"soon", ""}, {"0s", ""}, {"", "desktop"}} {
		_, err = e.svc.CreateRecoveryCode(e.ctx, request(nil, flow.RouteAdminRecoveryCode, ""), who.ID, bad[0], bad[1])
		wantError(t, err, http.StatusBadRequest, "")
	}
	def, err := e.svc.CreateRecoveryCode(e.ctx, request(nil, flow.RouteAdminRecoveryCode, ""), who.ID, "", "api")
	if err != nil || !def.ExpiresAt.Equal(e.clock().Add(flow.DefaultRecoveryCodeLifespan)) {
		t.Fatalf("the default lifespan: %+v %v", def, err)
	}
}

// TestRecoveryDisabled: with recovery off (Kratos's default), its routes answer 400 and the
// admin route 404.
func TestRecoveryDisabled(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.InitRecovery(e.ctx, flow.TypeAPI, request(nil, flow.RouteRecoveryInitAPI, ""))
	wantError(t, err, http.StatusBadRequest, "")
	_, err = e.svc.CreateRecoveryCode(e.ctx, request(nil, flow.RouteAdminRecoveryCode, ""), "6a0c2f6e-8b0e-4bb8-9d0b-8a9a3c1d2e3f", "", "api")
	wantError(t, err, http.StatusNotFound, "")
	if _, err := flow.NewService(e.st, e.ids, schemaRegistry(t), flow.Config{PublicURL: publicURL, RecoveryEnabled: true}); err == nil {
		t.Fatal("recovery without a courier was accepted")
	}
	box := &outbox{}
	if _, err := flow.NewService(e.st, e.ids, schemaRegistry(t), flow.Config{PublicURL: publicURL, RecoveryEnabled: true, Courier: box, RecoveryUse: "sms"}); err == nil {
		t.Fatal("selfservice.flows.recovery.use: sms was accepted")
	}
}

func linkEnv(t *testing.T) (*env, *outbox) {
	t.Helper()
	box := &outbox{}
	e := newEnv(t, func(c *flow.Config) {
		c.RecoveryEnabled, c.Courier, c.RecoveryUse = true, box, flow.UseLink
		c.Recovery = flow.FlowConfig{UIURL: "https://app.example.com/recovery", Lifespan: 2 * time.Hour}
	})
	return e, box
}

// linkOf reads the flow and token of the last message, a recovery link.
func linkOf(t *testing.T, box *outbox) (id, token string) {
	t.Helper()
	m := box.lastMail(t)
	raw, ok := m.data["RecoveryURL"].(string)
	if !ok || m.template != "recovery_valid" {
		t.Fatalf("the last message is %s to %s, not a recovery link", m.template, m.to)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Path != flow.RouteRecoverySubmit {
		t.Fatalf("recovery URL %q", raw)
	}
	return u.Query().Get("flow"), u.Query().Get("token")
}

func (e *env) openLink(b *browser, id, token string) *flow.RecoveryResult {
	e.t.Helper()
	res, err := e.svc.OpenRecoveryLink(e.ctx, request(b, "/self-service/recovery?flow="+id+"&token="+token, ""), id, token)
	if err != nil {
		e.t.Fatalf("open the link: %v", err)
	}
	return res
}

// TestRecoveryByLink: with selfservice.flows.recovery.use: link the email carries a link whose
// token (stored as a MAC) signs in the browser that opens it, once, into a settings flow; a
// wrong, spent or late token is 4060004 on a new flow; codes are not taken; an unknown address
// gets recovery_invalid and the same answer.
func TestRecoveryByLink(t *testing.T) {
	e, box := linkEnv(t)
	who := e.register("lin@example.com", "correct horse battery")
	b := newBrowser()
	init, err := e.svc.InitRecovery(e.ctx, flow.TypeBrowser, request(b, flow.RouteRecoveryInitBrowser, ""))
	if err != nil {
		t.Fatal(err)
	}
	id := init.Flow.ID
	if nodeValue(init.Flow.UI, "method") != "link" {
		t.Fatalf("the link form: %+v", init.Flow.UI.Nodes)
	}
	submit := func(kv ...string) *flow.RecoveryResult {
		t.Helper()
		res, err := e.svc.SubmitRecovery(e.ctx, form(request(b, "/self-service/recovery?flow="+id, ""), append(kv, "csrf_token", csrfOf(init.Flow.UI))...), id)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := submit("method", "code", "code", "123456"); !res.Refused || !slices.Contains(messageIDs(res.Flow.UI.Messages), text.ErrorValidationRecoveryNoStrategyFound) {
		t.Fatalf("a code in link mode: %+v", res.Flow.UI.Messages)
	}
	unknown := submit("method", "link", "email", "nobody@example.com")
	if m := box.lastMail(t); m.template != "recovery_invalid" || m.data["RecoveryURL"] != nil {
		t.Fatalf("the unknown address got %s", m.template)
	}
	known := submit("method", "link", "email", "lin@example.com")
	if known.Flow.State != flow.StateSentEmail || !slices.Contains(messageIDs(known.Flow.UI.Messages), text.InfoSelfServiceRecoveryEmailSent) ||
		!slices.Equal(messageIDs(known.Flow.UI.Messages), messageIDs(unknown.Flow.UI.Messages)) || len(known.Flow.UI.Nodes) != len(unknown.Flow.UI.Nodes) {
		t.Fatalf("known %v, unknown %v", messageIDs(known.Flow.UI.Messages), messageIDs(unknown.Flow.UI.Messages))
	}
	linkID, token := linkOf(t, box)
	if linkID != id || len(token) < 40 {
		t.Fatalf("link for flow %s with token %q", linkID, token)
	}
	if rec, _ := e.st.GetSelfServiceFlow(e.ctx, store.RecoveryFlow, id); bytes.Contains(rec.Data, []byte(token)) {
		t.Fatal("the stored flow holds the token")
	}

	wrong := "A" + token[1:]
	if wrong == token {
		wrong = "B" + token[1:]
	}
	if bad := e.openLink(b, id, wrong); !bad.Refused || bad.Flow.ID == id ||
		!slices.Contains(messageIDs(bad.Flow.UI.Messages), text.ErrorValidationRecoveryTokenInvalidOrAlreadyUsed) {
		t.Fatalf("a wrong token: %+v", bad)
	}
	// The link is opened in another browser (the mail was read elsewhere).
	other := newBrowser()
	done := e.openLink(other, id, token)
	if done.Refused || done.Flow.State != flow.StatePassedChallenge || done.SessionToken == "" || !strings.HasPrefix(done.Redirect, "https://app.example.com/settings?flow=") {
		t.Fatalf("the link: %+v", done)
	}
	sess, err := e.ids.Whoami(e.ctx, done.SessionToken)
	if err != nil || sess.IdentityID != who.ID || sess.AuthenticationMethods[0].Method != "link_recovery" {
		t.Fatalf("the link's session: %+v %v", sess, err)
	}
	other.session = done.SessionToken
	if _, err := e.svc.GetSettings(e.ctx, request(other, "/self-service/settings/flows", ""), done.Flow.ContinueWith[0].Flow.ID); err != nil {
		t.Fatalf("the settings flow in the browser that opened the link: %v", err)
	}
	if again := e.openLink(newBrowser(), id, token); !again.Refused || again.SessionToken != "" {
		t.Fatalf("the link twice: %+v", again)
	}

	// A link past its lifespan, in a flow that has not expired.
	_, id2 := e.startRecoveryBy(b, "link", "lin@example.com")
	_, token2 := linkOf(t, box)
	e.advance(flow.DefaultRecoveryLinkLifespan + time.Minute)
	if late := e.openLink(b, id2, token2); !late.Refused || late.SessionToken != "" {
		t.Fatalf("a late link: %+v", late)
	}
}

// TestRecoveryAdminLink: the admin API's link recovers its identity once and verifies nothing.
func TestRecoveryAdminLink(t *testing.T) {
	e, _ := recoveryEnv(t)
	who := e.register("ada@example.com", "correct horse battery")
	rl, err := e.svc.CreateRecoveryLink(e.ctx, request(nil, flow.RouteAdminRecoveryLink, ""), who.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if !rl.ExpiresAt.Equal(e.clock().Add(flow.DefaultRecoveryLinkLifespan)) {
		t.Fatalf("expires_at %v", rl.ExpiresAt)
	}
	u, err := url.Parse(rl.RecoveryLink)
	if err != nil || !strings.HasPrefix(rl.RecoveryLink, publicURL+flow.RouteRecoverySubmit+"?") {
		t.Fatalf("recovery_link %q", rl.RecoveryLink)
	}
	id, token := u.Query().Get("flow"), u.Query().Get("token")
	done := e.openLink(newBrowser(), id, token)
	if done.Flow.State != flow.StatePassedChallenge || done.SessionToken == "" {
		t.Fatalf("the admin link: %+v", done)
	}
	if again := e.openLink(newBrowser(), id, token); !again.Refused {
		t.Fatalf("the admin link twice: %+v", again)
	}
	if got, _ := e.ids.GetIdentity(e.ctx, who.ID); got.VerifiableAddresses[0].Verified {
		t.Fatal("an admin link verified the address")
	}
	_, err = e.svc.CreateRecoveryLink(e.ctx, request(nil, flow.RouteAdminRecoveryLink, ""), who.ID, "later")
	wantError(t, err, http.StatusBadRequest, "")
}
