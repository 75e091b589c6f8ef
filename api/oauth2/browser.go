package oauth2

import (
	"net/http"

	"github.com/wardhq/ward/oauth2"
)

// browserRequest reads the parameters of a browser endpoint: the query of a GET, the form of a
// POST (OpenID Connect Core §3.1.2.1 allows both).
func browserRequest(r *http.Request) (oauth2.BrowserRequest, error) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		form, err := readOAuth2Form(r.Header.Get("Content-Type"), r.Body)
		if err != nil {
			return oauth2.BrowserRequest{}, err
		}
		params = form
	} else if len(r.URL.RawQuery) > maxOAuth2Form {
		return oauth2.BrowserRequest{}, oauth2.InvalidRequest("the query is longer than %d bytes", maxOAuth2Form)
	}
	if err := checkSingle(params); err != nil {
		return oauth2.BrowserRequest{}, err
	}
	return oauth2.BrowserRequest{Method: r.Method, Params: params, Cookies: r.Cookies()}, nil
}

// authorize serves the authorization endpoint: a new request, or the browser's return from the
// login or consent app. Errors before the redirect URI is verified are shown, never redirected.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	br, err := browserRequest(r)
	if err != nil {
		h.browse(w, r, nil, err)
		return
	}
	if br.Params.Has("login_verifier") || br.Params.Has("consent_verifier") {
		res, err := h.p.Authorize(r.Context(), br)
		h.browse(w, r, res, err)
		return
	}
	done, err := h.limits.flow(r.Context(), h.proxies.ClientAddr(r))
	if err != nil {
		h.browse(w, r, nil, err)
		return
	}
	res, err := h.p.Authorize(r.Context(), br)
	done(err == nil && len(res.SetCookies) > 0) // only a started flow sets its cookie
	h.browse(w, r, res, err)
}

// deviceVerify serves the device verification page (RFC 8628 §3.3).
func (h *Handler) deviceVerify(w http.ResponseWriter, r *http.Request) {
	br, err := browserRequest(r)
	if err != nil {
		h.browse(w, r, nil, err)
		return
	}
	if result := br.Params.Get("result"); result != "" && len(br.Params) == 1 {
		page := oauth2.PageDeviceDenied
		if result == "approved" {
			page = oauth2.PageDeviceApproved
		}
		h.browse(w, r, &oauth2.BrowserResult{Page: page}, nil)
		return
	}
	if br.Params.Has("user_code") {
		if err := h.limits.userCode(r.Context(), h.proxies.ClientAddr(r), br.Params.Get("user_code")); err != nil {
			h.browse(w, r, nil, err)
			return
		}
	}
	res, err := h.p.DeviceVerify(r.Context(), br)
	h.browse(w, r, res, err)
}

// logout serves RP-initiated logout.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	br, err := browserRequest(r)
	if err != nil {
		h.browse(w, r, nil, err)
		return
	}
	res, err := h.p.Logout(r.Context(), br)
	h.browse(w, r, res, err)
}

// userinfo serves the userinfo endpoint (OpenID Connect Core §5.3) for a Bearer access token.
func (h *Handler) userinfo(w http.ResponseWriter, r *http.Request) {
	tok := bearerToken(r)
	if tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ward"`)
		writeJSON(w, http.StatusUnauthorized, oauth2.InvalidRequest("a Bearer access token is required"))
		return
	}
	claims, err := h.p.Userinfo(r.Context(), tok)
	if err != nil {
		e := oauth2.AsError(err)
		h.logError(r.Context(), e)
		if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ward", error="`+string(e.Code)+`", error_description="`+e.Description+`"`)
		}
		writeJSON(w, e.Status, e)
		return
	}
	writeJSON(w, http.StatusOK, claims)
}
