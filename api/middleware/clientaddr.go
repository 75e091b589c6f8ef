package middleware

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustedProxies is the list of proxies (load balancers, reverse proxies) whose X-Forwarded-For
// header ward believes, as CIDR prefixes. The zero value trusts none: the client's address is then
// always the connection's peer. Every per-client limiter of the HTTP endpoints takes its address
// from [TrustedProxies.ClientAddr].
type TrustedProxies []netip.Prefix

// ParseTrustedProxies reads CIDR prefixes ("10.0.0.0/8", "2001:db8::/32"); a plain address is a
// prefix of one address. The error names the entry that is not one.
func ParseTrustedProxies(entries []string) (TrustedProxies, error) {
	var out TrustedProxies
	for i, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if !strings.Contains(e, "/") {
			a, err := netip.ParseAddr(e)
			if err != nil {
				return nil, fmt.Errorf("trusted_proxies[%d]: %q is neither a CIDR prefix nor an IP address", i, e)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(e)
		if err != nil {
			return nil, fmt.Errorf("trusted_proxies[%d]: %q is not a CIDR prefix: %w", i, e, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (t TrustedProxies) trusts(a netip.Addr) bool {
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr returns the address of the client that made r, without port. It is the connection's
// peer, unless the peer is a trusted proxy: then X-Forwarded-For (every such header, in order) is
// read from the right, skipping the addresses of trusted proxies, and the first address that is not
// one is the client. Entries to its left were written by the client itself and are never believed.
// An entry that is not an IP address ends the walk at the trusted hop to its right, as does a list
// of trusted proxies only (then the left-most is taken).
func (t TrustedProxies) ClientAddr(r *http.Request) string {
	peer := parseAddr(r.RemoteAddr)
	if !peer.IsValid() {
		return r.RemoteAddr
	}
	if !t.trusts(peer) {
		return peer.String()
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a := parseAddr(strings.TrimSpace(hops[i]))
		if !a.IsValid() {
			break
		}
		client = a
		if !t.trusts(a) {
			break
		}
	}
	return client.String()
}

// parseAddr reads an IP address, with or without a port (and brackets); the zero Addr when it is
// neither.
func parseAddr(s string) netip.Addr {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}
