package kratos

import (
	"net/http"

	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
)

// What a UI served by the same process needs of the handler: it reads flows through the domain,
// as a Kratos UI reads them through the public API, with the request's cookies.

// FlowRequest returns what the flows need of r: its URL made absolute with the public base URL,
// its CSRF and session cookies, and the client's address.
func (h *Handler) FlowRequest(r *http.Request) *flow.Request { return h.flowRequest(r, nil) }

// Flows returns the self-service flows the handler serves.
func (h *Handler) Flows() *flow.Service { return h.flows }

// Session returns the valid session r carries, or nil.
func (h *Handler) Session(r *http.Request) *identity.Session {
	s, err := h.currentSession(r)
	if err != nil {
		return nil
	}
	return s
}

// SetCSRFCookie gives the browser the CSRF secret of the flows, as a flow's start does.
func (h *Handler) SetCSRFCookie(w http.ResponseWriter, secret string) { h.setCSRFCookie(w, secret) }

// CSRFCookie returns the CSRF secret r's cookie holds, "" when none.
func (h *Handler) CSRFCookie(r *http.Request) string { return h.csrfCookie(r) }
