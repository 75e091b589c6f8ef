package middleware

import (
	"net"
	"net/netip"
	"strings"
	"testing"
)

func TestHostAllowed(t *testing.T) {
	local := &net.TCPAddr{IP: net.ParseIP("10.0.0.5"), Port: 4467}
	allowed := []string{"ward-admin.internal"}
	for host, want := range map[string]bool{
		"10.0.0.5:4467":               true, // the address the connection was accepted on
		"10.0.0.5":                    true,
		"10.0.0.6:4467":               false,
		"0.0.0.0:4467":                false,
		"[::1]:4467":                  true,
		"127.0.0.1":                   true,
		"localhost":                   true,
		"ward-admin.internal":         true,
		"ward-admin.internal.:4467":   true,
		"evil.example":                false,
		"":                            false,
		":4467":                       false,
		"[fe80::1%25eth0]:4467":       false,
		"10.0.0.5.nip.io":             false,
		"ward-admin.internal.evil.io": false,
	} {
		if got := hostAllowed(host, local, allowed); got != want {
			t.Errorf("hostAllowed(%q) = %v, want %v", host, got, want)
		}
	}
}

// FuzzHostAllowed checks that any Host header is allowed only for one of the reasons
// AllowHosts names.
func FuzzHostAllowed(f *testing.F) {
	for _, s := range []string{"localhost:4467", "[::1]", "10.0.0.5:1", "evil.example", "", "[", "a:b:c", "::ffff:10.0.0.5"} {
		f.Add(s)
	}
	local := &net.TCPAddr{IP: net.ParseIP("10.0.0.5"), Port: 4467}
	f.Fuzz(func(t *testing.T, host string) {
		if !hostAllowed(host, local, []string{"ward-admin.internal"}) {
			return
		}
		name := normalizeHost(stripPort(host))
		if name == "localhost" || name == "ward-admin.internal" {
			return
		}
		ip, err := netip.ParseAddr(name)
		if err != nil {
			t.Fatalf("%q allowed, but %q is no allowed name and no IP address", host, name)
		}
		if ip = ip.Unmap(); !ip.IsLoopback() && ip != netip.MustParseAddr("10.0.0.5") {
			t.Fatalf("%q allowed as %s, neither loopback nor the local address", host, ip)
		}
		if strings.Contains(name, "%") {
			t.Fatalf("%q allowed with a zone", host)
		}
	})
}
