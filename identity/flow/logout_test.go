package flow_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wardhq/ward/identity/flow"
)

func TestBrowserLogout(t *testing.T) {
	e := newEnv(t)
	e.register("ned@example.com", "correct horse battery")
	b := newBrowser()
	e.login(b, "ned@example.com", "correct horse battery")

	lf, err := e.svc.CreateBrowserLogout(e.ctx, request(b, flow.RouteLogoutBrowser+"?return_to=https://app.example.com/bye", ""))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(lf.LogoutURL)
	if err != nil || u.Path != "/self-service/logout" || u.Query().Get("token") != lf.LogoutToken || u.Query().Get("return_to") != "https://app.example.com/bye" {
		t.Fatalf("logout flow %+v", lf)
	}
	if strings.Contains(lf.LogoutToken, b.session) || !strings.HasPrefix(lf.LogoutToken, "ory_lo_") {
		t.Fatalf("logout token %q", lf.LogoutToken)
	}
	_, err = e.svc.CreateBrowserLogout(e.ctx, request(b, flow.RouteLogoutBrowser+"?return_to=https://evil.example/", ""))
	wantError(t, err, http.StatusBadRequest, flow.ErrIDReturnToForbidden)

	// Another session's token does not log this one out.
	other := newBrowser()
	e.login(other, "ned@example.com", "correct horse battery")
	_, err = e.svc.CompleteBrowserLogout(e.ctx, request(other, "/self-service/logout?token="+url.QueryEscape(lf.LogoutToken), ""))
	wantError(t, err, http.StatusForbidden, "")
	_, err = e.svc.CompleteBrowserLogout(e.ctx, request(b, "/self-service/logout", ""))
	wantError(t, err, http.StatusBadRequest, "")

	res, err := e.svc.CompleteBrowserLogout(e.ctx, request(b, strings.TrimPrefix(lf.LogoutURL, publicURL), ""))
	if err != nil || res.Redirect != "https://app.example.com/bye" || res.SetCSRFCookie == "" {
		t.Fatalf("logout: %v %+v", err, res)
	}
	if _, err := e.ids.Whoami(e.ctx, b.session); err == nil {
		t.Fatal("the session is still valid")
	}
	if _, err := e.ids.Whoami(e.ctx, other.session); err != nil {
		t.Fatalf("the other session ended too: %v", err)
	}
	// The token is spent with its session.
	_, err = e.svc.CompleteBrowserLogout(e.ctx, request(b, strings.TrimPrefix(lf.LogoutURL, publicURL), ""))
	wantError(t, err, http.StatusUnauthorized, flow.ErrIDNoActiveSession)
	_, err = e.svc.CreateBrowserLogout(e.ctx, request(b, flow.RouteLogoutBrowser, ""))
	wantError(t, err, http.StatusUnauthorized, flow.ErrIDNoActiveSession)
}

func TestAPILogout(t *testing.T) {
	e := newEnv(t)
	e.register("ola@example.com", "correct horse battery")
	token := e.login(nil, "ola@example.com", "correct horse battery")
	for _, tc := range []struct {
		name string
		body string
		code int
	}{
		{"malformed", `{`, http.StatusBadRequest},
		{"empty", `{}`, http.StatusForbidden},
		{"unknown", `{"session_token":"ory_st_nope"}`, http.StatusForbidden},
		{"valid", `{"session_token":"` + token + `"}`, 0},
		{"again", `{"session_token":"` + token + `"}`, http.StatusForbidden},
	} {
		err := e.svc.LogoutAPI(e.ctx, []byte(tc.body))
		if tc.code == 0 {
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			continue
		}
		if fe := flow.AsError(err); fe == nil || fe.Code != tc.code {
			t.Fatalf("%s: %v, want %d", tc.name, err, tc.code)
		}
	}
}
