package oauth2

import (
	"net/http"
	"slices"
	"strings"
)

// An Option configures a [Handler] made by [NewHandler].
type Option interface{ apply(*Handler) }

type optionFunc func(*Handler)

func (f optionFunc) apply(h *Handler) { f(h) }

// WithCORSOrigins lets browser apps of these origins (scheme://host[:port], compared exactly) call
// the token, revocation and userinfo endpoints, as a single-page app using the authorization code
// flow with PKCE must. By default no origin may; discovery and the JWKS, which are public, may be
// read from any origin either way. Introspection is for servers and never allows an origin.
func WithCORSOrigins(origins ...string) Option {
	return optionFunc(func(h *Handler) {
		for _, o := range origins {
			h.corsOrigins = append(h.corsOrigins, strings.TrimSuffix(o, "/"))
		}
	})
}

// corsPublic lets any origin read a public document (discovery, JWKS). No credentials travel.
func corsPublic(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		next(w, r)
	}
}

// cors lets the configured origins call an endpoint that a browser app uses.
func (h *Handler) cors(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && slices.Contains(h.corsOrigins, origin) {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Add("Vary", "Origin")
		}
		next(w, r)
	}
}

// preflight answers a CORS preflight request for an endpoint that allows the configured origins.
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Origin")
	if origin := r.Header.Get("Origin"); origin != "" && slices.Contains(h.corsOrigins, origin) {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
		w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		w.Header().Set("Access-Control-Max-Age", "600")
	}
	w.WriteHeader(http.StatusNoContent)
}
