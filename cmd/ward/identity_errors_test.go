package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestIdentityErrorIDsAcrossNodes: a browser sent to the error UI (identity.error_ui_url) by one
// node has its error read from another node with the same token_secrets, as behind a load
// balancer; a node with other secrets does not know it.
func TestIdentityErrorIDsAcrossNodes(t *testing.T) {
	node := func(secret string) string {
		public, _, _ := startServerWith(t, func(c *serveConfig) {
			c.TokenSecrets = []string{secret}
			c.Identity.ErrorUIURL = "https://app.example.com/error"
		})
		return public
	}
	a := node("q3J8v0yN2mVb7Xc4Lk9Hs1Pd6Wf5Rt0Ze8Ua3Io2Gx7=")
	b := node("q3J8v0yN2mVb7Xc4Lk9Hs1Pd6Wf5Rt0Ze8Ua3Io2Gx7=")
	other := node("Zp4Lq8Wn2Xv6Bc0Mj5Ht9Rk3Yd7Gf1Sa4Ue8Io2Nl6=")

	req, _ := http.NewRequest("POST", a+"/self-service/login?flow=00000000-0000-4000-8000-000000000000", strings.NewReader("method=password"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || loc == nil || loc.Host != "app.example.com" || loc.Query().Get("id") == "" {
		t.Fatalf("a browser's submission of an unknown flow: %d to %q; want 303 to the error UI with an id", res.StatusCode, res.Header.Get("Location"))
	}
	read := func(node string) (int, string) {
		res, err := http.Get(node + "/self-service/errors?id=" + url.QueryEscape(loc.Query().Get("id")))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := read(b); code != http.StatusOK || !strings.Contains(body, `"code":404`) || !strings.Contains(body, `"created_at"`) {
		t.Errorf("another node with the same secrets: %d %s", code, body)
	}
	if code, body := read(other); code != http.StatusNotFound {
		t.Errorf("a node with other secrets: %d %s, want 404", code, body)
	}
}
