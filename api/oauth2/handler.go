package oauth2

import (
	"context"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/oauth2"
)

// Handler serves the plain-HTTP endpoints of the OAuth 2.0 authorization server and OpenID
// Connect provider, as their RFCs require them: discovery, JWKS, authorization, token,
// introspection, revocation, userinfo, device authorization and verification, and RP-initiated
// logout. It decodes requests, calls the [oauth2.Provider], and writes the RFC's JSON (or a
// redirect, or a small HTML page for a browser). Every route is for the public listener.
type Handler struct {
	p           *oauth2.Provider
	log         *slog.Logger
	mux         *http.ServeMux
	corsOrigins []string                  // see WithCORSOrigins
	limits      *browserLimits            // flows started and user codes tried; see limits.go
	proxies     middleware.TrustedProxies // see WithTrustedProxies
}

// NewHandler returns the handler of p's endpoints. Mount it on the public listener at the
// root: its routes are the oauth2.Path… constants.
func NewHandler(p *oauth2.Provider, log *slog.Logger, opts ...Option) *Handler {
	h := &Handler{p: p, log: log, mux: http.NewServeMux(), limits: newBrowserLimits(log)}
	for _, o := range opts {
		o.apply(h)
	}
	h.mux.HandleFunc("GET "+oauth2.PathDiscovery, corsPublic(h.discovery))
	h.mux.HandleFunc("GET "+oauth2.PathJWKS, corsPublic(h.jwks))
	h.mux.HandleFunc("GET "+oauth2.PathAuthorize, h.authorize)
	h.mux.HandleFunc("POST "+oauth2.PathAuthorize, h.authorize)
	h.mux.HandleFunc("POST "+oauth2.PathToken, h.cors(h.token))
	h.mux.HandleFunc("POST "+oauth2.PathIntrospect, h.introspect)
	h.mux.HandleFunc("POST "+oauth2.PathRevoke, h.cors(h.revoke))
	h.mux.HandleFunc("GET "+oauth2.PathUserinfo, h.cors(h.userinfo))
	h.mux.HandleFunc("POST "+oauth2.PathUserinfo, h.cors(h.userinfo))
	for _, path := range []string{oauth2.PathToken, oauth2.PathRevoke, oauth2.PathUserinfo} {
		h.mux.HandleFunc("OPTIONS "+path, h.preflight)
	}
	h.mux.HandleFunc("POST "+oauth2.PathDeviceAuth, h.deviceAuth)
	h.mux.HandleFunc("GET "+oauth2.PathDeviceVerify, h.deviceVerify)
	h.mux.HandleFunc("POST "+oauth2.PathDeviceVerify, h.deviceVerify)
	h.mux.HandleFunc("GET "+oauth2.PathLogout, h.logout)
	h.mux.HandleFunc("POST "+oauth2.PathLogout, h.logout)
	return h
}

// Routes lists the patterns the handler serves, for mounting it on a shared mux.
func (h *Handler) Routes() []string {
	return []string{
		oauth2.PathDiscovery, oauth2.PathJWKS, oauth2.PathAuthorize, oauth2.PathToken, oauth2.PathIntrospect,
		oauth2.PathRevoke, oauth2.PathUserinfo, oauth2.PathDeviceAuth, oauth2.PathDeviceVerify, oauth2.PathLogout,
	}
}

// ServeHTTP routes a request to its endpoint.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	middleware.SetBrowserHeaders(w.Header())
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) discovery(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, h.p.Discovery())
}

func (h *Handler) jwks(w http.ResponseWriter, r *http.Request) {
	set, err := h.p.JWKS(r.Context())
	if err != nil {
		h.writeError(w, r, err, false)
		return
	}
	// Short: a rotation must reach relying parties well before the retired key leaves the set.
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Content-Type", "application/jwk-set+json")
	_, _ = w.Write(set) // the client may be gone; nothing to do about it
}

// writeJSON writes v as a JSON response that no cache may keep (RFC 6749 §5.1).
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do about it
}

// writeError writes err as the RFC's JSON error object. Server errors are logged with their cause
// (which never holds a secret or a token); client errors at debug level.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error, basic bool) {
	e := oauth2.AsError(err)
	h.logError(r.Context(), e)
	if e.Status == http.StatusUnauthorized && basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="ward"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	setRetryAfter(w, e)
	writeJSON(w, e.Status, e)
}

func (h *Handler) logError(ctx context.Context, e *oauth2.Error) {
	if e.Status >= 500 {
		h.log.ErrorContext(ctx, "oauth2 endpoint failed", "error", e.Error())
		return
	}
	h.log.DebugContext(ctx, "oauth2 request refused", "error", e.Error())
}

// browse answers a browser endpoint: a redirect, or a page.
func (h *Handler) browse(w http.ResponseWriter, r *http.Request, res *oauth2.BrowserResult, err error) {
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		e := oauth2.AsError(err)
		h.logError(r.Context(), e)
		setRetryAfter(w, e)
		h.page(w, e.Status, "The request cannot be served", string(e.Code)+": "+e.Description, false)
		return
	}
	for _, c := range res.SetCookies {
		http.SetCookie(w, c)
	}
	if res.RedirectTo != "" {
		http.Redirect(w, r, res.RedirectTo, http.StatusSeeOther)
		return
	}
	switch res.Page {
	case oauth2.PageUserCodeForm:
		h.page(w, http.StatusOK, "Connect a device", "Enter the code the device shows.", true)
	case oauth2.PageDeviceApproved:
		h.page(w, http.StatusOK, "Device connected", "You may return to your device.", false)
	case oauth2.PageDeviceDenied:
		h.page(w, http.StatusOK, "Device not connected", "The device was denied access.", false)
	case oauth2.PageLoggedOut:
		h.page(w, http.StatusOK, "Logged out", "You have been logged out.", false)
	case oauth2.PageLogoutConfirm:
		h.render(w, http.StatusOK, pageData{Title: "Log out?", Message: "An application asks to log you out of ward. Log out?", Logout: res.Form})
	case oauth2.PageLogoutCancelled:
		h.page(w, http.StatusOK, "Still logged in", "You stay logged in.", false)
	default:
		h.page(w, http.StatusOK, "Done", "", false)
	}
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1><p>{{.Message}}</p>
{{if .Form}}<form method="get" action="` + oauth2.PathDeviceVerify + `"><label for="user_code">Code</label>
<input id="user_code" name="user_code" autocomplete="off" autofocus>
<button type="submit">Continue</button></form>{{end}}
{{if .Logout}}<form method="post" action="` + oauth2.PathLogout + `">
{{range $k, $vs := .Logout}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">
{{end}}{{end}}<button type="submit" name="` + oauth2.LogoutChoiceParam + `" value="` + oauth2.LogoutChoiceYes + `" autofocus>Log out</button>
<button type="submit" name="` + oauth2.LogoutChoiceParam + `" value="no">Stay logged in</button></form>{{end}}
</body></html>
`))

// pageData is what pageTemplate shows: Form is the user code form, Logout the hidden fields of
// the logout confirmation form.
type pageData struct {
	Title, Message string
	Form           bool
	Logout         url.Values
}

func (h *Handler) page(w http.ResponseWriter, status int, title, message string, form bool) {
	h.render(w, status, pageData{Title: title, Message: message, Form: form})
}

func (h *Handler) render(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	middleware.SetBrowserHeaders(w.Header())
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, d) // the client may be gone; nothing to do about it
}

// unixOrZero returns t as seconds since the epoch, or 0 for the zero time.
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
