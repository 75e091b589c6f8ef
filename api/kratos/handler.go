package kratos

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/schema"
)

// DefaultCookieName is the session cookie's default name (Kratos's is ory_kratos_session).
const DefaultCookieName = "ward_session"

// Bounds of the JSON bodies of the admin API, besides the listener's bound on every body.
const (
	// MaxIdentityBodyBytes bounds the body of one identity's create, update or patch.
	MaxIdentityBodyBytes = 1 << 20
	// MaxBatchBodyBytes bounds the body of a batch of identities (PATCH /admin/identities).
	MaxBatchBodyBytes = 16 << 20
)

// Config configures a [Handler].
type Config struct {
	// PublicBaseURL is the public listener's base URL, as browsers reach it. Required, absolute.
	// Over https the session cookie is named with the __Host- prefix; on a loopback host the
	// cookies are not Secure (a developer's http://127.0.0.1).
	PublicBaseURL string
	// CookieName is the session cookie's name; default DefaultCookieName.
	CookieName string
	// TrustedProxies are the proxies whose X-Forwarded-For names the client's address, which the
	// login and registration limiters key on; none by default.
	TrustedProxies middleware.TrustedProxies
	// Logger receives the handler's logs; default slog.Default(). No record holds a token, a
	// password or a hash.
	Logger *slog.Logger

	// ErrorUIURL is Kratos's selfservice.flows.error.ui_url: the page a browser is sent to (303,
	// with ?id=) when a flow fails with nowhere else to go; the page reads the error from GET
	// /self-service/errors?id=. Default PublicBaseURL + DefaultErrorUIPath.
	ErrorUIURL string
	// ErrorKeys seal the error IDs (see errorstore.go): the first seals, all open. Every node
	// behind one public URL needs the same keys; none makes a random key of this process.
	ErrorKeys [][]byte
	// ErrorLifespan is how long an error ID is answered; default DefaultErrorLifespan.
	ErrorLifespan time.Duration
	// Clock returns the current time, which error IDs are stamped and checked with; default
	// time.Now.
	Clock func() time.Time
	// OAuth2 is the OAuth2 server whose login_challenge the login flows answer. Optional.
	OAuth2 OAuth2Login
	// Courier is the courier's queue that GET /admin/courier/messages[/{id}] reads. Optional:
	// without it those paths are unknown routes.
	Courier CourierMessages
	// CourierBodies shows the messages' bodies in those answers; by default they are
	// "<redacted-unless-dev-mode>", as Kratos shows them outside development mode, since they
	// hold codes and links that act for the recipient.
	CourierBodies bool
}

// DefaultErrorUIPath is where the error UI is when Config.ErrorUIURL is not set: the built-in
// UI's error page.
const DefaultErrorUIPath = "/ui/error"

// Handler serves Kratos's public and admin HTTP API over ward's identity domain.
type Handler struct {
	ids     *identity.Service
	flows   *flow.Service
	schemas *schema.Registry
	log     *slog.Logger
	proxies middleware.TrustedProxies

	base     *url.URL
	errorUI  *url.URL
	errorIDs *errorIDs
	now      func() time.Time
	cookie   string // the session cookie's name, with its prefix
	secure   bool   // whether cookies are Secure
	public   *http.ServeMux
	admin    *http.ServeMux

	oauth2 OAuth2Login // nil without Config.OAuth2

	courier       CourierMessages // nil without Config.Courier
	courierBodies bool
}

// NewHandler returns the handler of ids, flows and schemas. The error is InvalidArgument naming
// the Config field at fault.
func NewHandler(ids *identity.Service, flows *flow.Service, schemas *schema.Registry, cfg Config) (*Handler, error) {
	if ids == nil || flows == nil || schemas == nil {
		return nil, fault.Invalid("", "the identity service, its flows and its schemas are all required")
	}
	base, err := url.Parse(cfg.PublicBaseURL)
	if err != nil || base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fault.Invalid("PublicBaseURL", "want an absolute http or https URL, not %q", cfg.PublicBaseURL)
	}
	name := cfg.CookieName
	if name == "" {
		name = DefaultCookieName
	}
	if !validCookieName(name) {
		return nil, fault.Invalid("CookieName", "%q is not a cookie name (letters, digits, - and _)", name)
	}
	errorUI, err := url.Parse(cmp.Or(cfg.ErrorUIURL, strings.TrimSuffix(base.String(), "/")+DefaultErrorUIPath))
	if err != nil || errorUI.Scheme != "http" && errorUI.Scheme != "https" || errorUI.Host == "" {
		return nil, fault.Invalid("ErrorUIURL", "want an absolute http or https URL, not %q", cfg.ErrorUIURL)
	}
	errorIDs, err := newErrorIDs(cfg.ErrorKeys, cfg.ErrorLifespan)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		ids: ids, flows: flows, schemas: schemas, log: cfg.Logger, proxies: cfg.TrustedProxies,
		base: base, errorUI: errorUI, errorIDs: errorIDs, now: cfg.Clock,
		cookie: name, secure: base.Scheme == "https" || !loopbackHost(base.Hostname()),
		public: http.NewServeMux(), admin: http.NewServeMux(),
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.oauth2 = cfg.OAuth2
	h.courier, h.courierBodies = cfg.Courier, cfg.CourierBodies
	if base.Scheme == "https" {
		h.cookie = "__Host-" + name
	}
	h.routePublic()
	h.routeAdmin()
	return h, nil
}

// PublicRoutes lists the patterns that [Handler.Public] serves, for mounting it on a shared mux.
func (h *Handler) PublicRoutes() []string {
	return []string{"/sessions", "/sessions/", "/schemas", "/schemas/", "/self-service/"}
}

// AdminRoutes lists the patterns that [Handler.Admin] serves.
func (h *Handler) AdminRoutes() []string {
	return []string{"/admin/identities", "/admin/identities/", "/admin/sessions", "/admin/sessions/", "/admin/courier/", "/admin/recovery/"}
}

// Public returns the public listener's routes.
func (h *Handler) Public() http.Handler { return withHeaders(h.public) }

// Admin returns the admin listener's routes.
func (h *Handler) Admin() http.Handler { return withHeaders(h.admin) }

// withHeaders sets what every answer carries: nothing of it may be cached by a shared cache,
// and no browser may sniff or frame it.
func withHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		middleware.SetBrowserHeaders(w.Header())
		w.Header().Set("Cache-Control", "private, no-cache, no-store, must-revalidate")
		next.ServeHTTP(w, r)
	})
}

// writeJSON writes v as a JSON answer with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do about it
}

// decodeJSON reads r's body, at most limit bytes, into v. strict refuses members v has no field
// for, as Kratos's strict decoder does for creates. The error is a 400 (413 when too large)
// Kratos error saying what is wrong.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, strict bool, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		if mb := new(http.MaxBytesError); errors.As(err, &mb) {
			return mb
		}
		return badRequest(fmt.Sprintf("Unable to decode the JSON body: %s", err))
	}
	if dec.More() {
		return badRequest("Unable to decode the JSON body: it holds more than one JSON value")
	}
	return nil
}

// clientAddr is the address the limiters key on: the peer, or the client a trusted proxy names.
func (h *Handler) clientAddr(r *http.Request) string { return h.proxies.ClientAddr(r) }

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func validCookieName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
