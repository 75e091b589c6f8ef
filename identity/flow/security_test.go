package flow_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	client "github.com/ory/client-go"

	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/text"
)

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	e.register("gus@example.com", "correct horse battery")
	other := newBrowser()
	for _, tc := range []struct {
		name   string
		token  func(flowToken string) string
		cookie func(b *browser)
		reason string
		ok     bool
	}{
		{"right", func(s string) string { return s }, nil, "", true},
		{"right, unmasked", func(string) string { return "" }, nil, "", true},
		{"missing", func(string) string { return "" }, func(b *browser) {}, "", false},
		{"wrong", func(string) string { return other.csrf }, nil, "The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow.", false},
		{"no cookie", func(s string) string { return s }, func(b *browser) { b.csrf = "" }, "The HTTP Cookie Header was set but did not include the anti-CSRF cookie.", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser()
			init, err := e.svc.InitLogin(e.ctx, flow.TypeBrowser, request(b, flow.RouteLoginInitBrowser, ""))
			if err != nil {
				t.Fatal(err)
			}
			sent := tc.token(csrfOf(init.Flow.UI))
			if tc.name == "right, unmasked" {
				sent = b.csrf // nosurf accepts the unmasked token too
			}
			if tc.cookie != nil {
				tc.cookie(b)
			}
			r := form(request(b, "/self-service/login", ""), "method", "password", "identifier", "gus@example.com",
				"password", "correct horse battery", "csrf_token", sent)
			if tc.name == "no cookie" {
				r.Header.Set("Cookie", "unrelated=1")
			}
			res, err := e.svc.SubmitLogin(e.ctx, r, init.Flow.ID)
			if tc.ok {
				if err != nil || res.Refused {
					t.Fatalf("submit: %v %+v", err, res)
				}
				return
			}
			fe := wantError(t, err, http.StatusForbidden, flow.ErrIDCSRF)
			if tc.reason != "" && fe.Details["reject_reason"] != tc.reason {
				t.Fatalf("reject_reason %q, want %q", fe.Details["reject_reason"], tc.reason)
			}
			if fe.Message != "the request was rejected to protect you from Cross-Site-Request-Forgery" {
				t.Fatalf("message %q", fe.Message)
			}
		})
	}

	// A browser flow is shown only to its browser.
	b := newBrowser()
	init, err := e.svc.InitLogin(e.ctx, flow.TypeBrowser, request(b, flow.RouteLoginInitBrowser, ""))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.GetLogin(e.ctx, request(other, "", ""), init.Flow.ID)
	wantError(t, err, http.StatusForbidden, flow.ErrIDCSRF)
}

func TestCheckCSRF(t *testing.T) {
	secret := flow.NewCSRFSecret()
	for _, tc := range []struct {
		name      string
		cookie    string
		submitted string
		want      bool
	}{
		{"same", secret, secret, true},
		{"empty", secret, "", false},
		{"other", secret, flow.NewCSRFSecret(), false},
		{"garbage", secret, "%%%", false},
		{"no cookie", "", secret, false},
		{"short", "AAAA", "AAAA", false},
	} {
		if got := flow.CheckCSRF(tc.cookie, tc.submitted); got != tc.want {
			t.Errorf("%s: CheckCSRF = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAPIFlowRefusesBrowsers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header http.Header
		ok     bool
	}{
		{"clean", http.Header{}, true},
		{"cloudflare cookies", http.Header{"Cookie": {"__cf_bm=1; _cfuvid=2; cf_clearance=3"}}, true},
		{"cookie", http.Header{"Cookie": {"ory_kratos_session=abc"}}, false},
		{"origin", http.Header{"Origin": {"https://evil.example"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.register("hal@example.com", "correct horse battery")
			init, err := e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI, ""))
			if err != nil {
				t.Fatal(err)
			}
			r := form(request(nil, "/self-service/login", ""), "method", "password", "identifier", "hal@example.com", "password", "correct horse battery")
			r.Header = tc.header
			res, err := e.svc.SubmitLogin(e.ctx, r, init.Flow.ID)
			if tc.ok {
				if err != nil || res.Refused {
					t.Fatalf("submit: %v %+v", err, res)
				}
				return
			}
			wantError(t, err, http.StatusBadRequest, "")
			if err := flow.CheckAPIRequest(tc.header); err == nil {
				t.Fatal("CheckAPIRequest accepted the header")
			}
		})
	}
}

func TestExpiredFlows(t *testing.T) {
	e := newEnv(t)
	e.register("ida@example.com", "correct horse battery")
	b := newBrowser()
	login, err := e.svc.InitLogin(e.ctx, flow.TypeBrowser, request(b, flow.RouteLoginInitBrowser+"?return_to=https://app.example.com/x", ""))
	if err != nil {
		t.Fatal(err)
	}
	api, err := e.svc.InitRegistration(e.ctx, flow.TypeAPI, request(nil, flow.RouteRegistrationInitAPI, ""))
	if err != nil {
		t.Fatal(err)
	}
	e.advance(flow.DefaultFlowLifespan + time.Minute)

	_, err = e.svc.GetLogin(e.ctx, request(b, "", ""), login.Flow.ID)
	fe := wantError(t, err, http.StatusGone, flow.ErrIDFlowExpired)
	if fe.Details["redirect_to"] != publicURL+"/self-service/login/browser?return_to=https%3A%2F%2Fapp.example.com%2Fx" || fe.Details["return_to"] != "https://app.example.com/x" {
		t.Fatalf("browser details %v", fe.Details)
	}
	_, err = e.svc.GetRegistration(e.ctx, request(nil, "", ""), api.Flow.ID)
	if fe := wantError(t, err, http.StatusGone, flow.ErrIDFlowExpired); fe.Details["api"] != publicURL+"/self-service/registration/api" {
		t.Fatalf("api details %v", fe.Details)
	}

	_, err = e.svc.SubmitLogin(e.ctx, form(request(b, "/self-service/login", ""), "method", "password", "identifier", "ida@example.com",
		"password", "correct horse battery", "csrf_token", csrfOf(login.Flow.UI)), login.Flow.ID)
	fe = wantError(t, err, http.StatusGone, flow.ErrIDFlowExpired)
	if fe.UseFlowID == "" || fe.UseFlowID == login.Flow.ID || fe.Redirect != "https://app.example.com/login?flow="+fe.UseFlowID {
		t.Fatalf("expired submit: use_flow_id %q redirect %q", fe.UseFlowID, fe.Redirect)
	}
	var body client.SelfServiceFlowExpiredError
	raw, _ := json.Marshal(fe)
	if err := json.Unmarshal(raw, &body); err != nil || body.GetUseFlowId() != fe.UseFlowID || body.Error.GetId() != flow.ErrIDFlowExpired ||
		body.GetSince() != int64(time.Minute) || body.Error.GetCode() != http.StatusGone {
		t.Fatalf("client-go reads %s as %v %+v", raw, err, body)
	}
	repl, err := e.svc.GetLogin(e.ctx, request(b, "", ""), fe.UseFlowID)
	if err != nil || repl.ReturnTo != "https://app.example.com/x" ||
		!slices.Equal(messageIDs(repl.UI.Messages), []text.ID{text.ErrorValidationLoginFlowExpired}) {
		t.Fatalf("replacement: %v %+v", err, repl)
	}
	res, err := e.svc.SubmitLogin(e.ctx, form(request(b, "/self-service/login", ""), "method", "password", "identifier", "ida@example.com",
		"password", "correct horse battery", "csrf_token", csrfOf(repl.UI)), repl.ID)
	if err != nil || res.Refused {
		t.Fatalf("the replacement cannot be submitted: %v %+v", err, res)
	}
}

func TestFlowOfAnotherKind(t *testing.T) {
	e := newEnv(t)
	login, err := e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI, ""))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := e.svc.InitRegistration(e.ctx, flow.TypeAPI, request(nil, flow.RouteRegistrationInitAPI, ""))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.GetRegistration(e.ctx, request(nil, "", ""), login.Flow.ID)
	wantError(t, err, http.StatusNotFound, "")
	_, err = e.svc.SubmitLogin(e.ctx, form(request(nil, "", ""), "method", "password"), reg.Flow.ID)
	wantError(t, err, http.StatusNotFound, "")
	_, err = e.svc.GetLogin(e.ctx, request(nil, "", ""), "00000000-0000-4000-8000-000000000000")
	wantError(t, err, http.StatusNotFound, "")
	if _, err := flow.ParseFlowID("not-a-uuid"); flow.AsError(err) == nil || flow.AsError(err).Code != http.StatusBadRequest {
		t.Fatalf("ParseFlowID: %v", err)
	}
}

func TestReturnTo(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		returnTo string
		ok       bool
	}{
		{"", true},
		{"https://app.example.com/dashboard", true},
		{"https://APP.example.com/", true},
		{"/dashboard", true}, // takes the default return URL's host
		{"https://a.partner.example.org/cb/done", true},
		{"https://a.partner.example.org/other", false},
		{"https://partner.example.org.evil.com/cb", false},
		{"http://app.example.com/dashboard", false},
		{"https://evil.example/", false},
		{publicURL + "/self-service/settings/browser", true},
		{publicURL + "/admin", false},
	} {
		r := request(nil, flow.RouteLoginInitAPI, "")
		if tc.returnTo != "" {
			q := r.URL.Query()
			q.Set("return_to", tc.returnTo)
			r.URL.RawQuery = q.Encode()
		}
		_, err := e.svc.InitLogin(e.ctx, flow.TypeAPI, r)
		if tc.ok && err != nil {
			t.Errorf("return_to %q refused: %v", tc.returnTo, err)
		}
		if !tc.ok {
			if fe := flow.AsError(err); fe == nil || fe.ID != flow.ErrIDReturnToForbidden || fe.Code != http.StatusBadRequest {
				t.Errorf("return_to %q: %v, want self_service_flow_return_to_forbidden", tc.returnTo, err)
			}
		}
	}
}

func TestConfigChecked(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  flow.Config
	}{
		{"no public URL", flow.Config{}},
		{"relative public URL", flow.Config{PublicURL: "/x"}},
		{"wildcard host", flow.Config{PublicURL: publicURL, AllowedReturnURLs: []string{"https://*/"}}},
		{"public suffix wildcard", flow.Config{PublicURL: publicURL, AllowedReturnURLs: []string{"https://*.com/"}}},
		{"bad UI URL", flow.Config{PublicURL: publicURL, Login: flow.FlowConfig{UIURL: "ftp://x"}}},
		{"verification without a courier", flow.Config{PublicURL: publicURL, VerificationEnabled: true}},
		{"short code key", flow.Config{PublicURL: publicURL, CodeKeys: [][]byte{[]byte("short")}}},
		{"bad verification UI URL", flow.Config{PublicURL: publicURL, Verification: flow.FlowConfig{UIURL: "ftp://x"}}},
	} {
		e := newEnv(t)
		if _, err := flow.NewService(e.st, e.ids, schemaRegistry(t), tc.cfg); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func TestExpiredSubmissionsReplaced(t *testing.T) {
	e := newEnv(t)
	e.register("una@example.com", "correct horse battery")
	token := e.login(nil, "una@example.com", "correct horse battery")
	reg, err := e.svc.InitRegistration(e.ctx, flow.TypeAPI, request(nil, flow.RouteRegistrationInitAPI, ""))
	if err != nil {
		t.Fatal(err)
	}
	set, err := e.svc.InitSettings(e.ctx, flow.TypeAPI, request(nil, flow.RouteSettingsInitAPI, token))
	if err != nil {
		t.Fatal(err)
	}
	e.advance(flow.DefaultFlowLifespan + time.Second)

	_, err = e.svc.SubmitRegistration(e.ctx, form(request(nil, "", ""), "method", "password"), reg.Flow.ID)
	fe := wantError(t, err, http.StatusGone, flow.ErrIDFlowExpired)
	r, err := e.svc.GetRegistration(e.ctx, request(nil, "", ""), fe.UseFlowID)
	if err != nil || !slices.Equal(messageIDs(r.UI.Messages), []text.ID{text.ErrorValidationRegistrationFlowExpired}) {
		t.Fatalf("registration replacement: %v %+v", err, r)
	}

	// The session is still valid (24 h); the settings flow is not.
	_, err = e.svc.SubmitSettings(e.ctx, form(request(nil, "", token), "method", "profile", "traits.email", "una@example.com"), set.Flow.ID)
	fe = wantError(t, err, http.StatusGone, flow.ErrIDFlowExpired)
	s, err := e.svc.GetSettings(e.ctx, request(nil, "", token), fe.UseFlowID)
	if err != nil || !slices.Equal(messageIDs(s.UI.Messages), []text.ID{text.ErrorValidationSettingsFlowExpired}) {
		t.Fatalf("settings replacement: %v %+v", err, s)
	}
}

func TestMalformedFlowIDNotFound(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"", "nope", "../../etc"} {
		_, err := e.svc.GetLogin(e.ctx, request(nil, "", ""), id)
		wantError(t, err, http.StatusNotFound, "")
	}
}
