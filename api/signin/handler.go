package signin

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/wardhq/ward/api/kratos"
	"github.com/wardhq/ward/api/pages"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/oauth2"
)

// The routes of the built-in UI, all under Prefix on the public listener.
const (
	Prefix           = "/ui/"
	PathLogin        = "/ui/login"
	PathRegistration = "/ui/registration"
	PathSettings     = "/ui/settings"
	PathRecovery     = "/ui/recovery"
	PathError        = "/ui/error"
	PathLogout       = "/ui/logout"
	PathConsent      = "/ui/consent"
)

// Consents is what the consent page needs of the OAuth2 server; *oauth2.Provider implements it.
type Consents interface {
	GetConsentRequest(ctx context.Context, challenge string) (*oauth2.ConsentRequest, error)
	AcceptConsent(ctx context.Context, challenge string, a oauth2.ConsentAcceptance) (string, error)
	RejectConsent(ctx context.Context, challenge string, r oauth2.Rejection) (string, error)
}

var _ Consents = (*oauth2.Provider)(nil)

// Identities is what the consent page needs of the identity service, to say who is signed in
// and to put the email address in the ID token; *identity.Service implements it.
type Identities interface {
	GetIdentity(ctx context.Context, id string) (*identity.Identity, error)
}

var _ Identities = (*identity.Service)(nil)

// Config configures a [Handler].
type Config struct {
	// PublicBaseURL is the identity service's public base URL, where the Kratos routes are.
	// Required, absolute.
	PublicBaseURL string
	// Identity is the Kratos transport whose flows the pages show. Required.
	Identity *kratos.Handler
	// Identities looks up who consents. Required with Consents.
	Identities Identities
	// Consents is the OAuth2 server whose consent page this is. Optional: without it there is
	// no consent page.
	Consents Consents
	// Product names the service on the pages; default "ward".
	Product string
	// Logger receives the handler's logs; default slog.Default().
	Logger *slog.Logger
}

// Handler serves the built-in UI.
type Handler struct {
	kratos   *kratos.Handler
	flows    *flow.Service
	ids      Identities
	consents Consents
	pages    *pages.Renderer
	base     *url.URL
	log      *slog.Logger
	mux      *http.ServeMux
}

// New returns the handler of cfg. The error is InvalidArgument naming the field at fault.
func New(cfg Config) (*Handler, error) {
	base, err := url.Parse(strings.TrimSuffix(cfg.PublicBaseURL, "/"))
	if err != nil || base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fault.Invalid("PublicBaseURL", "want an absolute http or https URL, not %q", cfg.PublicBaseURL)
	}
	if cfg.Identity == nil {
		return nil, fault.Invalid("Identity", "the identity service's handler is required")
	}
	if cfg.Consents != nil && cfg.Identities == nil {
		return nil, fault.Invalid("Identities", "the consent page needs the identities")
	}
	h := &Handler{
		kratos: cfg.Identity, flows: cfg.Identity.Flows(), ids: cfg.Identities, consents: cfg.Consents,
		base: base, log: cfg.Logger, mux: http.NewServeMux(),
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.pages, err = pages.New(pages.Config{
		Product:         cfg.Product,
		LoginURL:        h.public(flow.RouteLoginInitBrowser),
		RegistrationURL: h.public(flow.RouteRegistrationInitBrowser),
	})
	if err != nil {
		return nil, err
	}
	h.mux.HandleFunc("GET "+PathLogin, h.login)
	h.mux.HandleFunc("GET "+PathRegistration, h.registration)
	h.mux.HandleFunc("GET "+PathSettings, h.settings)
	h.mux.HandleFunc("GET "+PathRecovery, h.recovery)
	h.mux.HandleFunc("GET "+PathError, h.errorPage)
	h.mux.HandleFunc("GET "+PathLogout, h.logoutPage)
	h.mux.HandleFunc("POST "+PathLogout, h.logoutAnswer)
	if h.consents != nil {
		h.mux.HandleFunc("GET "+PathConsent, h.consentPage)
		h.mux.HandleFunc("POST "+PathConsent, h.consentAnswer)
	}
	h.mux.HandleFunc("GET /ui/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, PathSettings, http.StatusSeeOther)
	})
	h.mux.HandleFunc(Prefix, h.notFound)
	return h, nil
}

// Routes lists the patterns the handler serves, for mounting it on a shared mux.
func (h *Handler) Routes() []string { return []string{Prefix} }

// URL returns the absolute URL of one of the Path… routes, for the flows' ui_url settings.
func (h *Handler) URL(path string) string { return h.public(path) }

// ServeHTTP routes a request to its page. No page may be stored by a cache: each holds a
// flow's CSRF token or a challenge.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "private, no-cache, no-store, must-revalidate")
	h.mux.ServeHTTP(w, r)
}

// public returns the absolute public URL of path.
func (h *Handler) public(path string) string {
	u := *h.base
	u.Path += path
	return u.String()
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.showError(w, r, pages.ErrorDetails{Code: http.StatusNotFound, Message: "There is no such page.",
		Reason: "The address does not name a page of this service."})
}

// showError renders the error page, logging what could not be rendered.
func (h *Handler) showError(w http.ResponseWriter, r *http.Request, e pages.ErrorDetails) {
	if e.Status == "" {
		e.Status = http.StatusText(e.Code)
	}
	if err := h.pages.Error(w, r, pages.ErrorPage{Error: e}); err != nil {
		h.log.ErrorContext(r.Context(), "the error page cannot be rendered", "error", err)
	}
}

// render logs a page that could not be rendered (the client got a 500).
func (h *Handler) render(r *http.Request, err error) {
	if err != nil {
		h.log.ErrorContext(r.Context(), "a page cannot be rendered", "path", r.URL.Path, "error", err)
	}
}
