package flow_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

func TestLoginLifecycle(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  flow.Type
		json bool
	}{
		{"api form", flow.TypeAPI, false},
		{"api json", flow.TypeAPI, true},
		{"browser form", flow.TypeBrowser, false},
		{"browser json", flow.TypeBrowser, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			who := e.register("alice@example.com", "correct horse battery")
			var b *browser
			if tc.typ == flow.TypeBrowser {
				b = &browser{}
			}
			init, err := e.svc.InitLogin(e.ctx, tc.typ, request(b, flow.RouteLoginInitBrowser+"?return_to=https://app.example.com/after", ""))
			if err != nil {
				t.Fatal(err)
			}
			f := init.Flow
			if f.Type != tc.typ || f.State != flow.StateChooseMethod || f.RequestedAAL != "aal1" || f.Refresh {
				t.Fatalf("flow = %+v", f)
			}
			if want := publicURL + "/self-service/login?flow=" + f.ID; f.UI.Action != want || f.UI.Method != "POST" {
				t.Fatalf("ui action %q %q, want %q POST", f.UI.Action, f.UI.Method, want)
			}
			if f.ReturnTo != "https://app.example.com/after" || !f.ExpiresAt.Equal(f.IssuedAt.Add(flow.DefaultFlowLifespan)) {
				t.Fatalf("return_to %q, expires %v issued %v", f.ReturnTo, f.ExpiresAt, f.IssuedAt)
			}
			var names []string
			for _, n := range f.UI.Nodes {
				names = append(names, string(n.Group)+":"+n.ID())
			}
			if want := []string{"default:csrf_token", "default:identifier", "password:password", "password:method"}; !slices.Equal(names, want) {
				t.Fatalf("nodes = %v, want %v", names, want)
			}
			if m := f.UI.Nodes.Find("method"); m.Meta.Label == nil || m.Meta.Label.ID != text.InfoSelfServiceLoginPassword {
				t.Fatalf("method label = %+v", m.Meta.Label)
			}
			if tc.typ == flow.TypeBrowser {
				if init.SetCSRFCookie == "" || !flow.CheckCSRF(init.SetCSRFCookie, csrfOf(f.UI)) {
					t.Fatalf("browser init: cookie %q does not match the form's token %q", init.SetCSRFCookie, csrfOf(f.UI))
				}
				if init.Redirect != "https://app.example.com/login?flow="+f.ID {
					t.Fatalf("redirect = %q", init.Redirect)
				}
				b.csrf = init.SetCSRFCookie
			} else if init.SetCSRFCookie != "" || csrfOf(f.UI) != "" {
				t.Fatalf("api init has CSRF %q / %q", init.SetCSRFCookie, csrfOf(f.UI))
			}

			got, err := e.svc.GetLogin(e.ctx, request(b, flow.RouteLoginGet+"?id="+f.ID, ""), f.ID)
			if err != nil || got.ID != f.ID {
				t.Fatalf("get: %v %+v", err, got)
			}

			r := request(b, "/self-service/login?flow="+f.ID, "")
			if tc.json {
				jsonBody(r, map[string]any{"method": "password", "identifier": "Alice@Example.com", "password": "correct horse battery", "csrf_token": csrfOf(f.UI)})
			} else {
				form(r, "method", "password", "identifier", "alice@example.com", "password", "correct horse battery", "csrf_token", csrfOf(f.UI))
			}
			res, err := e.svc.SubmitLogin(e.ctx, r, f.ID)
			if err != nil || res.Refused {
				t.Fatalf("submit: %v %+v", err, res)
			}
			if res.Session == nil || res.Session.IdentityID != who.ID || res.SessionToken == "" || res.Flow.State != flow.StatePassedChallenge {
				t.Fatalf("result = %+v", res)
			}
			if s, err := e.ids.Whoami(e.ctx, res.SessionToken); err != nil || s.IdentityID != who.ID {
				t.Fatalf("whoami: %v %+v", err, s)
			}
			if res.Redirect != "https://app.example.com/after" {
				t.Fatalf("redirect = %q", res.Redirect)
			}
			wantContinue := 0
			if tc.typ == flow.TypeBrowser {
				wantContinue = 1
			}
			if len(res.ContinueWith) != wantContinue || (wantContinue == 1 && res.ContinueWith[0] != (flow.ContinueWith{Action: "redirect_browser_to", RedirectBrowserTo: "https://app.example.com/after"})) {
				t.Fatalf("continue_with = %+v", res.ContinueWith)
			}

			// The same body again: the flow is spent.
			if b != nil {
				b.session = ""
			}
			again, err := e.svc.SubmitLogin(e.ctx, r, f.ID)
			if err != nil || !again.Refused || !slices.Equal(messageIDs(again.Flow.UI.Messages), []text.ID{text.ErrorValidationLoginRetrySuccess}) {
				t.Fatalf("replay: %v %+v", err, again)
			}
		})
	}
}

func TestLoginRefusals(t *testing.T) {
	e := newEnv(t)
	e.register("bob@example.com", "correct horse battery")
	for _, tc := range []struct {
		name       string
		body       []string
		form       []text.ID
		identifier []text.ID
		password   []text.ID
		keep       any
	}{
		{"wrong password", []string{"method", "password", "identifier", "bob@example.com", "password", "wrong horse battery"},
			[]text.ID{text.ErrorValidationInvalidCredentials}, nil, nil, "bob@example.com"},
		{"unknown identifier", []string{"method", "password", "identifier", "nobody@example.com", "password", "wrong horse battery"},
			[]text.ID{text.ErrorValidationInvalidCredentials}, nil, nil, "nobody@example.com"},
		{"missing both", []string{"method", "password"},
			nil, []text.ID{text.ErrorValidationRequired}, []text.ID{text.ErrorValidationRequired}, ""},
		{"missing password", []string{"method", "password", "identifier", "bob@example.com"},
			nil, nil, []text.ID{text.ErrorValidationRequired}, "bob@example.com"},
		{"unknown method", []string{"method", "webauthn", "identifier", "bob@example.com"},
			[]text.ID{text.ErrorValidationLoginNoStrategyFound}, nil, nil, "bob@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			init, err := e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI, ""))
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.svc.SubmitLogin(e.ctx, form(request(nil, "/self-service/login", ""), tc.body...), init.Flow.ID)
			if err != nil || !res.Refused {
				t.Fatalf("submit: %v %+v", err, res)
			}
			c := res.Flow.UI
			if got := messageIDs(c.Messages); !slices.Equal(got, tc.form) {
				t.Errorf("form messages %v, want %v", got, tc.form)
			}
			if got := nodeMessages(c, "identifier"); !slices.Equal(got, tc.identifier) {
				t.Errorf("identifier messages %v, want %v", got, tc.identifier)
			}
			if got := nodeMessages(c, "password"); !slices.Equal(got, tc.password) {
				t.Errorf("password messages %v, want %v", got, tc.password)
			}
			if got := nodeValue(c, "identifier"); got != tc.keep {
				t.Errorf("identifier value %v, want %v", got, tc.keep)
			}
			if got := nodeValue(c, "password"); got != nil {
				t.Errorf("password echoed: %v", got)
			}
			stored, err := e.svc.GetLogin(e.ctx, request(nil, "", ""), init.Flow.ID)
			if err != nil || !slices.Equal(messageIDs(stored.UI.Messages), tc.form) {
				t.Errorf("stored flow: %v %+v", err, stored)
			}
		})
	}
}

// TestLoginConcurrentSubmissions submits one flow many times at once: exactly one wins.
func TestLoginConcurrentSubmissions(t *testing.T) {
	e := newEnv(t)
	e.register("carol@example.com", "correct horse battery")
	init, err := e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI, ""))
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	sessions := 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := form(request(nil, "/self-service/login", ""), "method", "password", "identifier", "carol@example.com", "password", "correct horse battery")
			res, err := e.svc.SubmitLogin(e.ctx, r, init.Flow.ID)
			if err == nil && !res.Refused {
				mu.Lock()
				sessions++
				mu.Unlock()
			} else if fe := flow.AsError(err); err != nil && (fe == nil || fe.Code != http.StatusConflict) {
				t.Errorf("submit: %v", err)
			}
		}()
	}
	wg.Wait()
	if sessions != 1 {
		t.Fatalf("%d submissions of one flow started a session, want 1", sessions)
	}
}

func TestLoginWithSession(t *testing.T) {
	e := newEnv(t)
	who := e.register("dan@example.com", "correct horse battery")
	b := newBrowser()
	token := e.login(b, "dan@example.com", "correct horse battery")
	before, err := e.ids.Whoami(e.ctx, token)
	if err != nil {
		t.Fatal(err)
	}

	_, err = e.svc.InitLogin(e.ctx, flow.TypeBrowser, request(b, flow.RouteLoginInitBrowser, ""))
	if fe := wantError(t, err, http.StatusBadRequest, flow.ErrIDAlreadyLoggedIn); fe.Redirect != "https://app.example.com/home" {
		t.Fatalf("already logged in redirect = %q", fe.Redirect)
	}
	_, err = e.svc.InitLogin(e.ctx, flow.TypeBrowser, request(b, flow.RouteLoginInitBrowser+"?aal=aal2", ""))
	wantError(t, err, http.StatusForbidden, flow.ErrIDHigherAALRequired)
	_, err = e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI+"?aal=aal2", ""))
	wantError(t, err, http.StatusUnauthorized, flow.ErrIDSessionRequiredForAAL)
	_, err = e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI+"?aal=aal7", ""))
	wantError(t, err, http.StatusBadRequest, "")

	// refresh=true re-authenticates the session: the identifier is fixed, the token stays.
	e.advance(2 * 60 * 60 * 1e9)
	init, err := e.svc.InitLogin(e.ctx, flow.TypeBrowser, request(b, flow.RouteLoginInitBrowser+"?refresh=true", ""))
	if err != nil {
		t.Fatal(err)
	}
	f := init.Flow
	id := f.UI.Nodes.Find("identifier")
	if !f.Refresh || id == nil || id.Input().Type != ui.InputTypeHidden || id.Input().Value != "dan@example.com" {
		t.Fatalf("refresh flow: refresh %v identifier %+v", f.Refresh, id)
	}
	if got := messageIDs(f.UI.Messages); !slices.Equal(got, []text.ID{text.InfoSelfServiceLoginReAuth}) {
		t.Fatalf("refresh messages %v", got)
	}
	res, err := e.svc.SubmitLogin(e.ctx, form(request(b, "/self-service/login", ""),
		"method", "password", "identifier", "dan@example.com", "password", "correct horse battery", "csrf_token", csrfOf(f.UI)), f.ID)
	if err != nil || res.Refused {
		t.Fatalf("refresh submit: %v %+v", err, res)
	}
	if res.SessionToken != token || res.Session.ID != before.ID || res.Session.IdentityID != who.ID ||
		!res.Session.AuthenticatedAt.After(before.AuthenticatedAt) {
		t.Fatalf("refresh: session %+v (token kept %v), before %+v", res.Session, res.SessionToken == token, before)
	}
	// Without a session, refresh is an ordinary login.
	init, err = e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI+"?refresh=true", ""))
	if err != nil || init.Flow.Refresh {
		t.Fatalf("refresh without a session: %v %+v", err, init)
	}
}

func TestLoginChallengeKept(t *testing.T) {
	e := newEnv(t)
	e.register("erin@example.com", "correct horse battery")
	init, err := e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI+"?login_challenge=abc123", ""))
	if err != nil || init.Flow.OAuth2LoginChallenge != "abc123" {
		t.Fatalf("init: %v %+v", err, init)
	}
	res, err := e.svc.SubmitLogin(e.ctx, form(request(nil, "/self-service/login", ""),
		"method", "password", "identifier", "erin@example.com", "password", "correct horse battery"), init.Flow.ID)
	if err != nil || res.LoginChallenge != "abc123" {
		t.Fatalf("submit: %v %+v", err, res)
	}
	if !strings.HasPrefix(res.Redirect, "https://app.example.com/home") {
		t.Fatalf("redirect = %q", res.Redirect)
	}
}
