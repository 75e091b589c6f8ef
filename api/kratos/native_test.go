package kratos_test

import (
	"net/http"
	"testing"

	ory "github.com/ory/client-go"

	"github.com/wardhq/ward/store"
)

const (
	email     = "ada@example.com"
	password1 = "correct horse battery staple 1815"
	password2 = "analytical engine punched cards 1843"
)

// register registers email with password through an API flow and returns the identity's ID.
func (e *env) register(email, password string) string {
	t := e.t
	t.Helper()
	app := e.app()
	f, _, err := app.FrontendAPI.CreateNativeRegistrationFlow(e.ctx).Execute()
	if err != nil {
		t.Fatalf("create the registration flow: %v", err)
	}
	body := ory.UpdateRegistrationFlowWithPasswordMethodAsUpdateRegistrationFlowBody(&ory.UpdateRegistrationFlowWithPasswordMethod{
		Method: "password", Password: password, Traits: map[string]any{"email": email},
	})
	reg, _, err := app.FrontendAPI.UpdateRegistrationFlow(e.ctx).Flow(f.Id).UpdateRegistrationFlowBody(body).Execute()
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	if reg.Identity.Traits.(map[string]any)["email"] != email {
		t.Fatalf("the registered identity's traits are %v", reg.Identity.Traits)
	}
	return reg.Identity.Id
}

// login logs in through an API flow and returns the session token.
func (e *env) login(identifier, password string) (string, *ory.Session) {
	t := e.t
	t.Helper()
	app := e.app()
	f, _, err := app.FrontendAPI.CreateNativeLoginFlow(e.ctx).Execute()
	if err != nil {
		t.Fatalf("create the login flow: %v", err)
	}
	ok, _, err := app.FrontendAPI.UpdateLoginFlow(e.ctx).Flow(f.Id).UpdateLoginFlowBody(loginBody(identifier, password, nil)).Execute()
	if err != nil {
		t.Fatalf("log in: %v", err)
	}
	if ok.SessionToken == nil || *ok.SessionToken == "" {
		t.Fatal("the login answered no session token")
	}
	return *ok.SessionToken, &ok.Session
}

func loginBody(identifier, password string, csrf *string) ory.UpdateLoginFlowBody {
	return ory.UpdateLoginFlowWithPasswordMethodAsUpdateLoginFlowBody(&ory.UpdateLoginFlowWithPasswordMethod{
		Method: "password", Identifier: identifier, Password: password, CsrfToken: csrf,
	})
}

// TestNativeFlows drives a native app's life with client-go: registration, login, whoami (by
// X-Session-Token and by Bearer), a password change in a settings flow, the user's sessions,
// and logout, after which whoami is Kratos's 401 session_inactive.
func TestNativeFlows(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.IdentityStore) {
		e := newEnv(t, st)
		app := e.app()
		id := e.register(email, password1)

		token, sess := e.login(email, password1)
		if sess.Identity == nil || sess.Identity.Id != id || sess.Active == nil || !*sess.Active {
			t.Fatalf("the login's session: %+v", sess)
		}
		who, res, err := app.FrontendAPI.ToSession(e.ctx).XSessionToken(token).Execute()
		if err != nil {
			t.Fatalf("whoami: %v", err)
		}
		if who.Identity.Id != id || res.Header.Get("X-Kratos-Authenticated-Identity-Id") != id {
			t.Fatalf("whoami: identity %s, header %q; want %s", who.Identity.Id, res.Header.Get("X-Kratos-Authenticated-Identity-Id"), id)
		}
		req, _ := http.NewRequest("GET", e.publicURL+"/sessions/whoami", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("whoami with Authorization: Bearer: %v %v", statusOf(r), err)
		}

		// Settings: a password change, in the privileged window right after login.
		sf, _, err := app.FrontendAPI.CreateNativeSettingsFlow(e.ctx).XSessionToken(token).Execute()
		if err != nil {
			t.Fatalf("create the settings flow: %v", err)
		}
		change := ory.UpdateSettingsFlowWithPasswordMethodAsUpdateSettingsFlowBody(&ory.UpdateSettingsFlowWithPasswordMethod{Method: "password", Password: password2})
		done, _, err := app.FrontendAPI.UpdateSettingsFlow(e.ctx).Flow(sf.Id).XSessionToken(token).UpdateSettingsFlowBody(change).Execute()
		if err != nil {
			t.Fatalf("change the password: %v", err)
		}
		if done.State != "success" {
			t.Fatalf("the settings flow is in state %v, want success", done.State)
		}
		// The old password no longer logs in: 400 with the flow and Kratos's message 4000006.
		lf, _, _ := app.FrontendAPI.CreateNativeLoginFlow(e.ctx).Execute()
		refused, res, err := app.FrontendAPI.UpdateLoginFlow(e.ctx).Flow(lf.Id).UpdateLoginFlowBody(loginBody(email, password1, nil)).Execute()
		if err == nil || res == nil || res.StatusCode != http.StatusBadRequest {
			t.Fatalf("a login with the old password: %v %v %v", refused, statusOf(res), err)
		}
		second, _ := e.login(email, password2)

		mine, _, err := app.FrontendAPI.ListMySessions(e.ctx).XSessionToken(token).Execute()
		if err != nil || len(mine) != 1 {
			t.Fatalf("list my other sessions: %d, %v; want the second login's", len(mine), err)
		}
		n, _, err := app.FrontendAPI.DisableMyOtherSessions(e.ctx).XSessionToken(token).Execute()
		if err != nil || n.Count == nil || *n.Count != 1 {
			t.Fatalf("disable my other sessions: %+v %v", n, err)
		}
		_, res, err = app.FrontendAPI.ToSession(e.ctx).XSessionToken(second).Execute()
		wantError(t, "whoami of a revoked session", res, err, http.StatusUnauthorized, "session_inactive")

		res, err = app.FrontendAPI.PerformNativeLogout(e.ctx).PerformNativeLogoutBody(ory.PerformNativeLogoutBody{SessionToken: token}).Execute()
		if err != nil || res.StatusCode != http.StatusNoContent {
			t.Fatalf("logout: %v %v", statusOf(res), err)
		}
		_, res, err = app.FrontendAPI.ToSession(e.ctx).XSessionToken(token).Execute()
		wantError(t, "whoami after logout", res, err, http.StatusUnauthorized, "session_inactive")
		_, res, err = app.FrontendAPI.ToSession(e.ctx).Execute()
		wantError(t, "whoami without a token", res, err, http.StatusUnauthorized, "session_inactive")
	})
}

// TestSchemas lists the identity schemas and fetches one by its ID and by the base64url form
// identities' schema_url use.
func TestSchemas(t *testing.T) {
	e := newEnv(t, nil)
	app := e.app()
	list, _, err := app.IdentityAPI.ListIdentitySchemas(e.ctx).Execute()
	if err != nil || len(list) != 1 || list[0].Id != "default" {
		t.Fatalf("list schemas: %+v %v", list, err)
	}
	for _, id := range []string{"default", "ZGVmYXVsdA"} {
		doc, _, err := app.IdentityAPI.GetIdentitySchema(e.ctx, id).Execute()
		if err != nil || doc["properties"] == nil {
			t.Fatalf("get schema %s: %v %v", id, doc, err)
		}
	}
	_, res, err := app.IdentityAPI.GetIdentitySchema(e.ctx, "nope").Execute()
	wantError(t, "an unknown schema", res, err, http.StatusNotFound, "")
}

func registrationBody(email, password string, csrf *string) ory.UpdateRegistrationFlowBody {
	return ory.UpdateRegistrationFlowWithPasswordMethodAsUpdateRegistrationFlowBody(&ory.UpdateRegistrationFlowWithPasswordMethod{
		Method: "password", Password: password, Traits: map[string]any{"email": email}, CsrfToken: csrf,
	})
}
