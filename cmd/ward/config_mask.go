package main

import (
	"net/url"
	"strings"
)

// maskedSecret stands for a secret in `ward config print`.
const maskedSecret = "********"

// maskDSN returns a database DSN or a URL with its passwords masked: the password of a URL's user
// information and of its password or sslpassword query parameters, or the values of the
// password and sslpassword keys of a key=value DSN. Everything else stays, so that an operator
// can see which database is meant. A DSN it cannot read, or with "password" in another key's
// value, is masked whole.
func maskDSN(s string) string {
	if scheme, rest, ok := strings.Cut(s, "://"); ok && !strings.ContainsAny(scheme, " ='") {
		return scheme + "://" + maskURLRest(rest)
	}
	out, ok := maskKeyValues(s)
	if !ok {
		return maskedSecret
	}
	return out
}

// maskURLRest masks the part of a URL after "scheme://": the authority's password (user
// information ends at the authority's last @), then the password query parameters.
func maskURLRest(rest string) string {
	end := len(rest)
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		end = i
	}
	authority, tail := rest[:end], rest[end:]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		if user, _, ok := strings.Cut(authority[:at], ":"); ok {
			authority = user + ":" + maskedSecret + authority[at:]
		}
	}
	tail, fragment, hasFragment := strings.Cut(tail, "#")
	path, query, hasQuery := strings.Cut(tail, "?")
	out := authority + path
	if hasQuery {
		out += "?" + maskQuery(query)
	}
	if hasFragment {
		out += "#" + fragment
	}
	return out
}

// maskQuery masks the values of a URL query's password parameters.
func maskQuery(query string) string {
	params := strings.Split(query, "&")
	for i, p := range params {
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil && isPasswordKey(n) {
			params[i] = name + "=" + maskedSecret
		}
	}
	return strings.Join(params, "&")
}

// maskKeyValues masks the password values of a key=value DSN (libpq's connection string: values
// bare or in single quotes with backslash escapes). It reports false for a string that is not
// one.
func maskKeyValues(s string) (string, bool) {
	var b strings.Builder
	i := 0
	for {
		// White space between pairs, and around =.
		for i < len(s) && isSpace(s[i]) {
			b.WriteByte(s[i])
			i++
		}
		if i == len(s) {
			return b.String(), true
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return "", false
		}
		key := strings.TrimSpace(s[i : i+eq])
		if key == "" || strings.ContainsAny(key, " \t\n'") {
			return "", false
		}
		b.WriteString(s[i : i+eq+1])
		i += eq + 1
		for i < len(s) && isSpace(s[i]) {
			b.WriteByte(s[i])
			i++
		}
		start := i
		if i < len(s) && s[i] == '\'' {
			i++
			for i < len(s) && s[i] != '\'' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(s) {
				return "", false // an unterminated quote
			}
			i++
		} else {
			for i < len(s) && !isSpace(s[i]) {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			i = min(i, len(s))
		}
		switch value := s[start:i]; {
		case isPasswordKey(key):
			b.WriteString(maskedSecret)
		case isPasswordKey(value):
			// "host= password=x" is a host of "password=x" to libpq, and a slip to show whole.
			return "", false
		default:
			b.WriteString(value)
		}
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// isPasswordKey reports whether a DSN key or URL parameter holds a password.
func isPasswordKey(k string) bool {
	return strings.Contains(strings.ToLower(k), "password")
}
