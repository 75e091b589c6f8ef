package kratos

import (
	"encoding/json"

	"github.com/wardhq/ward/identity/flow"
)

// SelfServiceError returns the error a browser was sent to the error UI with, as GET
// /self-service/errors?id= does, for an error UI served in process (the built-in pages); false
// when id is no error ID this handler's keys sealed, or it has expired.
func (h *Handler) SelfServiceError(id string) (*flow.Error, bool) {
	sealed, err := h.errorIDs.open(id, h.now())
	if err != nil {
		return nil, false
	}
	var inner struct {
		ID      string `json:"id"`
		Code    int    `json:"code"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
	}
	if json.Unmarshal(sealed.Error, &inner) != nil {
		return nil, false
	}
	return &flow.Error{ID: inner.ID, Code: inner.Code, Reason: inner.Reason, Message: inner.Message}, true
}
