package courier_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/wardhq/ward/identity/courier"
)

func TestParseConnectionURI(t *testing.T) {
	for _, tc := range []struct {
		uri  string
		want courier.SMTPConnection
	}{
		{"smtp://mail.example.com", courier.SMTPConnection{Host: "mail.example.com", Port: 587, StartTLS: true, ServerName: "mail.example.com"}},
		{"smtp://u:p%40ss@mail.example.com:2525/?skip_ssl_verify=true", courier.SMTPConnection{Host: "mail.example.com", Port: 2525, Username: "u", Password: "p@ss", StartTLS: true, SkipVerify: true, ServerName: "mail.example.com"}},
		{"smtp://mail.example.com:25/?disable_starttls=true", courier.SMTPConnection{Host: "mail.example.com", Port: 25, ServerName: "mail.example.com"}},
		{"smtps://u@sub.example.com/?server_name=example.com", courier.SMTPConnection{Host: "sub.example.com", Port: 465, Username: "u", ImplicitTLS: true, ServerName: "example.com"}},
		{"smtps://[::1]:1465", courier.SMTPConnection{Host: "::1", Port: 1465, ImplicitTLS: true, ServerName: "::1"}},
	} {
		got, err := courier.ParseConnectionURI(tc.uri)
		if err != nil {
			t.Errorf("ParseConnectionURI(%q): %v", tc.uri, err)
			continue
		}
		if *got != tc.want {
			t.Errorf("ParseConnectionURI(%q) = %+v\nwant %+v", tc.uri, *got, tc.want)
		}
		again, err := courier.ParseConnectionURI(got.String())
		if err != nil || again.Host != got.Host || again.Port != got.Port || again.ImplicitTLS != got.ImplicitTLS || again.StartTLS != got.StartTLS {
			t.Errorf("String() = %q does not read back: %+v, %v", got.String(), again, err)
		}
	}
}

func TestParseConnectionURIErrors(t *testing.T) {
	for _, tc := range []struct{ uri, want string }{
		{"http://mail.example.com", "must start with smtp:// or smtps://"},
		{"smtp://", "names no host"},
		{"smtp:mail.example.com", "names no host"},
		{"smtp://mail.example.com:99999", `port "99999" is not a port number`},
		{"smtp://u:hunter2hunter2@mail.example.com:x", "not a URL"},
		{"smtp://mail.example.com/inbox", "has a path"},
		{"smtp://mail.example.com/?skip_ssl_verify=maybe", "skip_ssl_verify must be true or false"},
		{"smtp://mail.example.com/?starttls=off", `unknown parameter "starttls"`},
		{"smtps://mail.example.com/?disable_starttls=true", "disable_starttls is for smtp://"},
		{"smtp://:hunter2hunter2@mail.example.com", "a password but no user name"},
		{"smtp://mail.example.com/?server_name=", "server_name is empty"},
	} {
		_, err := courier.ParseConnectionURI(tc.uri)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseConnectionURI(%q): %v, want an error saying %q", tc.uri, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseConnectionURI(%q): the error %q shows the password", tc.uri, err)
		}
	}
}

// FuzzParseConnectionURI checks that the parser never panics, that a URI it accepts prints in
// a form it reads back alike, and that no error shows the password, wherever the URI is broken.
// Its seeds are in testdata/fuzz/FuzzParseConnectionURI.
func FuzzParseConnectionURI(f *testing.F) {
	const secret = "Zq9secretZq9"
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := courier.ParseConnectionURI(raw)
		if err != nil {
			if strings.Contains(err.Error(), secret) && strings.Count(raw, secret) == 1 && strings.Contains(raw, ":"+secret+"@") {
				t.Fatalf("ParseConnectionURI(%q): the error %q shows the password", raw, err)
			}
			return
		}
		if c.Host == "" || c.Port < 1 || c.Port > 65535 || c.ImplicitTLS && c.StartTLS {
			t.Fatalf("ParseConnectionURI(%q) accepted %+v", raw, c)
		}
		printed := c.String()
		if u, err := url.Parse(printed); err != nil || u.User != nil && func() bool { pw, ok := u.User.Password(); return ok && pw != "xxxxx" }() {
			t.Fatalf("String() = %q shows a password, or is no URL (%v)", printed, err)
		}
		back, err := courier.ParseConnectionURI(printed)
		if err != nil {
			t.Fatalf("String() of %q = %q does not parse: %v", raw, printed, err)
		}
		back.Password = c.Password
		if *back != *c {
			t.Fatalf("String() of %q = %q reads back as %+v, want %+v", raw, printed, *back, *c)
		}
	})
}
