package kratos

import (
	"encoding/base64"
	"net/http"
)

// listSchemas answers GET /schemas: every identity schema with its document.
func (h *Handler) listSchemas(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.schemas.List())
}

// getSchema answers GET /schemas/{id}: the schema's raw document. The ID may be written as it is
// or in base64url, as identities' schema_url write it.
func (h *Handler) getSchema(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	doc, err := h.schemas.Get(id)
	if err != nil {
		if raw, derr := base64.RawURLEncoding.DecodeString(id); derr == nil {
			doc, err = h.schemas.Get(string(raw))
		}
	}
	if err != nil {
		h.writeError(w, r, notFound("The requested identity schema does not exist."))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc.Schema) // the client may be gone; nothing to do about it
}
