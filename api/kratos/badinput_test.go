package kratos_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ory "github.com/ory/client-go"
)

// TestAdminBadInput sends the admin API what it must refuse: each answer is Kratos's error object
// with the right status, naming what is wrong, and nothing is stored.
func TestAdminBadInput(t *testing.T) {
	e := newEnv(t, nil)
	adm := e.adminClient.IdentityAPI
	if _, _, err := adm.CreateIdentity(e.ctx).CreateIdentityBody(createBody("kept@example.com", "")).Execute(); err != nil {
		t.Fatal(err)
	}
	_, res, err := adm.CreateIdentity(e.ctx).CreateIdentityBody(createBody("not an email", "")).Execute()
	if got := wantError(t, "invalid traits", res, err, http.StatusBadRequest, ""); !strings.Contains(got.Error.Reason, "#/traits/email") {
		t.Errorf("invalid traits: reason %q does not name #/traits/email", got.Error.Reason)
	}
	unknown := createBody("x@example.com", "")
	unknown.SchemaId = "no-such-schema"
	_, res, err = adm.CreateIdentity(e.ctx).CreateIdentityBody(unknown).Execute()
	if got := wantError(t, "unknown schema", res, err, http.StatusBadRequest, ""); !strings.Contains(got.Error.Reason, "no-such-schema") {
		t.Errorf("unknown schema: reason %q does not name the schema", got.Error.Reason)
	}
	_, res, err = adm.CreateIdentity(e.ctx).CreateIdentityBody(createBody("kept@example.com", "")).Execute()
	wantError(t, "a taken identifier", res, err, http.StatusConflict, "")

	raw := []struct {
		name, method, path, body string
		status                   int
		reason                   string
	}{
		{"unknown member", "POST", "/admin/identities", `{"schema_id":"default","traits":{"email":"y@example.com"},"colour":"red"}`, 400, "colour"},
		{"not JSON", "POST", "/admin/identities", `{"schema_id":`, 400, "JSON"},
		{"oversized body", "POST", "/admin/identities", `{"traits":{"email":"` + strings.Repeat("a", 2<<20) + `"}}`, 413, "bytes"},
		{"bad patch", "PATCH", "/admin/identities/{id}", `[{"op":"replace","path":"/id","value":"x"}]`, 400, "/id"},
		{"bad page size", "GET", "/admin/identities?page_size=abc", ``, 400, "page_size"},
		{"bad session ID", "GET", "/admin/sessions/not-a-uuid", ``, 400, "UUID"},
		{"unknown include_credential", "GET", "/admin/identities?include_credential=magic", ``, 400, "include_credential"},
	}
	list, _, _ := adm.ListIdentities(e.ctx).Execute()
	for _, c := range raw {
		path := strings.ReplaceAll(c.path, "{id}", list[0].Id)
		req, _ := http.NewRequest(c.method, e.adminURL+path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var got kratosErr
		if res.StatusCode != c.status || json.Unmarshal(body, &got) != nil || got.Error.Code != c.status || !strings.Contains(got.Error.Reason, c.reason) {
			t.Errorf("%s: %d %s; want %d naming %q", c.name, res.StatusCode, body, c.status, c.reason)
		}
	}
	after, _, _ := adm.GetIdentity(e.ctx, list[0].Id).Execute()
	if n := e.identityCount(); n != 1 || after.Traits.(map[string]any)["email"] != "kept@example.com" {
		t.Errorf("after refused writes: %d identities, traits %v; want the one kept unchanged", n, after.Traits)
	}
}

// TestFlowBadInput: invalid traits in a registration, a flow ID of another kind, a malformed
// one, and an expired flow are each Kratos's answer, and nothing is stored.
func TestFlowBadInput(t *testing.T) {
	e := newEnv(t, nil)
	app := e.app()
	rf, _, err := app.FrontendAPI.CreateNativeRegistrationFlow(e.ctx).Execute()
	if err != nil {
		t.Fatal(err)
	}
	got, res, err := app.FrontendAPI.UpdateRegistrationFlow(e.ctx).Flow(rf.Id).UpdateRegistrationFlowBody(registrationBody("not an email", password1, nil)).Execute()
	if err == nil || res.StatusCode != http.StatusBadRequest {
		t.Fatalf("registration with invalid traits: %v %v %v", got, statusOf(res), err)
	}
	var refused ory.RegistrationFlow
	if json.Unmarshal(err.(*ory.GenericOpenAPIError).Body(), &refused) != nil || !nodeHasMessage(refused.Ui, "traits.email") {
		t.Errorf("the refused registration's flow has no message on traits.email: %s", err.(*ory.GenericOpenAPIError).Body())
	}
	if n := e.identityCount(); n != 0 {
		t.Fatalf("%d identities after a refused registration", n)
	}

	// A registration flow's ID is no login flow.
	_, res, err = app.FrontendAPI.GetLoginFlow(e.ctx).Id(rf.Id).Execute()
	wantError(t, "get a registration flow as a login flow", res, err, http.StatusNotFound, "")
	_, res, err = app.FrontendAPI.UpdateLoginFlow(e.ctx).Flow(rf.Id).UpdateLoginFlowBody(loginBody(email, password1, nil)).Execute()
	wantError(t, "submit a registration flow as a login flow", res, err, http.StatusNotFound, "")
	_, res, err = app.FrontendAPI.GetLoginFlow(e.ctx).Id("not-a-uuid").Execute()
	wantError(t, "a malformed flow ID", res, err, http.StatusBadRequest, "")

	// An oversized submission.
	req, _ := http.NewRequest("POST", e.publicURL+"/self-service/registration?flow="+rf.Id, bytes.NewReader(bytes.Repeat([]byte("a"), 300<<10)))
	req.Header.Set("Content-Type", "application/json")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("an oversized submission: %v %v", statusOf(res), err)
	}

	// An expired login flow: 410 on fetch, and on submit 410 naming the flow that replaces it.
	lf, _, err := app.FrontendAPI.CreateNativeLoginFlow(e.ctx).Execute()
	if err != nil {
		t.Fatal(err)
	}
	e.advance(2 * time.Hour)
	_, res, err = app.FrontendAPI.GetLoginFlow(e.ctx).Id(lf.Id).Execute()
	wantError(t, "get an expired flow", res, err, http.StatusGone, "self_service_flow_expired")
	_, res, err = app.FrontendAPI.UpdateLoginFlow(e.ctx).Flow(lf.Id).UpdateLoginFlowBody(loginBody(email, password1, nil)).Execute()
	if ex := wantError(t, "submit an expired flow", res, err, http.StatusGone, "self_service_flow_expired"); ex.UseFlowID == "" || ex.UseFlowID == lf.Id {
		t.Errorf("the expired flow's answer names no new flow: %+v", ex)
	}
	if n := e.identityCount(); n != 0 {
		t.Fatalf("%d identities after refused flows", n)
	}
}

func nodeHasMessage(c ory.UiContainer, name string) bool {
	for _, n := range c.Nodes {
		if in := n.Attributes.UiNodeInputAttributes; in != nil && in.Name == name && len(n.Messages) > 0 {
			return true
		}
	}
	return false
}
