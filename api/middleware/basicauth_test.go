package middleware_test

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/oauth2"
)

var invalidClient = &oauth2.Error{Code: oauth2.CodeInvalidClient}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestParseBasicAuth(t *testing.T) {
	for _, c := range []struct {
		header, id, secret string
		ok                 bool
		err                error
	}{
		{header: "", ok: false},
		{header: "Bearer x", ok: false},
		{header: basic("client", "s3cret"), id: "client", secret: "s3cret", ok: true},
		{header: "basic " + base64.StdEncoding.EncodeToString([]byte("c:s")), id: "c", secret: "s", ok: true},
		// RFC 6749 §2.3.1: both parts are form-urlencoded.
		{header: basic("my%3Aclient", "a%2Bb+c"), id: "my:client", secret: "a+b c", ok: true},
		{header: basic("c", "p:with:colons"), id: "c", secret: "p:with:colons", ok: true},
		{header: "Basic !!!", ok: true, err: invalidClient},
		{header: "Basic " + base64.StdEncoding.EncodeToString([]byte("nocolon")), ok: true, err: invalidClient},
		{header: basic("", "s"), ok: true, err: invalidClient},
		{header: basic("%zz", "s"), ok: true, err: invalidClient},
	} {
		id, secret, ok, err := middleware.ParseBasicAuth(c.header)
		if ok != c.ok || (c.err == nil) != (err == nil) || c.err != nil && !errors.Is(err, c.err) {
			t.Errorf("ParseBasicAuth(%q) = ok %v, %v; want ok %v, %v", c.header, ok, err, c.ok, c.err)
			continue
		}
		if err == nil && (id != c.id || secret != c.secret) {
			t.Errorf("ParseBasicAuth(%q) = %q, %q; want %q, %q", c.header, id, secret, c.id, c.secret)
		}
	}
}

func FuzzParseBasicAuth(f *testing.F) {
	f.Add(basic("client", "secret"))
	f.Fuzz(func(t *testing.T, header string) {
		id, secret, ok, err := middleware.ParseBasicAuth(header)
		switch {
		case err != nil:
			if !ok || !errors.Is(err, invalidClient) {
				t.Fatalf("ok %v, %v; want ok and invalid_client", ok, err)
			}
			if len(header) > 12 && strings.Contains(err.Error(), header[6:]) {
				t.Fatalf("the error %q quotes the credentials", err)
			}
		case ok:
			if id == "" {
				t.Fatal("an empty client ID accepted")
			}
			// Round trip: the credentials encode back to a header that parses the same.
			id2, secret2, _, err := middleware.ParseBasicAuth(basic(url.QueryEscape(id), url.QueryEscape(secret)))
			if err != nil || id2 != id || secret2 != secret {
				t.Fatalf("round trip of %q, %q: %q, %q, %v", id, secret, id2, secret2, err)
			}
		}
	})
}
