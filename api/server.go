package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	kratosapi "github.com/wardhq/ward/api/kratos"
	"github.com/wardhq/ward/api/middleware"
	oauth2api "github.com/wardhq/ward/api/oauth2"
	"github.com/wardhq/ward/api/rpc"
	"github.com/wardhq/ward/api/signin"
	"github.com/wardhq/ward/proto/ward/oauth2/v1/oauth2v1connect"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	"github.com/wardhq/ward/proto/ward/ping/v1/pingv1connect"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
	"github.com/wardhq/ward/proto/ward/schema/v1/schemav1connect"
)

// Services are the handlers the two listeners serve. The OAuth2 ones are nil when the OAuth2
// server is off.
type Services struct {
	Permissions   *rpc.PermissionService
	Relationships *rpc.RelationshipService
	Schemas       *rpc.SchemaService

	OAuth2              *oauth2api.Handler // the plain-HTTP OAuth2 and OpenID Connect endpoints
	OAuth2Admin         *rpc.OAuth2AdminService
	PublicIntrospection *rpc.IntrospectionService // asks for client credentials
	AdminIntrospection  *rpc.IntrospectionService

	// Identity is the identity service in Kratos's HTTP contract: its public routes (whoami,
	// sessions, schemas, self-service flows) and its admin routes (/admin/identities,
	// /admin/sessions). nil when the identity service is off.
	Identity *kratosapi.Handler
	// SignIn is the built-in sign-in UI under /ui/ (the identity flows' pages and the OAuth2
	// consent page). nil when it is off.
	SignIn *signin.Handler

	// The authentication of the permission, relationship and schema services on each
	// listener; nil: open.
	PublicAuth, AdminAuth *middleware.Authenticator
}

// NewPublicHandler returns the public listener's routes: permission checks and the no-op ping.
// Nothing that writes is mounted here. Every request is bounded in size and time (see
// [ListenerOption]).
func NewPublicHandler(s Services, obs *middleware.Observer, lopts ...ListenerOption) http.Handler {
	lc := newListenerConfig(lopts)
	mux := http.NewServeMux()
	opts := connect.WithHandlerOptions(handlerOptions(obs), lc.connectOptions())
	mux.Handle(permissionv1connect.NewPermissionServiceHandler(s.Permissions, withAuth(opts, s.PublicAuth)))
	mux.Handle(pingv1connect.NewPingServiceHandler(rpc.PingService{}, opts))
	if s.OAuth2 != nil {
		for _, route := range s.OAuth2.Routes() {
			mux.Handle(route, obs.WrapHTTP(route, s.OAuth2))
		}
		mux.HandleFunc("GET "+PathNoLoginApp, noApp("login", "login_url"))
		mux.HandleFunc("GET "+PathNoConsentApp, noApp("consent", "consent_url"))
	}
	if s.PublicIntrospection != nil {
		mux.Handle(oauth2v1connect.NewIntrospectionServiceHandler(s.PublicIntrospection, opts))
	}
	if s.Identity != nil {
		public := s.Identity.Public()
		for _, route := range s.Identity.PublicRoutes() {
			mux.Handle(route, obs.WrapHTTP(route, public))
		}
	}
	if s.SignIn != nil {
		for _, route := range s.SignIn.Routes() {
			mux.Handle(route, obs.WrapHTTP(route, s.SignIn))
		}
	}
	return lc.wrap(mux)
}

// Where the OAuth2 server sends browsers when no login or consent app is configured.
const (
	PathNoLoginApp   = "/oauth2/no-login-app"
	PathNoConsentApp = "/oauth2/no-consent-app"
)

// noApp tells a browser that the flow cannot go on because the operator configured no app of
// this kind; ward has no built-in login page until its identity service serves one.
func noApp(kind, key string) http.HandlerFunc {
	msg := "This ward server has no " + kind + " app configured, so this sign-in cannot go on.\n" +
		"Operators: set " + key + " to the URL of an app that accepts or rejects " + kind +
		" challenges through ward's admin API (ward.oauth2.v1.OAuth2AdminService, or `ward " + kind + " accept`).\n"
	return func(w http.ResponseWriter, r *http.Request) {
		middleware.SetBrowserHeaders(w.Header())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotImplemented)
		_, _ = w.Write([]byte(msg))
	}
}

// NewAdminHandler returns the admin listener's routes: everything public, the write and schema
// APIs, /metrics from gatherer, the health routes, and the profiles if [WithPprof] asks for them.
// ready reports whether the store answers. Every request is bounded in size and time, and
// served only under an allowed Host (see [middleware.AllowHosts] and [WithAdminHosts]).
func NewAdminHandler(s Services, obs *middleware.Observer, gatherer prometheus.Gatherer, ready func(context.Context) error, log *slog.Logger, lopts ...ListenerOption) http.Handler {
	lc := newListenerConfig(lopts)
	mux := http.NewServeMux()
	opts := connect.WithHandlerOptions(handlerOptions(obs), lc.connectOptions())
	mux.Handle(permissionv1connect.NewPermissionServiceHandler(s.Permissions, withAuth(opts, s.AdminAuth)))
	mux.Handle(pingv1connect.NewPingServiceHandler(rpc.PingService{}, opts))
	mux.Handle(relationshipv1connect.NewRelationshipServiceHandler(s.Relationships, withAuth(opts, s.AdminAuth)))
	mux.Handle(schemav1connect.NewSchemaServiceHandler(s.Schemas, withAuth(opts, s.AdminAuth)))
	if s.OAuth2Admin != nil {
		mux.Handle(oauth2v1connect.NewOAuth2AdminServiceHandler(s.OAuth2Admin, opts))
	}
	if s.AdminIntrospection != nil {
		mux.Handle(oauth2v1connect.NewIntrospectionServiceHandler(s.AdminIntrospection, opts))
	}
	if s.Identity != nil {
		// Behind the admin gate like every admin route: an admin key off loopback.
		admin := s.Identity.Admin()
		for _, route := range s.Identity.AdminRoutes() {
			mux.Handle(route, obs.WrapHTTP(route, admin))
		}
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	if lc.pprof {
		// Profiles, for operators: the admin listener is never exposed to end users.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	mux.HandleFunc("GET /health/alive", func(w http.ResponseWriter, r *http.Request) {
		writeHealth(w, http.StatusOK, "ok", "")
	})
	mux.HandleFunc("GET /health/ready", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			log.WarnContext(ctx, "not ready: the store does not answer", "error", err)
			writeHealth(w, http.StatusServiceUnavailable, "unavailable", "the store does not answer")
			return
		}
		writeHealth(w, http.StatusOK, "ok", "")
	})
	return middleware.AllowHosts(lc.wrap(mux), lc.adminHosts)
}

func writeHealth(w http.ResponseWriter, code int, status, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	body := map[string]string{"status": status}
	if reason != "" {
		body["reason"] = reason
	}
	_ = json.NewEncoder(w).Encode(body) // the client may be gone; nothing to do about it
}

// handlerOptions are the options of every handler. Responses smaller than a kilobyte are not
// compressed: for the small messages of checks, compression costs more than it saves.
func handlerOptions(obs *middleware.Observer) connect.HandlerOption {
	return connect.WithHandlerOptions(connect.WithInterceptors(obs), connect.WithCompressMinBytes(1024))
}

// withAuth returns opts, with a's interceptor inside them when a is not nil (nil: open).
func withAuth(opts connect.HandlerOption, a *middleware.Authenticator) connect.HandlerOption {
	if a == nil {
		return opts
	}
	return connect.WithHandlerOptions(opts, connect.WithInterceptors(a))
}
