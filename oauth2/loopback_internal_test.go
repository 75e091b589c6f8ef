package oauth2

import (
	"net"
	"net/url"
	"strings"
	"testing"
)

// FuzzMatchLoopbackPort: a match is always the registered loopback IP URI with a port added to
// its host, nothing else.
func FuzzMatchLoopbackPort(f *testing.F) {
	f.Add("http://127.0.0.1/cb", "http://127.0.0.1:8080/cb")
	f.Add("http://[::1]/cb", "http://[::1]:1/cb")
	f.Add("http://127.0.0.1/cb", "http://127.0.0.1:8080@evil/cb")
	f.Fuzz(func(t *testing.T, registered, requested string) {
		if !matchLoopbackPort(registered, requested) {
			return
		}
		u, err := url.Parse(requested)
		if err != nil || u.Port() == "" || u.Scheme != "http" || u.User != nil {
			t.Fatalf("%q matched %q but is not http with a port: %v", requested, registered, err)
		}
		if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
			t.Fatalf("%q matched %q but its host is not a loopback IP", requested, registered)
		}
		bare := strings.TrimSuffix(u.Host, ":"+u.Port())
		if strings.Replace(requested, u.Host, bare, 1) != registered {
			t.Fatalf("%q matched %q but differs beyond the port", requested, registered)
		}
	})
}
