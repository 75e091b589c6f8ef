package pages_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wardhq/ward/api/pages"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

func newRenderer(t testing.TB) *pages.Renderer {
	t.Helper()
	rd, err := pages.New(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

// rendered is a page as the tests read it.
type rendered struct {
	resp *http.Response
	body string
	doc  *html.Node
}

func render(t testing.TB, rd *pages.Renderer, f func(*pages.Renderer, http.ResponseWriter, *http.Request) error) rendered {
	t.Helper()
	w := httptest.NewRecorder()
	if err := f(rd, w, httptest.NewRequest(http.MethodGet, "/page", nil)); err != nil {
		t.Fatalf("rendering: %v", err)
	}
	doc, err := html.Parse(strings.NewReader(w.Body.String()))
	if err != nil {
		t.Fatalf("parsing the page: %v", err)
	}
	return rendered{resp: w.Result(), body: w.Body.String(), doc: doc}
}

func renderFlow(t testing.TB, p pages.FlowPage) rendered {
	t.Helper()
	return render(t, newRenderer(t), func(rd *pages.Renderer, w http.ResponseWriter, r *http.Request) error { return rd.Flow(w, r, p) })
}

// TestPagesAccessibleAndSafe checks every page kind for what each page must hold, whatever it
// shows: its frame (lang, one h1, a main), a label bound to every control, field messages tied to
// their control, no password sent back, and nothing the Content-Security-Policy would refuse.
func TestPagesAccessibleAndSafe(t *testing.T) {
	rd := newRenderer(t)
	for _, pc := range pageCases() {
		t.Run(pc.name, func(t *testing.T) {
			p := render(t, rd, pc.render)
			checkFrame(t, p)
			checkLabels(t, p)
			checkMessages(t, p, pc.errors)
			checkNoPassword(t, p)
			checkCSP(t, p)
		})
	}
}

func checkFrame(t *testing.T, p rendered) {
	t.Helper()
	htmlEl := byTag(p.doc, "html")[0]
	if attrOr(htmlEl, "lang") != "en" {
		t.Errorf("<html lang> = %q, want en", attrOr(htmlEl, "lang"))
	}
	if n := len(byTag(p.doc, "h1")); n != 1 {
		t.Errorf("%d h1, want one", n)
	}
	if n := len(byTag(p.doc, "main")); n != 1 {
		t.Errorf("%d main landmarks, want one", n)
	}
	if vp := byTag(p.doc, "meta"); !slices.ContainsFunc(vp, func(e *html.Node) bool { return attrOr(e, "name") == "viewport" }) {
		t.Error("no viewport meta: the page would not fit a phone's width")
	}
	for key, want := range map[string]string{
		"Content-Type": "text/html; charset=utf-8", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
	} {
		if got := p.resp.Header.Get(key); got != want {
			t.Errorf("header %s = %q, want %q", key, got, want)
		}
	}
}

// checkLabels checks that every control has a name: a label bound by for/id for inputs, text for
// buttons; and that ids are unique.
func checkLabels(t *testing.T, p rendered) {
	t.Helper()
	seen := map[string]bool{}
	for _, e := range elements(p.doc) {
		if id, ok := attr(e, "id"); ok {
			if seen[id] {
				t.Errorf("id %q is used twice", id)
			}
			seen[id] = true
		}
	}
	labels := map[string]string{}
	for _, l := range byTag(p.doc, "label") {
		labels[attrOr(l, "for")] = textOf(l)
	}
	for _, c := range controls(p.doc) {
		if c.Data == "button" {
			if textOf(c) == "" {
				t.Errorf("button %s=%s has no text", attrOr(c, "name"), attrOr(c, "value"))
			}
			continue
		}
		id := attrOr(c, "id")
		if id == "" || labels[id] == "" {
			t.Errorf("control %s (id %q) has no label bound by for", attrOr(c, "name"), id)
		}
	}
}

// checkMessages checks that every field message is described by its control, that an error marks
// it invalid, that form messages are live regions of the right role, and that messages say their
// kind in words.
func checkMessages(t *testing.T, p rendered, wantErrors bool) {
	t.Helper()
	describedBy := map[string]*html.Node{}
	for _, c := range controls(p.doc) {
		for id := range strings.FieldsSeq(attrOr(c, "aria-describedby")) {
			if byID(p.doc, id) == nil {
				t.Errorf("control %s is described by %q, which the page lacks", attrOr(c, "name"), id)
			}
			describedBy[id] = c
		}
	}
	errors := 0
	for _, e := range elements(p.doc) {
		if !hasClass(e, "msg") {
			continue
		}
		isError := hasClass(e, "msg-error")
		if isError {
			errors++
		}
		kind := textOf(e)
		if !strings.HasPrefix(kind, "Error:") && !strings.HasPrefix(kind, "Note:") && !strings.HasPrefix(kind, "Success:") {
			t.Errorf("message %q does not say its kind in words", kind)
		}
		if hasClass(e, "field-msg") {
			c := describedBy[attrOr(e, "id")]
			switch {
			case c == nil:
				t.Errorf("field message %q is no control's aria-describedby", textOf(e))
			case isError && attrOr(c, "aria-invalid") != "true":
				t.Errorf("control %s has an error but no aria-invalid", attrOr(c, "name"))
			}
			continue
		}
		want := "status"
		if isError {
			want = "alert"
		}
		if role := attrOr(e, "role"); role != want {
			t.Errorf("form message %q has role %q, want %q", textOf(e), role, want)
		}
	}
	if wantErrors != (errors > 0) {
		t.Errorf("%d error messages; want errors: %v", errors, wantErrors)
	}
}

func checkNoPassword(t *testing.T, p rendered) {
	t.Helper()
	if strings.Contains(p.body, secretPassword) {
		t.Error("the page holds the password")
	}
	for _, in := range byTag(p.doc, "input") {
		if _, ok := attr(in, "value"); ok && attrOr(in, "type") == "password" {
			t.Errorf("password input %s has a value", attrOr(in, "name"))
		}
	}
}

// checkCSP checks what the page's Content-Security-Policy allows: no script at all, no event
// handler or style attribute, and one stylesheet, allowed by its hash.
func checkCSP(t *testing.T, p rendered) {
	t.Helper()
	csp := p.resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q allows scripts or unsafe sources", csp)
	}
	for _, e := range elements(p.doc) {
		if e.Data == "script" {
			t.Error("the page has a script element")
		}
		for _, a := range e.Attr {
			if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
				t.Errorf("<%s> has attribute %s=%q, which the CSP refuses", e.Data, a.Key, a.Val)
			}
			if (a.Key == "href" || a.Key == "action" || a.Key == "src") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("<%s %s=%q> is a script URL", e.Data, a.Key, a.Val)
			}
		}
	}
	styles := byTag(p.doc, "style")
	if len(styles) != 1 {
		t.Fatalf("%d style elements, want one", len(styles))
	}
	sum := sha256.Sum256([]byte(styles[0].FirstChild.Data))
	if hash := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, hash) {
		t.Errorf("CSP %q does not allow the page's stylesheet (%s)", csp, hash)
	}
}

// TestFlowForm checks that the form is the container's: action, method, every drawn node in the
// container's order, each input's attributes, and values escaped.
func TestFlowForm(t *testing.T) {
	c := registrationForm(true)
	p := renderFlow(t, pages.FlowPage{Kind: pages.FlowRegistration, ID: "f-reg", UI: c})
	form := byTag(p.doc, "form")[0]
	if attrOr(form, "action") != c.Action || attrOr(form, "method") != "post" || attrOr(form, "data-flow-id") != "f-reg" {
		t.Errorf("form action=%q method=%q data-flow-id=%q; want %q post f-reg", attrOr(form, "action"), attrOr(form, "method"), attrOr(form, "data-flow-id"), c.Action)
	}
	var got, want []string
	for _, e := range elements(form) {
		if e.Data == "input" || e.Data == "button" {
			got = append(got, attrOr(e, "name"))
		}
	}
	for _, n := range c.Nodes {
		want = append(want, n.ID())
	}
	if !slices.Equal(got, want) {
		t.Errorf("controls in order %v, want the container's %v", got, want)
	}

	first := byID(p.doc, "field-traits-name-first")
	if first == nil {
		t.Fatal("no input for traits.name.first")
	}
	if v := attrOr(first, "value"); v != hostileTrait {
		t.Errorf("traits.name.first has value %q, want the trait %q kept as text", v, hostileTrait)
	}
	if attrOr(first, "pattern") != `[^0-9]+` || attrOr(first, "maxlength") != "64" || attrOr(first, "type") != "text" {
		t.Errorf("traits.name.first lost its pattern, maxlength or type: %v", first.Attr)
	}
	if strings.Contains(p.body, "<script>alert") {
		t.Error("the trait value was written unescaped")
	}
	email := byID(p.doc, "field-traits-email")
	for key, want := range map[string]string{"type": "email", "autocomplete": "email", "aria-invalid": "true", "aria-describedby": "field-traits-email-msg-1"} {
		if got := attrOr(email, key); got != want {
			t.Errorf("traits.email %s=%q, want %q", key, got, want)
		}
	}
	if _, ok := attr(email, "required"); !ok {
		t.Error("traits.email lost required")
	}
	pw := byID(p.doc, "field-password")
	if got := attrOr(pw, "aria-describedby"); got != "field-password-msg-1 field-password-msg-2" {
		t.Errorf("password aria-describedby=%q, want both its messages", got)
	}
	if got := textOf(byID(p.doc, "field-password-msg-1")); !strings.Contains(got, text.PasswordMinLength(8, 5).Text) {
		t.Errorf("password message %q, want the min length one", got)
	}
	var button *html.Node
	for _, b := range byTag(form, "button") {
		button = b
	}
	if attrOr(button, "type") != "submit" || attrOr(button, "name") != "method" || attrOr(button, "value") != "password" || textOf(button) != "Sign up" {
		t.Errorf("submit button %v %q, want a submit method=password saying Sign up", button.Attr, textOf(button))
	}
}

// TestFlowGroups checks that a form of several methods has one fieldset per method, and that a
// form of one method has none.
func TestFlowGroups(t *testing.T) {
	p := renderFlow(t, pages.FlowPage{Kind: pages.FlowSettings, UI: settingsForm(false)})
	var legends []string
	for _, fs := range byTag(p.doc, "fieldset") {
		legends = append(legends, textOf(byTag(fs, "legend")[0]))
	}
	if want := []string{"Profile", "Password", "Authenticator app"}; !slices.Equal(legends, want) {
		t.Errorf("settings fieldsets %v, want %v", legends, want)
	}
	newsletter := byID(p.doc, "field-traits-newsletter")
	if _, checked := attr(newsletter, "checked"); attrOr(newsletter, "type") != "checkbox" || !checked || attrOr(newsletter, "value") != "true" {
		t.Errorf("the newsletter checkbox is %v; want a ticked checkbox of value true", newsletter.Attr)
	}
	img := byTag(p.doc, "img")[0]
	if attrOr(img, "src") != qrPNG || attrOr(img, "alt") != text.SettingsTOTPQRCode().Text || attrOr(img, "width") != "96" {
		t.Errorf("QR image %v; want the data URL with its label as alt", img.Attr)
	}
	if csp := p.resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src data:") {
		t.Errorf("CSP %q does not allow the QR code's data URL", csp)
	}
	if secret := byID(p.doc, "text-totp_secret_key"); secret == nil || textOf(secret) != "JBSWY3DPEHPK3PXP" {
		t.Errorf("the TOTP secret text node is not shown")
	}
	// Each method's button submits without the browser checking the other methods' required
	// inputs (the new password must not block saving the profile or a TOTP code).
	for _, btn := range byTag(p.doc, "button") {
		if _, ok := attr(btn, "formnovalidate"); !ok && attrOr(btn, "type") == "submit" {
			t.Errorf("the settings button %v lets the browser check every method's required inputs", btn.Attr)
		}
	}

	p = renderFlow(t, pages.FlowPage{Kind: pages.FlowLogin, UI: loginForm(false)})
	if n := len(byTag(p.doc, "fieldset")); n != 0 {
		t.Errorf("the one-method login form has %d fieldsets, want none", n)
	}
	for _, btn := range byTag(p.doc, "button") {
		if _, ok := attr(btn, "formnovalidate"); ok {
			t.Errorf("the one-method login's button %v skips the browser's checks", btn.Attr)
		}
	}
	if csp := p.resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "img-src") {
		t.Errorf("CSP %q allows images on a page without any", csp)
	}
}

// TestFlowLinks checks the links between login and registration: they keep return_to and the
// login challenge, and the caller's links follow.
func TestFlowLinks(t *testing.T) {
	for _, tc := range []struct {
		kind     pages.FlowKind
		text     string
		wantPath string
	}{
		{pages.FlowLogin, "Create account", testConfig.RegistrationURL},
		{pages.FlowRegistration, "Sign in", testConfig.LoginURL},
	} {
		p := renderFlow(t, pages.FlowPage{
			Kind: tc.kind, UI: loginForm(false), ReturnTo: "https://app.example/x?y=1", LoginChallenge: "lc-1",
			Links: []pages.Link{{Text: "Forgot password?", Href: "/recovery"}},
		})
		links := byTag(byTag(p.doc, "nav")[0], "a")
		if len(links) != 2 || textOf(links[0]) != tc.text || textOf(links[1]) != "Forgot password?" {
			t.Fatalf("%s: links %d, first %q; want %q then the caller's", tc.kind, len(links), textOf(links[0]), tc.text)
		}
		u, err := url.Parse(attrOr(links[0], "href"))
		if err != nil || u.Path != tc.wantPath || u.Query().Get("return_to") != "https://app.example/x?y=1" || u.Query().Get("login_challenge") != "lc-1" {
			t.Errorf("%s: link %q, want %s with return_to and login_challenge", tc.kind, attrOr(links[0], "href"), tc.wantPath)
		}
	}
	p := renderFlow(t, pages.FlowPage{Kind: pages.FlowSettings, UI: settingsForm(false)})
	if navs := byTag(p.doc, "nav"); len(navs) != 0 {
		t.Errorf("the settings page has %d link lists, want none without links", len(navs))
	}
}

// TestFlowNodesWithoutScript checks that what only a script could use is left out, and that
// hostile attributes are not written: script nodes, trigger buttons, onclick, script URLs.
func TestFlowNodesWithoutScript(t *testing.T) {
	c := loginForm(false)
	c.Nodes.Append(ui.NewScript(ui.WebAuthnScript, "https://ward.example/.well-known/ory/webauthn.js", "sha512-x", "n", ui.GroupWebAuthn))
	trigger := ui.NewInput(ui.WebAuthnLoginTrigger, "", ui.GroupWebAuthn, ui.InputTypeButton).WithLabel(text.LoginWebAuthn())
	trigger.Input().OnClick = "window.oryWebAuthnLogin()"
	trigger.Input().OnClickTrigger = ui.TriggerWebAuthnLogin
	c.Nodes.Append(trigger)
	sub := ui.NewInput("method", "webauthn", ui.GroupWebAuthn, ui.InputTypeSubmit)
	sub.Input().OnClick = "alert(1)"
	c.Nodes.Append(sub)
	c.Nodes.Append(ui.NewAnchor("evil", "javascript:alert(1)", text.LoginSignIn(), ui.GroupDefault))
	c.Nodes.Append(ui.NewImage("evil-img", "javascript:alert(1)", 1, 1, ui.GroupDefault))
	odd := ui.NewInput("odd", "x", ui.GroupDefault, ui.InputType("image"))
	c.Nodes.Append(odd)
	p := renderFlow(t, pages.FlowPage{Kind: pages.FlowLogin, UI: c})
	checkCSP(t, p)
	checkLabels(t, p)
	if strings.Contains(p.body, "webauthn.js") || strings.Contains(p.body, ui.WebAuthnLoginTrigger) || strings.Contains(p.body, "alert(1)") {
		t.Error("the page holds the script, the trigger button or a handler")
	}
	if b := byID(p.doc, "button-method-2"); b == nil || textOf(b) != "webauthn" {
		t.Error("a submit button without a label does not say its value")
	}
	if in := byID(p.doc, "field-odd"); in == nil || attrOr(in, "type") != "text" || textOf(byTag(p.doc, "label")[len(byTag(p.doc, "label"))-1]) != "odd" {
		t.Error("an input of an unknown type is not a text input labelled by its name")
	}
	if csp := p.resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "img-src") {
		t.Errorf("CSP %q allows the source of an image that is not drawn", csp)
	}
}

// TestNoPasswordEver checks that a password is never sent back, whatever input holds it.
func TestNoPasswordEver(t *testing.T) {
	c := ui.New("/login")
	for _, n := range []*ui.Node{
		ui.NewInput("password", secretPassword, ui.GroupPassword, ui.InputTypePassword),
		ui.NewInput("password", secretPassword, ui.GroupCode, ui.InputTypeText),             // wrong type, same name
		ui.NewInput("traits.password", secretPassword, ui.GroupProfile, ui.InputTypeHidden), // a nested one
		ui.NewInput("current", secretPassword, ui.GroupPassword, ui.InputTypePassword),
	} {
		c.Nodes.Append(n)
	}
	p := renderFlow(t, pages.FlowPage{Kind: pages.FlowLogin, UI: c})
	checkNoPassword(t, p)
}

func TestConsentPage(t *testing.T) {
	rd := newRenderer(t)
	p := render(t, rd, pageCaseNamed(t, "consent").render)
	if got := textOf(byTag(p.doc, "h1")[0]); got != "Allow Photo Gallery?" {
		t.Errorf("heading %q", got)
	}
	if !strings.Contains(textOf(byTag(p.doc, "main")[0]), "photo-gallery-7f3a") {
		t.Error("the client id is not shown")
	}
	form := byTag(p.doc, "form")[0]
	var granted []string
	hidden := map[string]string{}
	for _, in := range byTag(form, "input") {
		_, checked := attr(in, "checked")
		_, disabled := attr(in, "disabled")
		switch {
		case attrOr(in, "type") == "hidden" && attrOr(in, "name") == pages.ConsentScopeField:
			granted = append(granted, attrOr(in, "value"))
		case attrOr(in, "type") == "hidden":
			hidden[attrOr(in, "name")] = attrOr(in, "value")
		case attrOr(in, "id") == "scope-openid":
			if !checked || !disabled {
				t.Errorf("openid checkbox %v, want ticked and fixed", in.Attr)
			}
		case attrOr(in, "name") == pages.ConsentScopeField:
			if !checked || disabled {
				t.Errorf("scope %s checkbox %v, want ticked and free", attrOr(in, "value"), in.Attr)
			}
			granted = append(granted, attrOr(in, "value"))
		case attrOr(in, "name") == pages.ConsentRememberField:
			if checked || attrOr(in, "value") != "true" {
				t.Errorf("remember checkbox %v, want unticked, value true", in.Attr)
			}
		default:
			t.Errorf("unexpected input %v", in.Attr)
		}
	}
	if want := []string{"openid", "profile", "email", "offline_access", "photos.read"}; !slices.Equal(granted, want) {
		t.Errorf("scopes posted %v, want %v", granted, want)
	}
	if hidden["consent_challenge"] != "cc-1" || hidden["csrf_token"] != "csrf-consent" {
		t.Errorf("hidden fields %v, want the challenge and the CSRF token", hidden)
	}
	var buttons []string
	for _, b := range byTag(form, "button") {
		buttons = append(buttons, attrOr(b, "name")+"="+attrOr(b, "value")+":"+textOf(b))
	}
	if want := []string{"decision=allow:Allow", "decision=deny:Deny"}; !slices.Equal(buttons, want) {
		t.Errorf("buttons %v, want %v", buttons, want)
	}

	w := httptest.NewRecorder()
	if err := rd.Consent(w, httptest.NewRequest(http.MethodGet, "/", nil), pages.ConsentPage{ClientID: "c"}); err == nil || w.Code != http.StatusInternalServerError {
		t.Errorf("a consent page without field names: %v, status %d; want an error and 500", err, w.Code)
	}
}

func TestLogoutPage(t *testing.T) {
	p := render(t, newRenderer(t), pageCaseNamed(t, "logout").render)
	form := byTag(p.doc, "form")[0]
	if attrOr(form, "action") != "/oauth2/sessions/logout" || attrOr(form, "method") != "post" {
		t.Errorf("form %v", form.Attr)
	}
	var fields []string
	for _, e := range elements(form) {
		if e.Data == "input" || e.Data == "button" {
			fields = append(fields, attrOr(e, "name")+"="+attrOr(e, "value"))
		}
	}
	want := []string{"logout_challenge=lo-1", "csrf_token=csrf-logout", pages.LogoutChoiceField + "=" + pages.LogoutYes, pages.LogoutChoiceField + "=" + pages.LogoutNo}
	if !slices.Equal(fields, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
	if got := textOf(byTag(p.doc, "main")[0]); !strings.Contains(got, "Do you want to sign out of ward?") {
		t.Errorf("the page says %q", got)
	}
}

func TestErrorPage(t *testing.T) {
	rd := newRenderer(t)
	p := render(t, rd, pageCaseNamed(t, "error").render)
	if p.resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want the error's 403", p.resp.StatusCode)
	}
	main := textOf(byTag(p.doc, "main")[0])
	for _, want := range []string{"403 Forbidden", "security_csrf_violation", "Please retry the flow", "Cross-Site-Request-Forgery"} {
		if !strings.Contains(main, want) {
			t.Errorf("the error page lacks %q: %s", want, main)
		}
	}
	back := byTag(byTag(p.doc, "main")[0], "a")
	if len(back) != 1 || attrOr(back[0], "href") != testConfig.LoginURL || textOf(back[0]) != "Back to sign in" {
		t.Errorf("the way back is %v, want the login URL", back)
	}

	p = render(t, rd, func(rd *pages.Renderer, w http.ResponseWriter, r *http.Request) error {
		return rd.Error(w, r, pages.ErrorPage{Error: pages.ErrorDetails{Code: 200}, BackURL: "/home", BackText: "Home"})
	})
	if p.resp.StatusCode != http.StatusInternalServerError || !strings.Contains(textOf(p.doc), "500 Internal Server Error") {
		t.Errorf("an error of code 200 is sent as %d; want 500", p.resp.StatusCode)
	}
	if a := byTag(byTag(p.doc, "main")[0], "a")[0]; attrOr(a, "href") != "/home" || textOf(a) != "Home" {
		t.Errorf("the caller's way back is %v", a.Attr)
	}
}

func TestHeadHasNoBody(t *testing.T) {
	rd := newRenderer(t)
	w := httptest.NewRecorder()
	if err := rd.Flow(w, httptest.NewRequest(http.MethodHead, "/", nil), pages.FlowPage{Kind: pages.FlowLogin, UI: loginForm(false)}); err != nil {
		t.Fatal(err)
	}
	if w.Body.Len() != 0 || w.Header().Get("Content-Length") == "0" {
		t.Errorf("HEAD: body %d bytes, Content-Length %q; want no body and the GET's length", w.Body.Len(), w.Header().Get("Content-Length"))
	}
}

func TestBadInput(t *testing.T) {
	if _, err := pages.New(pages.Config{LoginURL: "http://[::1"}); err == nil || !strings.Contains(err.Error(), "login_url") {
		t.Errorf("New with a bad login URL: %v, want an error naming login_url", err)
	}
	rd := newRenderer(t)
	for name, p := range map[string]pages.FlowPage{
		"unknown kind": {Kind: "verification", UI: loginForm(false)},
		"no form":      {Kind: pages.FlowLogin},
	} {
		w := httptest.NewRecorder()
		if err := rd.Flow(w, httptest.NewRequest(http.MethodGet, "/", nil), p); err == nil || w.Code != http.StatusInternalServerError {
			t.Errorf("%s: %v, status %d; want an error and 500", name, err, w.Code)
		}
	}
}

func TestConfigProduct(t *testing.T) {
	rd, err := pages.New(pages.Config{Product: "Acme ID", Lang: "en-GB"})
	if err != nil {
		t.Fatal(err)
	}
	p := render(t, rd, func(rd *pages.Renderer, w http.ResponseWriter, r *http.Request) error {
		return rd.Flow(w, r, pages.FlowPage{Kind: pages.FlowLogin, Title: "Confirm it's you", UI: loginForm(false)})
	})
	if got := textOf(byTag(p.doc, "title")[0]); got != "Confirm it's you – Acme ID" {
		t.Errorf("title %q", got)
	}
	if attrOr(byTag(p.doc, "html")[0], "lang") != "en-GB" || textOf(byTag(p.doc, "h1")[0]) != "Confirm it's you" {
		t.Error("the Config's language or the page's title is not used")
	}
	if navs := byTag(p.doc, "nav"); len(navs) != 0 {
		t.Error("a link to registration without a registration URL")
	}
}
