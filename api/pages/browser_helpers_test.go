package pages_test

// Helpers of the browser tests: headless Chromium driven through the DevTools protocol
// (chromedp), as api/oauth2's browser tests drive it.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// browserTestTimeout bounds each browser test, Chromium's start included.
const browserTestTimeout = 90 * time.Second

// stepTimeout bounds one step, so that a page that never comes fails with what the browser shows.
const stepTimeout = 10 * time.Second

// chromiumPath returns the Chromium the browser tests drive. Without one they skip, except when
// CI is set: there a missing browser fails them, so that CI cannot pass by skipping them.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH and CI is set: the browser tests must run in CI (apt-get install chromium)")
	}
	t.Skip("no chromium on PATH: skipping the browser tests (apt-get install chromium to run them)")
	return ""
}

// newBrowser starts headless Chromium with a fresh profile and returns the context of its first
// tab, cancelled (which closes Chromium) when the test ends or after browserTestTimeout.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	profile := t.TempDir() // removed after Chromium is closed: cleanups run last-in first-out
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the tests may run as root, where Chromium's sandbox refuses to start
		chromedp.UserDataDir(profile),
		chromedp.Flag("hide-scrollbars", true), // screenshots and widths without a scrollbar's pixels
	)
	ctx, cancel := context.WithTimeout(context.Background(), browserTestTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc(); cancel() })
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return bctx
}

// tab is a new tab of the browser, closed when the test ends, that records its console's errors
// and warnings and, from before any page loads, the page's CSP violations (cspwatch.js).
type tab struct {
	ctx     context.Context
	mu      sync.Mutex
	console []consoleEntry
}

// consoleEntry is an error or warning the console showed.
type consoleEntry struct {
	url, source, text string
}

func newTab(t *testing.T, browser context.Context) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	tb := &tab{ctx: ctx}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == "error" || m.Type == "warning" || m.IsException() {
				tb.mu.Lock()
				tb.console = append(tb.console, consoleEntry{url: m.URL, source: m.Source, text: m.String()})
				tb.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: script(t, "cspwatch.js")}); err != nil {
		t.Fatalf("installing the CSP watch: %v", err)
	}
	return tb
}

// consoleErrors returns the errors and warnings the console has shown so far, but for the
// network's report of an error status of the page at document itself (the error page is sent
// with its error's status) when document is not "".
func (tb *tab) consoleErrors(document string) []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var out []string
	for _, e := range tb.console {
		if document != "" && e.source == "network" && e.url == document {
			continue
		}
		out = append(out, e.text)
	}
	return out
}

// do runs steps in the tab and fails the test at the first error, naming step.
func (tb *tab) do(t *testing.T, step string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// read runs a in the tab and returns its value; it fails the test as do does.
func read[T any](t *testing.T, tb *tab, step string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return v
}

// script returns the JavaScript of testdata/browser/name.
func script(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "browser", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// screenshotDir is where the browser tests write their screenshots: $WARD_SCREENSHOT_DIR, or a
// directory removed after the test.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("WARD_SCREENSHOT_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot writes a full-page PNG of the tab to dir/name.png.
func (tb *tab) screenshot(t *testing.T, dir, name string) {
	t.Helper()
	png := read(t, tb, "the screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
