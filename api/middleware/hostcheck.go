package middleware

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// AllowHosts returns a handler that serves a request only when its Host header (port stripped)
// is a loopback address or localhost, the IP address the connection was accepted on, or one of
// names (compared without case; a trailing dot ignored). Any other request is refused with 421
// Misdirected Request and a plain message. This closes DNS rebinding: a web page that gets a
// browser to reach the listener under a name the attacker controls sends that name as Host. An
// IP literal is safe to accept when it is the listener's own address, since no DNS answer is
// involved in reaching it under that name.
func AllowHosts(next http.Handler, names []string) http.Handler {
	allowed := make([]string, len(names))
	for i, n := range names {
		allowed[i] = normalizeHost(n)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		if hostAllowed(r.Host, local, allowed) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusMisdirectedRequest)
		fmt.Fprintf(w, "ward: this listener does not answer to Host %q. It serves only requests for a loopback "+
			"address, localhost, its own IP address, or a name listed in admin_hosts.\n", r.Host)
	})
}

// hostAllowed reports whether host (a Host header, with or without a port) may reach a
// listener that accepted the connection on local, given the normalized allowed names.
func hostAllowed(host string, local net.Addr, allowed []string) bool {
	name := normalizeHost(stripPort(host))
	if name == "" {
		return false
	}
	if name == "localhost" || slices.Contains(allowed, name) {
		return true
	}
	ip, err := netip.ParseAddr(name)
	if err != nil || ip.Zone() != "" {
		return false
	}
	ip = ip.Unmap()
	if ip.IsLoopback() {
		return true
	}
	if tcp, ok := local.(*net.TCPAddr); ok {
		if l, ok := netip.AddrFromSlice(tcp.IP); ok && l.Unmap() == ip && !ip.IsUnspecified() {
			return true
		}
	}
	return false
}

// stripPort removes a port from a Host header: "a:1" → "a", "[::1]:1" → "::1", "[::1]" → "::1".
// Anything else is returned as it is, to be compared whole.
func stripPort(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		return host[1 : len(host)-1]
	}
	return host
}

func normalizeHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }
