package oauth2

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// matchLoopbackPort reports whether requested is the loopback redirect URI registered with a port
// added: RFC 8252 §7.3 has a native app listen on whatever port the OS gives it, so a URI
// registered as http://127.0.0.1/cb or http://[::1]/cb matches that URI with any port. Only IP
// literals get the leeway: RFC 8252 §8.3 advises against localhost, which a resolver or a hosts
// file may send elsewhere. A URI registered with a port keeps exact matching, and the rest of the
// URI (path, query) must match character for character.
func matchLoopbackPort(registered, requested string) bool {
	r, err := url.Parse(registered)
	if err != nil || !strings.HasPrefix(registered, "http://") || r.Port() != "" || r.User != nil {
		return false
	}
	if ip := net.ParseIP(r.Hostname()); ip == nil || !ip.IsLoopback() {
		return false
	}
	prefix := "http://" + r.Host + ":"
	if !strings.HasPrefix(requested, prefix) {
		return false
	}
	rest := requested[len(prefix):]
	end := strings.IndexFunc(rest, func(c rune) bool { return c < '0' || c > '9' })
	if end < 0 {
		end = len(rest)
	}
	port, tail := rest[:end], rest[end:]
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || port[0] == '0' {
		return false
	}
	return tail == registered[len("http://"+r.Host):]
}
