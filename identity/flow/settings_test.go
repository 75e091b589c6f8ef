package flow_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/text"
)

func TestSettingsLifecycle(t *testing.T) {
	for _, typ := range []flow.Type{flow.TypeAPI, flow.TypeBrowser} {
		t.Run(string(typ), func(t *testing.T) {
			e := newEnv(t)
			who := e.register("jo@example.com", "correct horse battery")
			var b *browser
			token := ""
			if typ == flow.TypeBrowser {
				b = newBrowser()
				e.login(b, "jo@example.com", "correct horse battery")
			} else {
				token = e.login(nil, "jo@example.com", "correct horse battery")
			}
			init, err := e.svc.InitSettings(e.ctx, typ, request(b, flow.RouteSettingsInitAPI, token))
			if err != nil {
				t.Fatal(err)
			}
			f := init.Flow
			if f.State != flow.StateShowForm || !strings.Contains(string(f.Identity), who.ID) {
				t.Fatalf("flow %+v", f)
			}
			if got := nodeValue(f.UI, "traits.email"); got != "jo@example.com" {
				t.Fatalf("traits.email value %v", got)
			}
			var groups []string
			for _, n := range f.UI.Nodes {
				groups = append(groups, string(n.Group)+":"+n.ID())
			}
			want := []string{"default:csrf_token", "profile:traits.email", "profile:traits.name.first", "profile:traits.name.last", "profile:method", "password:password", "password:method"}
			if !slices.Equal(groups, want) {
				t.Fatalf("nodes %v, want %v", groups, want)
			}

			// Profile: a name change.
			res, err := e.svc.SubmitSettings(e.ctx, form(request(b, "/self-service/settings", token),
				"method", "profile", "csrf_token", csrfOf(f.UI), "traits.email", "jo@example.com", "traits.name.first", "Jo"), f.ID)
			if err != nil || res.Refused || res.Flow.State != flow.StateSuccess {
				t.Fatalf("profile: %v %+v", err, res)
			}
			if got := messageIDs(res.Flow.UI.Messages); !slices.Equal(got, []text.ID{text.InfoSelfServiceSettingsUpdateSuccess}) {
				t.Fatalf("profile messages %v", got)
			}
			if got := nodeValue(res.Flow.UI, "traits.name.first"); got != "Jo" {
				t.Fatalf("first name %v", got)
			}
			if (len(res.Flow.ContinueWith) == 1) != (typ == flow.TypeBrowser) {
				t.Fatalf("continue_with %+v", res.Flow.ContinueWith)
			}
			// Password: a new one, then a refused one.
			res, err = e.svc.SubmitSettings(e.ctx, jsonBody(request(b, "/self-service/settings", token),
				map[string]any{"method": "password", "csrf_token": csrfOf(f.UI), "password": "another good passphrase"}), f.ID)
			if err != nil || res.Refused {
				t.Fatalf("password: %v %+v", err, res)
			}
			if _, err := e.ids.AuthenticatePassword(e.ctx, "jo@example.com", "another good passphrase", ""); err != nil {
				t.Fatalf("new password refused: %v", err)
			}
			res, err = e.svc.SubmitSettings(e.ctx, form(request(b, "/self-service/settings", token),
				"method", "password", "csrf_token", csrfOf(f.UI), "password", "short"), f.ID)
			if err != nil || !res.Refused || !slices.Equal(nodeMessages(res.Flow.UI, "password"), []text.ID{text.ErrorValidationPasswordMinLength}) ||
				nodeValue(res.Flow.UI, "password") != nil {
				t.Fatalf("short password: %v %+v", err, res)
			}
			// Traits the schema refuses are refused with the messages on their nodes, values kept.
			res, err = e.svc.SubmitSettings(e.ctx, form(request(b, "/self-service/settings", token),
				"method", "profile", "csrf_token", csrfOf(f.UI), "traits.email", "not-an-email"), f.ID)
			if err != nil || !res.Refused || !slices.Equal(nodeMessages(res.Flow.UI, "traits.email"), []text.ID{text.ErrorValidationGeneric}) ||
				nodeValue(res.Flow.UI, "traits.email") != "not-an-email" {
				t.Fatalf("bad email: %v %+v", err, res)
			}
			if got, _ := e.ids.GetIdentity(e.ctx, who.ID); !strings.Contains(string(got.Traits), "jo@example.com") {
				t.Fatalf("the refused traits were stored: %s", got.Traits)
			}
			// A method no strategy knows.
			res, err = e.svc.SubmitSettings(e.ctx, form(request(b, "/self-service/settings", token), "method", "totp", "csrf_token", csrfOf(f.UI)), f.ID)
			if err != nil || !res.Refused || !slices.Equal(messageIDs(res.Flow.UI.Messages), []text.ID{text.ErrorValidationSettingsNoStrategyFound}) {
				t.Fatalf("unknown method: %v %+v", err, res)
			}
		})
	}
}

func TestSettingsNeedsSessionOfItsIdentity(t *testing.T) {
	e := newEnv(t)
	e.register("kim@example.com", "correct horse battery")
	e.register("lee@example.com", "correct horse battery")
	kim := e.login(nil, "kim@example.com", "correct horse battery")
	lee := e.login(nil, "lee@example.com", "correct horse battery")

	_, err := e.svc.InitSettings(e.ctx, flow.TypeAPI, request(nil, flow.RouteSettingsInitAPI, ""))
	if fe := wantError(t, err, http.StatusUnauthorized, flow.ErrIDNoActiveSession); !strings.HasPrefix(fe.Redirect, publicURL+"/self-service/login/browser?return_to=") {
		t.Fatalf("redirect %q", fe.Redirect)
	}
	init, err := e.svc.InitSettings(e.ctx, flow.TypeAPI, request(nil, flow.RouteSettingsInitAPI, kim))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.GetSettings(e.ctx, request(nil, "", lee), init.Flow.ID)
	wantError(t, err, http.StatusForbidden, flow.ErrIDInitiatedBySomeoneElse)
	_, err = e.svc.SubmitSettings(e.ctx, form(request(nil, "", lee), "method", "password", "password", "another good passphrase"), init.Flow.ID)
	wantError(t, err, http.StatusForbidden, flow.ErrIDInitiatedBySomeoneElse)
	if _, err := e.svc.GetSettings(e.ctx, request(nil, "", kim), init.Flow.ID); err != nil {
		t.Fatal(err)
	}
}

func TestSettingsPrivilegedWindow(t *testing.T) {
	for _, tc := range []struct {
		name    string
		age     time.Duration
		body    []string
		refresh bool
	}{
		{"password inside", 30 * time.Minute, []string{"method", "password", "password", "another good passphrase"}, false},
		{"password outside", 61 * time.Minute, []string{"method", "password", "password", "another good passphrase"}, true},
		{"email outside", 61 * time.Minute, []string{"method", "profile", "traits.email", "max2@example.com"}, true},
		{"email inside", 59 * time.Minute, []string{"method", "profile", "traits.email", "max2@example.com"}, false},
		{"name outside", 3 * time.Hour, []string{"method", "profile", "traits.email", "max@example.com", "traits.name.last", "M"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *flow.Config) { c.Settings.Lifespan = 24 * time.Hour })
			e.register("max@example.com", "correct horse battery")
			token := e.login(nil, "max@example.com", "correct horse battery")
			init, err := e.svc.InitSettings(e.ctx, flow.TypeAPI, request(nil, flow.RouteSettingsInitAPI, token))
			if err != nil {
				t.Fatal(err)
			}
			e.advance(tc.age)
			res, err := e.svc.SubmitSettings(e.ctx, form(request(nil, "/self-service/settings", token), tc.body...), init.Flow.ID)
			if !tc.refresh {
				if err != nil || res.Refused {
					t.Fatalf("submit: %v %+v", err, res)
				}
				return
			}
			fe := wantError(t, err, http.StatusForbidden, flow.ErrIDNeedsPrivilegedSession)
			u, perr := url.Parse(fe.RedirectBrowserTo)
			if perr != nil || u.Path != "/self-service/login/browser" || u.Query().Get("refresh") != "true" ||
				u.Query().Get("return_to") != publicURL+"/self-service/settings?flow="+init.Flow.ID {
				t.Fatalf("redirect_browser_to %q", fe.RedirectBrowserTo)
			}
			raw, _ := json.Marshal(fe)
			var body struct {
				Error struct {
					ID   string `json:"id"`
					Code int    `json:"code"`
				} `json:"error"`
				RedirectBrowserTo string `json:"redirect_browser_to"`
			}
			if err := json.Unmarshal(raw, &body); err != nil || body.Error.ID != "session_refresh_required" || body.Error.Code != 403 || body.RedirectBrowserTo != fe.RedirectBrowserTo {
				t.Fatalf("JSON %s", raw)
			}
			if i, _ := e.ids.AuthenticatePassword(e.ctx, "max@example.com", "correct horse battery", ""); i == nil {
				t.Fatal("the refused change was applied")
			}
		})
	}
}
