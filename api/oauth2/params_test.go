package oauth2_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	xoauth2 "golang.org/x/oauth2"

	"github.com/wardhq/ward/oauth2"
)

// Authorization request features ward does not implement are refused with their own error codes,
// redirected to the client (its redirect URI is verified by then), never silently ignored; with an
// unverified redirect URI the error is shown instead. Discovery says they are not supported.
func TestOAuth2UnsupportedRequestParams(t *testing.T) {
	e := newOAuth2Env(t, memoryStore(t))
	webClients(e)
	b := e.browser(redirectURI)
	challenge := xoauth2.S256ChallengeFromVerifier(xoauth2.GenerateVerifier())
	base := func() url.Values {
		return url.Values{"client_id": {"spa"}, "response_type": {"code"}, "redirect_uri": {redirectURI},
			"scope": {"openid"}, "state": {"s"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	}
	for _, tc := range []struct{ name, value, want string }{
		{"response_mode", "form_post", "unsupported_response_mode"},
		{"response_mode", "fragment", "unsupported_response_mode"},
		{"response_mode", "", "unsupported_response_mode"},
		{"request", "eyJhbGciOiJub25lIn0.e30.", "request_not_supported"},
		{"request_uri", "https://client.example/req/1", "request_uri_not_supported"},
	} {
		q := base()
		q.Set(tc.name, tc.value)
		got := e.authorize(b, e.issuer+oauth2.PathAuthorize+"?"+q.Encode(), redirectURI)
		if got.Get("error") != tc.want || got.Get("state") != "s" || got.Get("code") != "" {
			t.Errorf("%s=%q: %v; want error %s with state", tc.name, tc.value, got, tc.want)
		}
	}
	// response_mode=query is what ward does anyway: the flow goes on to a code.
	q := base()
	q.Set("response_mode", "query")
	if got := e.authorize(b, e.issuer+oauth2.PathAuthorize+"?"+q.Encode(), redirectURI); got.Get("code") == "" {
		t.Errorf("response_mode=query: %v; want a code", got)
	}
	// With a redirect URI that is not the client's, the error is shown, not redirected.
	q = base()
	q.Set("redirect_uri", "https://attacker.example/cb")
	q.Set("request_uri", "https://client.example/req/1")
	b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := b.Get(e.issuer + oauth2.PathAuthorize + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("request_uri with a foreign redirect_uri: %s, Location %q; want a 400 page", resp.Status, resp.Header.Get("Location"))
	}

	resp, err = http.Get(e.issuer + oauth2.PathDiscovery)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var d map[string]any
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	if d["request_uri_parameter_supported"] != false || d["request_parameter_supported"] != false {
		t.Errorf("discovery: request_uri_parameter_supported %v, request_parameter_supported %v; want false, false",
			d["request_uri_parameter_supported"], d["request_parameter_supported"])
	}
	if modes, _ := json.Marshal(d["response_modes_supported"]); !strings.EqualFold(string(modes), `["query"]`) {
		t.Errorf("discovery: response_modes_supported %s; want [\"query\"]", modes)
	}
}
