package oauth2

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/oauth2"
)

var (
	invalidRequest = &oauth2.Error{Code: oauth2.CodeInvalidRequest}
	invalidClient  = &oauth2.Error{Code: oauth2.CodeInvalidClient}
)

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestClientCredentials(t *testing.T) {
	for _, c := range []struct {
		name   string
		header string
		form   url.Values
		method oauth2.AuthMethod
		id     string
		err    error
	}{
		{"basic", basic("c", "s"), url.Values{}, oauth2.AuthClientSecretBasic, "c", nil},
		{"basic with the same client_id", basic("c", "s"), url.Values{"client_id": {"c"}}, oauth2.AuthClientSecretBasic, "c", nil},
		{"basic with another client_id", basic("c", "s"), url.Values{"client_id": {"d"}}, "", "", invalidRequest},
		{"post", "", url.Values{"client_id": {"c"}, "client_secret": {"s"}}, oauth2.AuthClientSecretPost, "c", nil},
		{"assertion", "", url.Values{"client_assertion": {"a.b.c"}, "client_assertion_type": {oauth2.ClientAssertionType}}, oauth2.AuthPrivateKeyJWT, "", nil},
		{"public", "", url.Values{"client_id": {"c"}}, oauth2.AuthNone, "c", nil},
		{"nothing", "", url.Values{}, "", "", invalidClient},
		{"basic and post", basic("c", "s"), url.Values{"client_secret": {"s"}}, "", "", invalidRequest},
		{"post and assertion", "", url.Values{"client_id": {"c"}, "client_secret": {"s"}, "client_assertion": {"x"}}, "", "", invalidRequest},
	} {
		cred, err := clientCredentials(c.header, c.form)
		if (c.err == nil) != (err == nil) || c.err != nil && !errors.Is(err, c.err) {
			t.Errorf("%s: %v; want %v", c.name, err, c.err)
			continue
		}
		if err == nil && (cred.Method != c.method || cred.ID != c.id) {
			t.Errorf("%s: %s %q; want %s %q", c.name, cred.Method, cred.ID, c.method, c.id)
		}
	}
}

func TestReadOAuth2Form(t *testing.T) {
	const ct = "application/x-www-form-urlencoded"
	for _, c := range []struct {
		name, contentType, body string
		ok                      bool
	}{
		{"plain", ct, "grant_type=client_credentials&scope=a+b", true},
		{"charset", ct + "; charset=utf-8", "a=b", true},
		{"audience repeated", ct, "audience=a&audience=b", true},
		{"repeated", ct, "scope=a&scope=b", false},
		{"json", "application/json", `{"a":1}`, false},
		{"bad escape", ct, "a=%zz", false},
		{"too long", ct, "a=" + strings.Repeat("x", maxOAuth2Form), false},
	} {
		_, err := readOAuth2Form(c.contentType, strings.NewReader(c.body))
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
		if err != nil && !errors.Is(err, invalidRequest) {
			t.Errorf("%s: %v is not invalid_request", c.name, err)
		}
	}
}

// The parsers of outside input never panic, and refuse only with the RFC's errors.
func FuzzReadOAuth2Form(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "grant_type=authorization_code&code=x&redirect_uri=https%3A%2F%2Fa")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		form, err := readOAuth2Form(contentType, strings.NewReader(body))
		if err != nil {
			if !errors.Is(err, invalidRequest) {
				t.Fatalf("%v is not invalid_request", err)
			}
			return
		}
		for k, vs := range form {
			if len(vs) > 1 && k != "audience" {
				t.Fatalf("parameter %q repeated but accepted", k)
			}
		}
	})
}

func FuzzClientCredentials(f *testing.F) {
	f.Add(basic("c", "s"), "client_id=c")
	f.Add("", "client_id=c&client_secret=s")
	f.Add("", "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c")
	f.Fuzz(func(t *testing.T, header, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		cred, err := clientCredentials(header, form)
		if err != nil {
			if !errors.Is(err, invalidRequest) && !errors.Is(err, invalidClient) {
				t.Fatalf("%v is neither invalid_request nor invalid_client", err)
			}
			return
		}
		if !slices.Contains(oauth2.AuthMethods, cred.Method) {
			t.Fatalf("method %q", cred.Method)
		}
		if cred.Method != oauth2.AuthPrivateKeyJWT && cred.ID == "" {
			t.Fatalf("%s without a client ID", cred.Method)
		}
	})
}

func TestAddressLimiter(t *testing.T) {
	l := newWindowCounter(userCodeTries, userCodeTriesWindow)
	addr := func(remote string) string {
		return middleware.TrustedProxies(nil).ClientAddr(&http.Request{RemoteAddr: remote}) // the port is not part of it
	}
	for i := range userCodeTries {
		if !l.allow(addr("192.0.2.1:" + strconv.Itoa(1000+i))) {
			t.Fatalf("try %d refused", i)
		}
	}
	if l.allow(addr("192.0.2.1:9")) {
		t.Error("a try beyond the limit allowed")
	}
	if !l.allow(addr("192.0.2.2:9")) {
		t.Error("another address refused")
	}
}
