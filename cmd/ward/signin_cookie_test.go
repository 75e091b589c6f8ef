package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestSessionCookieOverHTTPS: with an https public base URL the session cookie a browser login
// sets is __Host-ward_session: Secure, HttpOnly, SameSite=Lax, Path=/ and no Domain, as the
// __Host- prefix requires; the CSRF cookie is Secure and HttpOnly too. (On loopback http the
// browser test sees the cookie without Secure.)
func TestSessionCookieOverHTTPS(t *testing.T) {
	public, admin := startSigninServer(t, func(c *serveConfig) { c.Identity.PublicBaseURL = "https://ward.example" })
	body := `{"schema_id":"default","traits":{"email":"` + signinEmail + `"},"credentials":{"password":{"config":{"password":"` + signinPassword + `"}}}}`
	res, err := http.Post(admin+"/admin/identities", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("creating the identity: %s", res.Status)
	}

	req, _ := http.NewRequest(http.MethodGet, public+"/self-service/login/browser", nil)
	req.Header.Set("Accept", "application/json")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		ID string `json:"id"`
		UI struct {
			Nodes []struct {
				Attributes struct {
					Name  string `json:"name"`
					Value any    `json:"value"`
				} `json:"attributes"`
			} `json:"nodes"`
		} `json:"ui"`
	}
	err = json.NewDecoder(res.Body).Decode(&f)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("the login flow: %s, %v", res.Status, err)
	}
	csrf := cookieLine(t, res, "csrf_token")
	for _, want := range []string{"Secure", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(csrf, want) {
			t.Errorf("the CSRF cookie %q lacks %s", csrf, want)
		}
	}
	token := ""
	for _, n := range f.UI.Nodes {
		if n.Attributes.Name == "csrf_token" {
			token, _ = n.Attributes.Value.(string)
		}
	}
	form := `{"method":"password","identifier":"` + signinEmail + `","password":"` + signinPassword + `","csrf_token":"` + token + `"}`
	req, _ = http.NewRequest(http.MethodPost, public+"/self-service/login?flow="+f.ID, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Cookie", strings.SplitN(csrf, ";", 2)[0])
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the login: %s %s", res.Status, msg)
	}
	session := cookieLine(t, res, "__Host-ward_session")
	for _, want := range []string{"Path=/", "Secure", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(session, want) {
			t.Errorf("the session cookie %q lacks %s", session, want)
		}
	}
	if strings.Contains(strings.ToLower(session), "domain=") {
		t.Errorf("the session cookie %q names a Domain; a __Host- cookie must not", session)
	}
}

// cookieLine returns the Set-Cookie line of res that sets name.
func cookieLine(t *testing.T, res *http.Response, name string) string {
	t.Helper()
	for _, l := range res.Header.Values("Set-Cookie") {
		if strings.HasPrefix(l, name+"=") {
			return l
		}
	}
	t.Fatalf("no Set-Cookie for %s among %q", name, res.Header.Values("Set-Cookie"))
	return ""
}
