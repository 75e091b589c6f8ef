package flow_test

import (
	"encoding/json"
	"reflect"
	"testing"

	client "github.com/ory/client-go"

	"github.com/wardhq/ward/identity/flow"
)

// dropNulls removes the members whose value is null: the SDK omits a nil field that ward (like
// Kratos) writes as null, which says the same.
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if c == nil {
				delete(x, k)
				continue
			}
			x[k] = dropNulls(c)
		}
	case []any:
		for i, c := range x {
			x[i] = dropNulls(c)
		}
	}
	return v
}

// roundTrip decodes ward's JSON of v with Ory's SDK into into, encodes it again, and fails when
// the SDK's JSON differs from ward's: a field the SDK does not know, or reads differently.
func roundTrip(t *testing.T, name string, v, into any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s: client-go cannot decode %s: %v", name, raw, err)
	}
	again, err := json.Marshal(into)
	if err != nil {
		t.Fatalf("%s: client-go cannot encode: %v", name, err)
	}
	var a, b any
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dropNulls(a), dropNulls(b)) {
		t.Fatalf("%s: client-go round trip changed the JSON\nward:      %s\nclient-go: %s", name, raw, again)
	}
}

func TestFlowsThroughClientGo(t *testing.T) {
	e := newEnv(t)
	e.register("pat@example.com", "correct horse battery")
	b := newBrowser()

	login, err := e.svc.InitLogin(e.ctx, flow.TypeBrowser, request(b, flow.RouteLoginInitBrowser+"?return_to=https://app.example.com/x&login_challenge=c1", ""))
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, "browser login", login.Flow, new(client.LoginFlow))
	refused, err := e.svc.SubmitLogin(e.ctx, form(request(b, "/self-service/login", ""),
		"method", "password", "identifier", "pat@example.com", "password", "nope nope nope", "csrf_token", csrfOf(login.Flow.UI)), login.Flow.ID)
	if err != nil || !refused.Refused {
		t.Fatalf("refused login: %v %+v", err, refused)
	}
	roundTrip(t, "refused login", refused.Flow, new(client.LoginFlow))
	var lf client.LoginFlow
	raw, _ := json.Marshal(refused.Flow)
	if err := json.Unmarshal(raw, &lf); err != nil || lf.Ui.Messages[0].Id != 4000006 || lf.GetOauth2LoginChallenge() != "c1" ||
		lf.Ui.Nodes[1].Attributes.UiNodeInputAttributes == nil || lf.Ui.Nodes[1].Attributes.UiNodeInputAttributes.Name != "identifier" {
		t.Fatalf("client-go reads the refused login as %+v", lf)
	}

	reg, err := e.svc.InitRegistration(e.ctx, flow.TypeAPI, request(nil, flow.RouteRegistrationInitAPI, ""))
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, "api registration", reg.Flow, new(client.RegistrationFlow))
	regRefused, err := e.svc.SubmitRegistration(e.ctx, form(request(nil, "/self-service/registration", ""),
		"method", "password", "password", "x", "traits.email", "bad"), reg.Flow.ID)
	if err != nil || !regRefused.Refused {
		t.Fatalf("refused registration: %v %+v", err, regRefused)
	}
	roundTrip(t, "refused registration", regRefused.Flow, new(client.RegistrationFlow))

	token := e.login(nil, "pat@example.com", "correct horse battery")
	set, err := e.svc.InitSettings(e.ctx, flow.TypeAPI, request(nil, flow.RouteSettingsInitAPI, token))
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, "settings", set.Flow, new(client.SettingsFlow))
	done, err := e.svc.SubmitSettings(e.ctx, form(request(nil, "/self-service/settings", token),
		"method", "profile", "traits.email", "pat@example.com", "traits.name.first", "Pat"), set.Flow.ID)
	if err != nil || done.Refused {
		t.Fatalf("settings: %v %+v", err, done)
	}
	roundTrip(t, "settings done", done.Flow, new(client.SettingsFlow))

	bset, err := e.svc.InitSettings(e.ctx, flow.TypeBrowser, request(b, flow.RouteSettingsInitBrowser, e.login(b, "pat@example.com", "correct horse battery")))
	if err != nil {
		t.Fatal(err)
	}
	bdone, err := e.svc.SubmitSettings(e.ctx, form(request(b, "/self-service/settings", ""),
		"method", "profile", "csrf_token", csrfOf(bset.Flow.UI), "traits.email", "pat@example.com"), bset.Flow.ID)
	if err != nil || len(bdone.Flow.ContinueWith) != 1 {
		t.Fatalf("browser settings: %v %+v", err, bdone)
	}
	roundTrip(t, "browser settings done", bdone.Flow, new(client.SettingsFlow))

	lo, err := e.svc.CreateBrowserLogout(e.ctx, request(b, flow.RouteLogoutBrowser, ""))
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, "logout", lo, new(client.LogoutFlow))
}

func TestErrorsThroughClientGo(t *testing.T) {
	e := newEnv(t)
	b := newBrowser()
	init, err := e.svc.InitLogin(e.ctx, flow.TypeBrowser, request(b, flow.RouteLoginInitBrowser, ""))
	if err != nil {
		t.Fatal(err)
	}
	_, csrfErr := e.svc.SubmitLogin(e.ctx, form(request(b, "/self-service/login", ""), "method", "password", "identifier", "x", "password", "y"), init.Flow.ID)
	_, forbidden := e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI+"?return_to=https://evil.example/", ""))
	for name, err := range map[string]error{"csrf": csrfErr, "return_to": forbidden} {
		fe := flow.AsError(err)
		if fe == nil {
			t.Fatalf("%s: %v", name, err)
		}
		// The SDK reads Kratos's error member as a GenericError.
		var g struct {
			Error client.GenericError `json:"error"`
		}
		raw, _ := json.Marshal(fe)
		if err := json.Unmarshal(raw, &g); err != nil || g.Error.GetId() != fe.ID || g.Error.GetCode() != int64(fe.Code) || g.Error.Message != fe.Message ||
			g.Error.GetStatus() == "" || g.Error.GetReason() != fe.Reason {
			t.Fatalf("%s: client-go reads %s as %v %+v", name, raw, err, g)
		}
		roundTrip(t, name, fe, &g)
	}
}
