package flow_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/text"
)

func TestRegistrationLifecycle(t *testing.T) {
	for _, tc := range []struct {
		name    string
		typ     flow.Type
		session bool
		json    bool
	}{
		{"api with session", flow.TypeAPI, true, true},
		{"api without session", flow.TypeAPI, false, false},
		{"browser with session", flow.TypeBrowser, true, false},
		{"browser without session", flow.TypeBrowser, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *flow.Config) { c.SessionAfterRegistration = tc.session })
			var b *browser
			if tc.typ == flow.TypeBrowser {
				b = newBrowser()
			}
			init, err := e.svc.InitRegistration(e.ctx, tc.typ, request(b, flow.RouteRegistrationInitAPI, ""))
			if err != nil {
				t.Fatal(err)
			}
			f := init.Flow
			var names []string
			for _, n := range f.UI.Nodes {
				names = append(names, string(n.Group)+":"+n.ID())
			}
			want := []string{"default:csrf_token", "password:traits.email", "password:password", "password:traits.name.first", "password:traits.name.last", "password:method"}
			if !slices.Equal(names, want) {
				t.Fatalf("nodes = %v, want %v", names, want)
			}
			if want := publicURL + "/self-service/registration?flow=" + f.ID; f.UI.Action != want {
				t.Fatalf("action %q, want %q", f.UI.Action, want)
			}
			r := request(b, "/self-service/registration", "")
			if tc.json {
				jsonBody(r, map[string]any{"method": "password", "password": "correct horse battery", "csrf_token": csrfOf(f.UI),
					"traits": map[string]any{"email": "new@example.com", "name": map[string]any{"first": "New"}}})
			} else {
				form(r, "method", "password", "password", "correct horse battery", "csrf_token", csrfOf(f.UI),
					"traits.email", "new@example.com", "traits.name.first", "New")
			}
			res, err := e.svc.SubmitRegistration(e.ctx, r, f.ID)
			if err != nil || res.Refused {
				t.Fatalf("submit: %v %+v", err, res)
			}
			if res.Identity == nil || !strings.Contains(string(res.Identity.Traits), `"first":"New"`) || res.Flow.State != flow.StatePassedChallenge {
				t.Fatalf("result %+v", res)
			}
			var actions []string
			for _, c := range res.ContinueWith {
				actions = append(actions, c.Action)
			}
			var wantActions []string
			if tc.session && tc.typ == flow.TypeAPI {
				wantActions = append(wantActions, flow.ActionSetSessionToken)
				if res.ContinueWith[0].OrySessionToken != res.SessionToken {
					t.Fatalf("continue_with token %q, session token %q", res.ContinueWith[0].OrySessionToken, res.SessionToken)
				}
			}
			if tc.typ == flow.TypeBrowser {
				wantActions = append(wantActions, flow.ActionRedirectBrowserTo)
			}
			if !slices.Equal(actions, wantActions) {
				t.Fatalf("continue_with %v, want %v", actions, wantActions)
			}
			if (res.Session != nil) != tc.session || (res.SessionToken != "") != tc.session {
				t.Fatalf("session %+v token %q, want a session: %v", res.Session, res.SessionToken, tc.session)
			}
			if _, err := e.ids.AuthenticatePassword(e.ctx, "new@example.com", "correct horse battery", ""); err != nil {
				t.Fatalf("the new identity cannot log in: %v", err)
			}
			again, err := e.svc.SubmitRegistration(e.ctx, r, f.ID)
			if err != nil || !again.Refused || !slices.Equal(messageIDs(again.Flow.UI.Messages), []text.ID{text.ErrorValidationRegistrationRetrySuccess}) {
				t.Fatalf("replay: %v %+v", err, again)
			}
		})
	}
}

func TestRegistrationRefusals(t *testing.T) {
	e := newEnv(t)
	e.register("taken@example.com", "correct horse battery")
	for _, tc := range []struct {
		name     string
		body     []string
		form     []text.ID
		email    []text.ID
		password []text.ID
		keep     any
	}{
		{"missing email", []string{"method", "password", "password", "correct horse battery", "traits.name.first", "Ann"},
			nil, []text.ID{text.ErrorValidationRequired}, nil, nil},
		{"bad email", []string{"method", "password", "password", "correct horse battery", "traits.email", "not-an-email"},
			nil, []text.ID{text.ErrorValidationGeneric}, nil, "not-an-email"},
		{"short password", []string{"method", "password", "password", "short", "traits.email", "ann@example.com"},
			nil, nil, []text.ID{text.ErrorValidationPasswordMinLength}, "ann@example.com"},
		{"no password", []string{"method", "password", "traits.email", "ann@example.com"},
			nil, nil, []text.ID{text.ErrorValidationRequired}, "ann@example.com"},
		{"duplicate email", []string{"method", "password", "password", "correct horse battery", "traits.email", "Taken@example.com"},
			[]text.ID{text.ErrorValidationDuplicateCredentials}, nil, nil, "Taken@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			init, err := e.svc.InitRegistration(e.ctx, flow.TypeAPI, request(nil, flow.RouteRegistrationInitAPI, ""))
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.svc.SubmitRegistration(e.ctx, form(request(nil, "/self-service/registration", ""), tc.body...), init.Flow.ID)
			if err != nil || !res.Refused {
				t.Fatalf("submit: %v %+v", err, res)
			}
			c := res.Flow.UI
			if got := messageIDs(c.Messages); !slices.Equal(got, tc.form) {
				t.Errorf("form messages %v, want %v", got, tc.form)
			}
			if got := nodeMessages(c, "traits.email"); !slices.Equal(got, tc.email) {
				t.Errorf("email messages %v, want %v", got, tc.email)
			}
			if got := nodeMessages(c, "password"); !slices.Equal(got, tc.password) {
				t.Errorf("password messages %v, want %v", got, tc.password)
			}
			if got := nodeValue(c, "traits.email"); got != tc.keep {
				t.Errorf("email value %v, want %v", got, tc.keep)
			}
			if got := nodeValue(c, "password"); got != nil {
				t.Errorf("password echoed: %v", got)
			}
			raw, _ := json.Marshal(res.Flow)
			if strings.Contains(string(raw), "correct horse battery") {
				t.Errorf("the flow's JSON holds the password: %s", raw)
			}
		})
	}
}

func TestRegistrationWithSessionRefused(t *testing.T) {
	e := newEnv(t)
	e.register("fay@example.com", "correct horse battery")
	token := e.login(nil, "fay@example.com", "correct horse battery")
	_, err := e.svc.InitRegistration(e.ctx, flow.TypeAPI, request(nil, flow.RouteRegistrationInitAPI, token))
	wantError(t, err, http.StatusBadRequest, flow.ErrIDAlreadyLoggedIn)
}
