package kratos

import (
	"context"
	"net/http"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/courier"
)

// CourierMessages is what the admin API reads of the courier's queue; [*courier.Courier] is
// one.
type CourierMessages interface {
	GetMessage(ctx context.Context, id string) (*courier.Message, error)
	ListMessages(ctx context.Context, p courier.ListParams) ([]*courier.Message, string, error)
}

// listCourierMessages answers GET /admin/courier/messages: a page of messages, newest first,
// with the Link header of the next, filtered by status and recipient as Kratos filters them.
func (h *Handler) listCourierMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := courier.ListParams{PageToken: q.Get("page_token"), Status: q.Get("status"), Recipient: q.Get("recipient")}
	var err error
	if p.PageSize, err = pageSize(r); err != nil {
		h.writeError(w, r, err)
		return
	}
	list, next, err := h.courier.ListMessages(r.Context(), p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	for _, m := range list {
		m.Redacted = !h.courierBodies
	}
	writePage(w, r, p.PageSize, next)
	writeJSON(w, http.StatusOK, list)
}

// getCourierMessage answers GET /admin/courier/messages/{id}.
func (h *Handler) getCourierMessage(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	m, err := h.courier.GetMessage(r.Context(), id)
	if fault.CodeOf(err) == fault.NotFound {
		err = fault.Wrap(fault.NotFound, err, "Unable to locate the resource")
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	m.Redacted = !h.courierBodies
	writeJSON(w, http.StatusOK, m)
}
