package kratos_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// followToErrorUI checks that res sends the browser (303) to the error UI under ui with ?id=,
// reads the error there as the UI does (client-go's GetFlowError) and returns its inner error.
func (e *env) followToErrorUI(what string, res raw, ui string) map[string]any {
	t := e.t
	t.Helper()
	loc := res.header.Get("Location")
	if res.status != http.StatusSeeOther || !strings.HasPrefix(loc, ui+"?id=") {
		t.Fatalf("%s: %d to %q; want 303 to %s?id=", what, res.status, loc, ui)
	}
	u, _ := url.Parse(loc)
	id := u.Query().Get("id")
	fe, hres, err := e.app().FrontendAPI.GetFlowError(e.ctx).Id(id).Execute()
	if err != nil {
		t.Fatalf("%s: GET /self-service/errors?id=: %v %v", what, statusOf(hres), err)
	}
	if fe.Id != id || fe.CreatedAt == nil || fe.UpdatedAt == nil || time.Since(*fe.CreatedAt) > time.Minute || fe.Error == nil {
		t.Fatalf("%s: the flow error %+v is not Kratos's FlowError of ID %s", what, fe, id)
	}
	return fe.Error
}

// TestBrowserErrorsGoToErrorUI: a browser flow that fails with nowhere else to go sends the
// browser that did not ask for JSON to the error UI (by default the built-in UI's /ui/error, or
// the configured URL) with an ID, which GET /self-service/errors answers with Kratos's FlowError
// on any node holding the keys, until it expires; a request that asked for JSON, and an API flow
// whatever it asked for, still get the JSON error where it happens.
func TestBrowserErrorsGoToErrorUI(t *testing.T) {
	e := newEnv(t, nil)
	e.register(email, password1)
	html := http.Header{"Accept": {"text/html"}}
	form := "application/x-www-form-urlencoded"

	// An unknown flow.
	res := e.send("POST", e.publicURL+"/self-service/login?flow=00000000-0000-4000-8000-000000000000", form, "method=password", html)
	inner := e.followToErrorUI("an unknown flow", res, e.publicURL+"/ui/error")
	if inner["code"] != float64(http.StatusNotFound) || inner["message"] != "The requested resource could not be found" {
		t.Errorf("an unknown flow's stored error: %v", inner)
	}

	// A CSRF violation: the browser posts the login form without its token.
	b := &browserSession{cookies: map[string]string{}}
	id, _, _ := e.browserForm(b, "login", url.Values{"method": {"password"}, "identifier": {email}, "password": {password2}})
	h := b.header()
	h.Set("Accept", "text/html")
	res = e.send("POST", e.publicURL+"/self-service/login?flow="+id, form, "method=password&identifier=x&password=y", h)
	inner = e.followToErrorUI("a CSRF violation", res, e.publicURL+"/ui/error")
	if inner["id"] != "security_csrf_violation" || inner["code"] != float64(http.StatusForbidden) {
		t.Errorf("the CSRF violation's stored error: %v", inner)
	}
	u, _ := url.Parse(res.header.Get("Location"))
	errID := u.Query().Get("id")
	if strings.Contains(res.header.Get("Location"), "csrf") {
		t.Errorf("the error UI's URL shows the error: %s", res.header.Get("Location"))
	}

	// The same request asking for JSON is answered where it happens.
	h.Set("Accept", "application/json")
	res = e.send("POST", e.publicURL+"/self-service/login?flow="+id, form, "method=password&identifier=x&password=y", h)
	if res.status != http.StatusForbidden || !strings.Contains(string(res.body), "security_csrf_violation") {
		t.Errorf("a CSRF violation asking for JSON: %d %s", res.status, res.body)
	}

	// An API flow's error is JSON, even to a request that did not ask for it.
	f := e.send("GET", e.publicURL+"/self-service/login/api", "", "", nil)
	res = e.send("POST", e.publicURL+"/self-service/login?flow="+flowID(t, f.body), "text/plain", "not a form", html)
	if res.status != http.StatusBadRequest || res.header.Get("Location") != "" || !json.Valid(res.body) {
		t.Errorf("an API flow's bad submission without Accept: JSON: %d to %q %s; want the JSON error", res.status, res.header.Get("Location"), res.body)
	}

	// The ID lasts an hour.
	e.advance(61 * time.Minute)
	got := e.send("GET", e.publicURL+"/self-service/errors?id="+errID, "", "", nil)
	var body kratosErr
	if got.status != http.StatusNotFound || json.Unmarshal(got.body, &body) != nil || !strings.Contains(body.Error.Reason, "expired") {
		t.Errorf("an expired error ID: %d %s", got.status, got.body)
	}
}

// TestErrorUIConfigured: the configured error UI URL is where browsers go; Kratos's stub IDs keep
// working; unknown, tampered and oversized IDs are Kratos's 404.
func TestErrorUIConfigured(t *testing.T) {
	e := newEnvWith(t, nil, envOptions{errorUIURL: "https://app.example.com/error"})
	res := e.send("POST", e.publicURL+"/self-service/registration?flow=00000000-0000-4000-8000-000000000000",
		"application/x-www-form-urlencoded", "method=password", http.Header{"Accept": {"text/html"}})
	e.followToErrorUI("an unknown registration flow", res, "https://app.example.com/error")
	u, _ := url.Parse(res.header.Get("Location"))
	id := u.Query().Get("id")

	for _, stub := range []string{"stub:400", "stub:403", "stub:404", "stub:500"} {
		fe, _, err := e.app().FrontendAPI.GetFlowError(e.ctx).Id(stub).Execute()
		if err != nil || fe.Id != stub || fmt.Sprint(fe.Error["code"]) != strings.TrimPrefix(stub, "stub:") {
			t.Errorf("stub %s: %+v %v", stub, fe, err)
		}
	}
	tampered := []byte(id)
	tampered[len(tampered)/2] ^= 'A' ^ 'B'
	for name, bad := range map[string]string{
		"unknown":   "00000000-0000-4000-8000-000000000000",
		"tampered":  string(tampered),
		"truncated": id[:len(id)-1],
		"oversized": id + strings.Repeat("A", 4096),
		"empty":     "",
	} {
		_, res, err := e.app().FrontendAPI.GetFlowError(e.ctx).Id(bad).Execute()
		wantError(t, name+" error ID", res, err, http.StatusNotFound, "")
	}
}
