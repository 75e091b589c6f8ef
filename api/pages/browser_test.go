package pages_test

// Browser tests: every page, as headless Chromium shows it under the page's own headers. They
// check what an HTML parser cannot: that the CSP lets the stylesheet apply and refuses nothing,
// that Tab walks the controls in DOM order with a visible focus ring, that the text is legible
// (contrast measured on the computed colours), that the page fits a 320 px screen, and that a
// form submits with JavaScript off.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/wardhq/ward/api/pages"
)

// minContrast is WCAG 2's AA minimum for body-size text.
const minContrast = 4.5

// contrast is one element's measure from contrast.js.
type contrast struct {
	Kind, Text, Color, Background string
	Ratio                         float64
}

// focused is the focused element as focused.js describes it.
type focused struct {
	Index   int
	Tag     string
	Outline string
	Width   float64
}

func servePage(t *testing.T, rd *pages.Renderer, pc pageCase) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		if err := pc.render(rd, w, r); err != nil {
			t.Errorf("rendering %s: %v", pc.name, err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestBrowserPages(t *testing.T) {
	browser := newBrowser(t)
	rd := newRenderer(t)
	dir := screenshotDir(t)
	for _, pc := range pageCases() {
		t.Run(pc.name, func(t *testing.T) {
			srv := servePage(t, rd, pc)
			tb := newTab(t, browser)
			tb.do(t, "loading the page", chromedp.EmulateViewport(800, 700), chromedp.Navigate(srv.URL))
			tb.screenshot(t, dir, pc.name)

			checkFocusOrder(t, tb)
			checkContrast(t, tb, pc)

			tb.do(t, "loading the page at 320 px", chromedp.EmulateViewport(320, 640, chromedp.EmulatePortrait), chromedp.Navigate(srv.URL))
			if over := read(t, tb, "measuring the width", chromedp.Evaluate[float64](script(t, "overflow.js"))); over > 0 {
				t.Errorf("at 320 px the page is %.0f px too wide: it scrolls sideways", over)
			}
			tb.screenshot(t, dir, pc.name+"-320")

			if v := read(t, tb, "reading the CSP violations", chromedp.Evaluate[[]string]("window.__cspViolations")); len(v) > 0 {
				t.Errorf("CSP violations: %v", v)
			}
			document := ""
			if pc.name == "error" {
				document = srv.URL + "/"
			}
			if msgs := tb.consoleErrors(document); len(msgs) > 0 {
				t.Errorf("console errors: %v", msgs)
			}
		})
	}
	t.Logf("screenshots in %s", dir)
}

// checkFocusOrder presses Tab once per control and checks that focus visits them in DOM order,
// each with a focus ring.
func checkFocusOrder(t *testing.T, tb *tab) {
	t.Helper()
	n := read(t, tb, "numbering the controls", chromedp.Evaluate[int](script(t, "focusables.js")))
	if n == 0 {
		t.Fatal("the page has no control to focus")
	}
	for i := range n {
		tb.do(t, "pressing Tab", chromedp.KeyEvent(kb.Tab))
		f := read(t, tb, "reading the focus", chromedp.Evaluate[focused](script(t, "focused.js")))
		if f.Index != i {
			t.Fatalf("Tab %d focused control %d (%s), want %d: focus order is not DOM order", i+1, f.Index, f.Tag, i)
		}
		if f.Outline == "none" || f.Width < 2 {
			t.Errorf("control %d (%s) has no visible focus ring: outline %s %.1fpx", i, f.Tag, f.Outline, f.Width)
		}
	}
}

// checkContrast measures the text of the page and checks it is at least minContrast, for body
// text, labels, buttons and, on a page with errors, error text.
func checkContrast(t *testing.T, tb *tab, pc pageCase) {
	t.Helper()
	measured := read(t, tb, "measuring contrast", chromedp.Evaluate[[]contrast](script(t, "contrast.js")))
	kinds := map[string]bool{}
	for _, c := range measured {
		kinds[c.Kind] = true
		if c.Ratio < minContrast {
			t.Errorf("%s %q: %s on %s is %.2f:1, below %.1f:1", c.Kind, c.Text, c.Color, c.Background, c.Ratio, minContrast)
		}
	}
	want := []string{"body", "h1"}
	if strings.Contains(pc.name, "login") || strings.Contains(pc.name, "registration") || strings.Contains(pc.name, "settings") {
		want = append(want, "label", "button")
	}
	if pc.errors {
		want = append(want, ".msg-error")
	}
	for _, k := range want {
		if !kinds[k] {
			t.Errorf("no %s was measured", k)
		}
	}
}

// TestBrowserChecksCatch checks that the browser checks can fail: a page with an inline script,
// an event handler and a style attribute under the pages' CSP shows violations, and a page of
// pale, over-wide text measures below the contrast minimum and scrolls at 320 px.
func TestBrowserChecksCatch(t *testing.T) {
	browser := newBrowser(t)
	rd := newRenderer(t)
	w := httptest.NewRecorder()
	if err := rd.Logout(w, httptest.NewRequest(http.MethodGet, "/", nil), pages.LogoutPage{Action: "/"}); err != nil {
		t.Fatal(err)
	}
	csp := w.Header().Get("Content-Security-Policy")
	bad := `<!doctype html><html lang="en"><title>bad</title><p style="color:#aaa" onclick="x()">pale</p>` +
		`<div style="width:600px">wide</div><script>console.error("ran")</script>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("csp") {
			w.Header().Set("Content-Security-Policy", csp)
		}
		fmt.Fprint(w, bad)
	}))
	defer srv.Close()

	tb := newTab(t, browser)
	tb.do(t, "loading the page under the CSP", chromedp.Navigate(srv.URL+"/?csp"))
	if v := read(t, tb, "reading the CSP violations", chromedp.Evaluate[[]string]("window.__cspViolations")); len(v) < 2 {
		t.Errorf("CSP violations %v; want the style attribute and the script refused", v)
	}
	if msgs := tb.consoleErrors(""); len(msgs) == 0 {
		t.Error("the console showed no error for the refused script")
	}

	tb.do(t, "loading the page at 320 px", chromedp.EmulateViewport(320, 640), chromedp.Navigate(srv.URL))
	low := false
	for _, c := range read(t, tb, "measuring contrast", chromedp.Evaluate[[]contrast](script(t, "contrast.js"))) {
		low = low || (c.Text == "pale" && c.Ratio < minContrast)
	}
	if !low {
		t.Error("#aaa on white was not measured below the minimum")
	}
	if over := read(t, tb, "measuring the width", chromedp.Evaluate[float64](script(t, "overflow.js"))); over <= 0 {
		t.Error("a 600 px wide block does not scroll at 320 px")
	}
}

// TestBrowserSubmitsWithoutJavaScript signs in with JavaScript off: the form posts what the user
// typed, the CSRF token and the method of the button pressed, to the container's action.
func TestBrowserSubmitsWithoutJavaScript(t *testing.T) {
	browser := newBrowser(t)
	rd := newRenderer(t)
	var mu sync.Mutex
	var posted url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			_ = r.ParseForm()
			mu.Lock()
			posted = r.PostForm
			mu.Unlock()
			fmt.Fprint(w, "<!doctype html><title>done</title><p id=done>done</p>")
			return
		}
		if err := rd.Flow(w, r, pages.FlowPage{Kind: pages.FlowLogin, UI: loginForm(true)}); err != nil {
			t.Error(err)
		}
	}))
	defer srv.Close()

	tb := newTab(t, browser)
	if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("turning JavaScript off: %v", err)
	}
	tb.do(t, "signing in",
		chromedp.Navigate(srv.URL),
		chromedp.SendKeys(chromedp.CSS("#field-password"), "typed-password"),
		chromedp.Click(chromedp.CSS("#button-method")),
		chromedp.WaitVisible(chromedp.CSS("#done")),
	)
	mu.Lock()
	defer mu.Unlock()
	want := url.Values{"csrf_token": {"csrf-login"}, "identifier": {"ada@example.com"}, "password": {"typed-password"}, "method": {"password"}}
	if posted.Encode() != want.Encode() {
		t.Errorf("the form posted %v, want %v", posted, want)
	}
}
