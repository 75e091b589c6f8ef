package flow_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

func withSecondFactors(c *flow.Config) {
	c.SecondFactors = flow.SecondFactorConfig{TOTPEnabled: true, TOTPIssuer: "Ward Test", LookupSecretEnabled: true}
}

// totpSecretOf returns the secret a settings form offers to enrol (the totp_secret_key node),
// having checked that the form carries its QR code as a PNG.
func totpSecretOf(t testing.TB, c *ui.Container) string {
	t.Helper()
	n := c.Nodes.Find(ui.TOTPSecretKey)
	if n == nil {
		t.Fatalf("no %s node in %v", ui.TOTPSecretKey, nodeNames(c))
	}
	var ctx struct {
		Secret string `json:"secret"`
	}
	_ = json.Unmarshal(n.Attributes.(*ui.TextAttributes).Text.Context, &ctx)
	secret := ctx.Secret
	if len(secret) != 32 { // 160 bits in base32
		t.Fatalf("secret %q, want 32 base32 characters", secret)
	}
	qr := c.Nodes.Find(ui.TOTPQR)
	if qr == nil || qr.Group != ui.GroupTOTP || qr.Meta.Label == nil || qr.Meta.Label.ID != text.InfoSelfServiceSettingsTOTPQRCode {
		t.Fatalf("QR node %+v", qr)
	}
	src := qr.Attributes.(*ui.ImageAttributes).Src
	data, ok := strings.CutPrefix(src, "data:image/png;base64,")
	if !ok {
		t.Fatalf("QR src %.40q is not a PNG data URI", src)
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() != 256 {
		t.Fatalf("QR image: %v %v", err, img)
	}
	return secret
}

func nodeNames(c *ui.Container) []string {
	var out []string
	for _, n := range c.Nodes {
		out = append(out, n.ID())
	}
	return out
}

// enrolTOTP enrols a TOTP key for the session token through an API settings flow and returns
// its secret.
func (e *env) enrolTOTP(t *testing.T, token string) string {
	t.Helper()
	init, err := e.svc.InitSettings(e.ctx, flow.TypeAPI, request(nil, flow.RouteSettingsInitAPI, token))
	if err != nil {
		t.Fatal(err)
	}
	secret := totpSecretOf(t, init.Flow.UI)
	code, err := totp.GenerateCode(secret, e.clock())
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.SubmitSettings(e.ctx, jsonBody(request(nil, "/self-service/settings?flow="+init.Flow.ID, token),
		map[string]any{"method": "totp", "totp_code": code}), init.Flow.ID)
	if err != nil || res.Refused {
		t.Fatalf("enrol: %v %+v", err, res)
	}
	return secret
}

func TestTOTPEnrolmentAndAAL2Login(t *testing.T) {
	e := newEnv(t, withSecondFactors)
	who := e.register("totp@example.com", "a long and unusual passphrase 1")
	token := e.login(nil, "totp@example.com", "a long and unusual passphrase 1")

	init, err := e.svc.InitSettings(e.ctx, flow.TypeAPI, request(nil, flow.RouteSettingsInitAPI, token))
	if err != nil {
		t.Fatal(err)
	}
	secret := totpSecretOf(t, init.Flow.UI)
	if n := init.Flow.UI.Nodes.Find(ui.TOTPCode); n == nil || n.Meta.Label.ID != text.InfoNodeLabelVerifyOTP {
		t.Fatalf("no totp_code input: %v", nodeNames(init.Flow.UI))
	}
	submit := func(body map[string]any) (*flow.SettingsResult, error) {
		return e.svc.SubmitSettings(e.ctx, jsonBody(request(nil, "/self-service/settings?flow="+init.Flow.ID, token), body), init.Flow.ID)
	}

	// A wrong code is refused on the totp_code node and stores nothing.
	good, _ := totp.GenerateCode(secret, e.clock())
	wrong := "000000"
	if wrong == good {
		wrong = "111111"
	}
	res, err := submit(map[string]any{"method": "totp", "totp_code": wrong})
	if err != nil || !res.Refused {
		t.Fatalf("wrong code: %v %+v", err, res)
	}
	if got := nodeMessages(res.Flow.UI, ui.TOTPCode); !slices.Equal(got, []text.ID{text.ErrorValidationTOTPVerifierWrong}) {
		t.Fatalf("totp_code messages %v, want 4000008", got)
	}
	if i, _ := e.ids.GetIdentity(e.ctx, who.ID); i.Credentials[identity.CredentialTOTP].Type != "" {
		t.Fatal("a wrong code stored a TOTP credential")
	}

	// The right code enrols the key and steps the session up to aal2.
	if res, err = submit(map[string]any{"method": "totp", "totp_code": good}); err != nil || res.Refused {
		t.Fatalf("enrol: %v %+v", err, res)
	}
	if res.Flow.State != flow.StateSuccess || res.Flow.UI.Nodes.Find(ui.TOTPUnlink) == nil || res.Flow.UI.Nodes.Find(ui.TOTPQR) != nil {
		t.Fatalf("after enrolment: state %s, nodes %v", res.Flow.State, nodeNames(res.Flow.UI))
	}
	i, _ := e.ids.GetIdentity(e.ctx, who.ID)
	var cfg struct {
		TOTPURL string `json:"totp_url"`
	}
	c := i.Credentials[identity.CredentialTOTP]
	if err := json.Unmarshal(c.Config, &cfg); err != nil || !strings.Contains(cfg.TOTPURL, "secret="+secret) ||
		!strings.Contains(cfg.TOTPURL, "issuer=Ward") || !slices.Equal(c.Identifiers, []string{who.ID}) {
		t.Fatalf("credential %+v %s", c, c.Config)
	}
	if sess, _ := e.ids.Whoami(e.ctx, token); sess.AAL != identity.AAL2 || !sess.SatisfiesAAL(identity.RequiredAALHighest) {
		t.Fatalf("session after enrolment at %s", sess.AAL)
	}

	// A new password login stops at aal1: the app gets the session without its identity.
	t2 := flow.TypeAPI
	linit, err := e.svc.InitLogin(e.ctx, t2, request(nil, flow.RouteLoginInitAPI, ""))
	if err != nil {
		t.Fatal(err)
	}
	lres, err := e.svc.SubmitLogin(e.ctx, form(request(nil, "/self-service/login?flow="+linit.Flow.ID, ""),
		"method", "password", "identifier", "totp@example.com", "password", "a long and unusual passphrase 1"), linit.Flow.ID)
	if err != nil || lres.Refused {
		t.Fatalf("password login: %v %+v", err, lres)
	}
	if lres.Session.AAL != identity.AAL1 || lres.Session.Identity != nil || !strings.Contains(lres.Redirect, "aal=aal2") {
		t.Fatalf("password login: aal %s, identity %v, redirect %s", lres.Session.AAL, lres.Session.Identity, lres.Redirect)
	}
	aal1 := lres.SessionToken
	sess, _ := e.ids.Whoami(e.ctx, aal1)
	if sess.SatisfiesAAL(identity.RequiredAALHighest) || !sess.SatisfiesAAL(identity.AAL1) {
		t.Fatal("an aal1 session of an identity with TOTP satisfies highest_available")
	}

	// The aal2 login asks for the code only.
	a2, err := e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI+"?aal=aal2", aal1))
	if err != nil {
		t.Fatal(err)
	}
	if a2.Flow.RequestedAAL != flow.AAL2 || a2.Flow.UI.Nodes.Find("password") != nil || a2.Flow.UI.Nodes.Find(ui.TOTPCode) == nil ||
		nodeValue(a2.Flow.UI, "method") != "totp" {
		t.Fatalf("aal2 flow: %s %v", a2.Flow.RequestedAAL, nodeNames(a2.Flow.UI))
	}
	submitLogin := func(body map[string]any) (*flow.LoginResult, error) {
		return e.svc.SubmitLogin(e.ctx, jsonBody(request(nil, "/self-service/login?flow="+a2.Flow.ID, aal1), body), a2.Flow.ID)
	}
	// A password is not a second factor.
	if r, err := submitLogin(map[string]any{"method": "password", "identifier": "totp@example.com", "password": "a long and unusual passphrase 1"}); err != nil || !r.Refused {
		t.Fatalf("password in an aal2 flow: %v %+v", err, r)
	}
	r, err := submitLogin(map[string]any{"method": "totp", "totp_code": wrong})
	if err != nil || !r.Refused || !slices.Equal(messageIDs(r.Flow.UI.Messages), []text.ID{text.ErrorValidationTOTPVerifierWrong}) {
		t.Fatalf("wrong code at login: %v %+v", err, r)
	}
	code, _ := totp.GenerateCode(secret, e.clock())
	if r, err = submitLogin(map[string]any{"method": "totp", "totp_code": code}); err != nil || r.Refused {
		t.Fatalf("aal2 login: %v %+v", err, r)
	}
	if r.Session.AAL != identity.AAL2 || r.SessionToken != aal1 || r.Flow.Active != "totp" {
		t.Fatalf("aal2 login: %s %q same token %v", r.Session.AAL, r.Flow.Active, r.SessionToken == aal1)
	}
	var methods []string
	for _, m := range r.Session.AuthenticationMethods {
		methods = append(methods, m.Method+":"+m.AAL)
	}
	if !slices.Equal(methods, []string{"password:aal1", "totp:aal2"}) {
		t.Fatalf("methods %v", methods)
	}
	// An aal2 session asking for aal2 again is already logged in.
	_, err = e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI+"?aal=aal2", aal1))
	wantError(t, err, 400, flow.ErrIDAlreadyLoggedIn)

	// Unlinking removes the key.
	un, err := e.svc.InitSettings(e.ctx, flow.TypeAPI, request(nil, flow.RouteSettingsInitAPI, aal1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SubmitSettings(e.ctx, jsonBody(request(nil, "/self-service/settings?flow="+un.Flow.ID, aal1),
		map[string]any{"method": "totp", "totp_unlink": true}), un.Flow.ID); err != nil {
		t.Fatal(err)
	}
	if i, _ := e.ids.GetIdentity(e.ctx, who.ID); i.Credentials[identity.CredentialTOTP].Type != "" || i.AvailableAAL != identity.AAL1 {
		t.Fatalf("after unlink: %v, available %s", i.Credentials, i.AvailableAAL)
	}
}

func TestAAL2WithoutSecondFactor(t *testing.T) {
	e := newEnv(t, withSecondFactors)
	e.register("plain@example.com", "a long and unusual passphrase 2")
	token := e.login(nil, "plain@example.com", "a long and unusual passphrase 2")
	_, err := e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI+"?aal=aal2", token))
	wantError(t, err, 403, flow.ErrIDHigherAALRequired)
	_, err = e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI+"?aal=aal2", ""))
	wantError(t, err, 401, flow.ErrIDSessionRequiredForAAL)
}

func TestSettingsRequiredAAL(t *testing.T) {
	for _, required := range []string{"", flow.AAL1} {
		t.Run("required="+required, func(t *testing.T) {
			e := newEnv(t, withSecondFactors, func(c *flow.Config) { c.SecondFactors.SettingsRequiredAAL = required })
			e.register("s@example.com", "a long and unusual passphrase 3")
			e.enrolTOTP(t, e.login(nil, "s@example.com", "a long and unusual passphrase 3"))
			aal1 := e.login(nil, "s@example.com", "a long and unusual passphrase 3")
			_, err := e.svc.InitSettings(e.ctx, flow.TypeAPI, request(nil, flow.RouteSettingsInitAPI, aal1))
			if required == flow.AAL1 {
				if err != nil {
					t.Fatalf("aal1 settings: %v", err)
				}
				return
			}
			fe := wantError(t, err, 403, flow.ErrIDHigherAALRequired)
			if !strings.Contains(fe.RedirectBrowserTo, "/self-service/login/browser?aal=aal2") {
				t.Fatalf("redirect_browser_to %q", fe.RedirectBrowserTo)
			}
		})
	}
}

func TestLookupSecrets(t *testing.T) {
	e := newEnv(t, withSecondFactors)
	who := e.register("lookup@example.com", "a long and unusual passphrase 4")
	token := e.login(nil, "lookup@example.com", "a long and unusual passphrase 4")
	init, err := e.svc.InitSettings(e.ctx, flow.TypeAPI, request(nil, flow.RouteSettingsInitAPI, token))
	if err != nil {
		t.Fatal(err)
	}
	if init.Flow.UI.Nodes.Find(ui.LookupRegenerate) == nil || init.Flow.UI.Nodes.Find(ui.LookupReveal) != nil {
		t.Fatalf("nodes without codes: %v", nodeNames(init.Flow.UI))
	}
	submit := func(body map[string]any) *flow.SettingsResult {
		t.Helper()
		res, err := e.svc.SubmitSettings(e.ctx, jsonBody(request(nil, "/self-service/settings?flow="+init.Flow.ID, token), body), init.Flow.ID)
		if err != nil || res.Refused {
			t.Fatalf("submit %v: %v %+v", body, err, res)
		}
		return res
	}
	// Confirming before generating is refused.
	_, err = e.svc.SubmitSettings(e.ctx, jsonBody(request(nil, "/self-service/settings?flow="+init.Flow.ID, token),
		map[string]any{"method": "lookup_secret", "lookup_secret_confirm": true}), init.Flow.ID)
	wantError(t, err, 400, "")

	res := submit(map[string]any{"method": "lookup_secret", "lookup_secret_regenerate": true})
	codesNode := res.Flow.UI.Nodes.Find(ui.LookupCodes)
	if res.Flow.State != flow.StateShowForm || codesNode == nil || res.Flow.UI.Nodes.Find(ui.LookupConfirm) == nil {
		t.Fatalf("after regenerate: %s %v", res.Flow.State, nodeNames(res.Flow.UI))
	}
	codes := strings.Split(codesNode.Attributes.(*ui.TextAttributes).Text.Text, ", ")
	if len(codes) != 12 || len(codes[0]) != 8 {
		t.Fatalf("codes %v", codes)
	}
	if i, _ := e.ids.GetIdentity(e.ctx, who.ID); i.Credentials[identity.CredentialLookupSecret].Type != "" {
		t.Fatal("codes stored before confirmation")
	}
	res = submit(map[string]any{"method": "lookup_secret", "lookup_secret_confirm": true})
	if res.Flow.State != flow.StateSuccess || res.Flow.UI.Nodes.Find(ui.LookupReveal) == nil {
		t.Fatalf("after confirm: %s %v", res.Flow.State, nodeNames(res.Flow.UI))
	}

	// A recovery code takes an aal1 session to aal2, once.
	aal1 := e.login(nil, "lookup@example.com", "a long and unusual passphrase 4")
	useCode := func(code string) *flow.LoginResult {
		t.Helper()
		a2, err := e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI+"?aal=aal2&refresh=true", aal1))
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.svc.SubmitLogin(e.ctx, jsonBody(request(nil, "/self-service/login?flow="+a2.Flow.ID, aal1),
			map[string]any{"method": "lookup_secret", "lookup_secret": code}), a2.Flow.ID)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := useCode("notacode"); !r.Refused || !slices.Equal(messageIDs(r.Flow.UI.Messages), []text.ID{text.ErrorValidationLookupInvalid}) {
		t.Fatalf("wrong code: %+v", r)
	}
	if r := useCode(codes[3]); r.Refused || r.Session.AAL != identity.AAL2 {
		t.Fatalf("recovery code login: %+v", r)
	}
	if r := useCode(codes[3]); !r.Refused {
		t.Fatal("a recovery code was accepted twice")
	}
	secrets, err := e.ids.LookupSecrets(e.ctx, who.ID)
	if err != nil || secrets[3].UsedAt == nil || secrets[2].UsedAt != nil {
		t.Fatalf("secrets %v %v", secrets, err)
	}
	// Revealing shows the spent code as used.
	res = submit(map[string]any{"method": "lookup_secret", "lookup_secret_reveal": true})
	shown := strings.Split(res.Flow.UI.Nodes.Find(ui.LookupCodes).Attributes.(*ui.TextAttributes).Text.Text, ", ")
	if shown[3] != "used" || shown[2] != codes[2] {
		t.Fatalf("revealed %v", shown)
	}
	submit(map[string]any{"method": "lookup_secret", "lookup_secret_disable": true})
	if _, err := e.ids.LookupSecrets(e.ctx, who.ID); !errors.Is(err, identity.ErrNoSecondFactor) {
		t.Fatalf("after disable: %v", err)
	}
}

// TestParseSecondFactorSubmission reads the TOTP and lookup_secret fields from forms and JSON
// (booleans as JSON booleans or, as a form followed in JSON, "true"), and refuses a code that is
// not a string and a flag that is not a boolean.
func TestParseSecondFactorSubmission(t *testing.T) {
	for _, tc := range []struct{ contentType, body string }{
		{"application/x-www-form-urlencoded", "method=totp&totp_code=012345&totp_unlink=true&lookup_secret=ab12&lookup_secret_confirm=true"},
		{"application/json", `{"method":"totp","totp_code":"012345","totp_unlink":true,"lookup_secret":"ab12","lookup_secret_confirm":"true"}`},
	} {
		s, err := flow.ParseSubmission(tc.contentType, []byte(tc.body))
		if err != nil || s.TOTPCode != "012345" || !s.TOTPUnlink || s.LookupSecret != "ab12" || !s.LookupConfirm || s.LookupReveal {
			t.Errorf("%s: %+v %v", tc.body, s, err)
		}
	}
	for _, body := range []string{`{"totp_code":123456}`, `{"lookup_secret_reveal":"maybe"}`, `{"totp_unlink":1}`} {
		if _, err := flow.ParseSubmission("application/json", []byte(body)); err == nil {
			t.Errorf("%s was accepted", body)
		}
	}
}
