package kratos

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/wardhq/ward/identity/flow"
)

// Bounds of the self-service errors kept for the error UI: Kratos keeps them in its database;
// ward keeps the newest in memory, long enough for the browser to follow the redirect and the
// user to read and reload the page.
const (
	uiErrorsKept     = 10_000
	uiErrorsLifetime = 15 * time.Minute
)

// uiErrors are the errors a browser was sent to the error UI with, by ID.
type uiErrors struct {
	ui   *url.URL
	kept *expirable.LRU[string, *flow.Error]
}

func newUIErrors(ui *url.URL) *uiErrors {
	return &uiErrors{ui: ui, kept: expirable.NewLRU[string, *flow.Error](uiErrorsKept, nil, uiErrorsLifetime)}
}

// keep stores e and returns the error UI's URL that shows it.
func (u *uiErrors) keep(e *flow.Error) string {
	id := uuid.NewString()
	u.kept.Add(id, e)
	to := *u.ui
	q := to.Query()
	q.Set("id", id)
	to.RawQuery = q.Encode()
	return to.String()
}

// browserNavigation says whether r is a browser's page load or form post (it accepts HTML),
// which is sent to the error UI rather than answered with JSON.
func browserNavigation(r *http.Request) bool {
	return !wantsJSON(r) && strings.Contains(r.Header.Get("Accept"), "text/html") && r.Header.Get("X-Session-Token") == ""
}

// SelfServiceError returns the error the browser was sent to the error UI with, as GET
// /self-service/errors?id= does; false when there is none (never kept, or forgotten).
func (h *Handler) SelfServiceError(id string) (*flow.Error, bool) {
	if h.uiErrors == nil {
		return nil, false
	}
	return h.uiErrors.kept.Get(id)
}
