package kratos_test

import (
	"net/http"
	"strings"
	"testing"

	ory "github.com/ory/client-go"
	"github.com/pquerna/otp/totp"

	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/store"
)

// totpSecret returns the secret of a settings flow's totp_secret_key node, having checked that
// the flow carries the QR code as a PNG data URI.
func totpSecret(t *testing.T, f *ory.SettingsFlow) string {
	t.Helper()
	secret, qr := "", ""
	for _, n := range f.Ui.Nodes {
		if a := n.Attributes.UiNodeTextAttributes; a != nil && a.Id == "totp_secret_key" {
			secret, _ = a.Text.Context["secret"].(string)
		}
		if a := n.Attributes.UiNodeImageAttributes; a != nil && a.Id == "totp_qr" && a.Width == 256 {
			qr = a.Src
		}
	}
	if secret == "" || !strings.HasPrefix(qr, "data:image/png;base64,") {
		t.Fatalf("settings flow without a TOTP secret (%q) or QR code (%.30q)", secret, qr)
	}
	return secret
}

func (e *env) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, e.clock())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newSettingsEnv is an env of o with an identity registered and logged in by an app, and an
// API settings flow of that session.
func newSettingsEnv(t *testing.T, o envOptions) (*env, string, *ory.SettingsFlow) {
	t.Helper()
	e := newEnvWith(t, nil, o)
	e.register(email, password1)
	token, _ := e.login(email, password1)
	sf, _, err := e.app().FrontendAPI.CreateNativeSettingsFlow(e.ctx).XSessionToken(token).Execute()
	if err != nil {
		t.Fatal(err)
	}
	return e, token, sf
}

// TestTOTPWithClientGo drives the API modes of the settings flow (TOTP enrolment) and of the
// aal2 login with client-go, and whoami's required_aal: an aal1 session of an identity with
// TOTP is Kratos's 403 session_aal2_required until the code steps it up.
func TestTOTPWithClientGo(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.IdentityStore) {
		e := newEnvWith(t, st, envOptions{secondFactors: true})
		app := e.app()
		id := e.register(email, password1)
		token, _ := e.login(email, password1)

		sf, _, err := app.FrontendAPI.CreateNativeSettingsFlow(e.ctx).XSessionToken(token).Execute()
		if err != nil {
			t.Fatalf("create the settings flow: %v", err)
		}
		secret := totpSecret(t, sf)
		enrol := func(code string) (*ory.SettingsFlow, *http.Response, error) {
			body := ory.UpdateSettingsFlowWithTotpMethodAsUpdateSettingsFlowBody(&ory.UpdateSettingsFlowWithTotpMethod{Method: "totp", TotpCode: &code})
			return app.FrontendAPI.UpdateSettingsFlow(e.ctx).Flow(sf.Id).XSessionToken(token).UpdateSettingsFlowBody(body).Execute()
		}
		_, res, err := enrol("12345")
		if err == nil || res.StatusCode != http.StatusBadRequest {
			t.Fatalf("a wrong code: %v %v", statusOf(res), err)
		}
		done, _, err := enrol(e.code(t, secret))
		if err != nil || done.State != "success" {
			t.Fatalf("enrol: %v %v", done, err)
		}
		// The admin API shows the credential, its config with include_credential.
		adm, _, err := e.adminClient.IdentityAPI.GetIdentity(e.ctx, id).IncludeCredential([]string{"totp"}).Execute()
		if err != nil {
			t.Fatal(err)
		}
		c, ok := (*adm.Credentials)["totp"]
		if !ok || c.Identifiers[0] != id || !strings.Contains(c.Config["totp_url"].(string), "secret="+secret) {
			t.Fatalf("the admin API's totp credential: %+v", c)
		}
		// The enrolling session is at aal2.
		who, _, err := app.FrontendAPI.ToSession(e.ctx).XSessionToken(token).Execute()
		if err != nil || who.AuthenticatorAssuranceLevel == nil || *who.AuthenticatorAssuranceLevel != "aal2" {
			t.Fatalf("whoami of the enrolling session: %v %v", who, err)
		}

		// A new password login is aal1: whoami refuses it with the aal2 login to go to.
		aal1, sess := e.login(email, password1)
		if *sess.AuthenticatorAssuranceLevel != "aal1" || sess.Identity != nil {
			t.Fatalf("the password login's session: aal %v, identity %v", *sess.AuthenticatorAssuranceLevel, sess.Identity)
		}
		_, res, err = app.FrontendAPI.ToSession(e.ctx).XSessionToken(aal1).Execute()
		ke := wantError(t, "whoami at aal1", res, err, http.StatusForbidden, "session_aal2_required")
		if to, _ := ke.Error.Details["redirect_browser_to"].(string); !strings.HasPrefix(to, e.publicURL+"/self-service/login/browser?aal=aal2") {
			t.Fatalf("redirect_browser_to %q", to)
		}

		lf, _, err := app.FrontendAPI.CreateNativeLoginFlow(e.ctx).Aal("aal2").XSessionToken(aal1).Execute()
		if err != nil || lf.RequestedAal == nil || *lf.RequestedAal != "aal2" {
			t.Fatalf("create the aal2 login flow: %v %v", lf, err)
		}
		login := func(code string) (*ory.SuccessfulNativeLogin, *http.Response, error) {
			body := ory.UpdateLoginFlowWithTotpMethodAsUpdateLoginFlowBody(&ory.UpdateLoginFlowWithTotpMethod{Method: "totp", TotpCode: code})
			return app.FrontendAPI.UpdateLoginFlow(e.ctx).Flow(lf.Id).XSessionToken(aal1).UpdateLoginFlowBody(body).Execute()
		}
		if _, res, err := login("000000x"); err == nil || res.StatusCode != http.StatusBadRequest {
			t.Fatalf("a wrong code: %v %v", statusOf(res), err)
		}
		ok2, _, err := login(e.code(t, secret))
		if err != nil || *ok2.Session.AuthenticatorAssuranceLevel != "aal2" {
			t.Fatalf("aal2 login: %v %v", ok2, err)
		}
		if who, _, err = app.FrontendAPI.ToSession(e.ctx).XSessionToken(aal1).Execute(); err != nil || who.Identity.Id != id {
			t.Fatalf("whoami at aal2: %v %v", who, err)
		}
	})
}

// TestWhoamiRequiredAAL1 checks that session.whoami.required_aal aal1 takes an aal1 session of
// an identity with TOTP.
func TestWhoamiRequiredAAL1(t *testing.T) {
	e, token, sf := newSettingsEnv(t, envOptions{secondFactors: true, whoamiAAL: identity.AAL1})
	app := e.app()
	code := e.code(t, totpSecret(t, sf))
	body := ory.UpdateSettingsFlowWithTotpMethodAsUpdateSettingsFlowBody(&ory.UpdateSettingsFlowWithTotpMethod{Method: "totp", TotpCode: &code})
	if _, _, err := app.FrontendAPI.UpdateSettingsFlow(e.ctx).Flow(sf.Id).XSessionToken(token).UpdateSettingsFlowBody(body).Execute(); err != nil {
		t.Fatal(err)
	}
	aal1, sess := e.login(email, password1)
	if sess.Identity == nil {
		t.Fatal("with required_aal aal1 the login's session lacks its identity")
	}
	who, res, err := app.FrontendAPI.ToSession(e.ctx).XSessionToken(aal1).Execute()
	if err != nil || res.StatusCode != http.StatusOK || *who.AuthenticatorAssuranceLevel != "aal1" {
		t.Fatalf("whoami at aal1 with required_aal aal1: %v %v", statusOf(res), err)
	}
}

// TestLookupSecretWithClientGo generates and confirms recovery codes in an API settings flow,
// and steps an aal1 session up with one of them.
func TestLookupSecretWithClientGo(t *testing.T) {
	e, token, sf := newSettingsEnv(t, envOptions{secondFactors: true})
	app := e.app()
	yes := true
	update := func(m ory.UpdateSettingsFlowWithLookupMethod) *ory.SettingsFlow {
		t.Helper()
		m.Method = "lookup_secret"
		f, _, err := app.FrontendAPI.UpdateSettingsFlow(e.ctx).Flow(sf.Id).XSessionToken(token).
			UpdateSettingsFlowBody(ory.UpdateSettingsFlowWithLookupMethodAsUpdateSettingsFlowBody(&m)).Execute()
		if err != nil {
			t.Fatalf("update %+v: %v", m, err)
		}
		return f
	}
	gen := update(ory.UpdateSettingsFlowWithLookupMethod{LookupSecretRegenerate: &yes})
	var codes []string
	for _, n := range gen.Ui.Nodes {
		if a := n.Attributes.UiNodeTextAttributes; a != nil && a.Id == "lookup_secret_codes" {
			codes = strings.Split(a.Text.Text, ", ")
			if a.Text.Id != 1050015 {
				t.Fatalf("codes message %d, want 1050015", a.Text.Id)
			}
		}
	}
	if len(codes) != 12 {
		t.Fatalf("codes %v", codes)
	}
	if f := update(ory.UpdateSettingsFlowWithLookupMethod{LookupSecretConfirm: &yes}); f.State != "success" {
		t.Fatalf("confirm: state %v", f.State)
	}

	aal1, _ := e.login(email, password1)
	lf, _, err := app.FrontendAPI.CreateNativeLoginFlow(e.ctx).Aal("aal2").XSessionToken(aal1).Execute()
	if err != nil {
		t.Fatal(err)
	}
	body := ory.UpdateLoginFlowWithLookupSecretMethodAsUpdateLoginFlowBody(&ory.UpdateLoginFlowWithLookupSecretMethod{Method: "lookup_secret", LookupSecret: codes[0]})
	ok, _, err := app.FrontendAPI.UpdateLoginFlow(e.ctx).Flow(lf.Id).XSessionToken(aal1).UpdateLoginFlowBody(body).Execute()
	if err != nil || *ok.Session.AuthenticatorAssuranceLevel != "aal2" {
		t.Fatalf("login with a recovery code: %v %v", ok, err)
	}
}
