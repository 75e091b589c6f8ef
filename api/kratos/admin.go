package kratos

import (
	"io"
	"net/http"
	"slices"

	"github.com/google/uuid"

	"github.com/wardhq/ward/identity"
)

// credentialTypes are the credential types Kratos v1.3.1 knows, which include_credential may
// name.
var credentialTypes = []string{"password", "oidc", "totp", "lookup_secret", "webauthn", "code", "passkey", "profile", "link_recovery", "code_recovery", "saml"}

// includeCredential reads include_credential: Kratos's 400 for a type it does not know.
func includeCredential(r *http.Request) ([]string, error) {
	list := r.URL.Query()["include_credential"]
	for _, t := range list {
		if !slices.Contains(credentialTypes, t) {
			return nil, badRequest("Invalid value `" + t + "` for parameter `include_credential`.")
		}
	}
	return list, nil
}

// listIdentities answers GET /admin/identities: a page of identities in ID order, with the Link
// header of the next. Credentials are shown when the query selects by identifier or asks for
// them, as Kratos expands them only then.
func (h *Handler) listIdentities(w http.ResponseWriter, r *http.Request) {
	include, err := includeCredential(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	p := identity.ListParams{PageToken: q.Get("page_token"), CredentialsIdentifier: q.Get("credentials_identifier"), IDs: q["ids"]}
	if q.Get("preview_credentials_identifier_similar") != "" {
		h.writeError(w, r, badRequest("preview_credentials_identifier_similar is not supported by ward."))
		return
	}
	if p.PageSize, err = pageSize(r); err != nil {
		h.writeError(w, r, err)
		return
	}
	list, next, err := h.ids.ListIdentities(r.Context(), p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	creds := p.CredentialsIdentifier != "" || len(include) > 0
	out := make([]identity.AdminView, len(list))
	for i, id := range list {
		out[i] = identity.AdminView{Identity: id, Credentials: creds, IncludeCredential: include}
	}
	writePage(w, r, p.PageSize, next)
	writeJSON(w, http.StatusOK, out)
}

// createIdentity answers POST /admin/identities: 201 with the identity. Members Kratos's
// createIdentityBody does not have are refused, as its strict decoder does.
func (h *Handler) createIdentity(w http.ResponseWriter, r *http.Request) {
	var body identity.CreateIdentityBody
	if err := decodeJSON(w, r, MaxIdentityBodyBytes, true, &body); err != nil {
		h.writeError(w, r, err)
		return
	}
	id, err := h.ids.CreateIdentity(r.Context(), body)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", h.base.JoinPath("/admin/identities", id.ID).String())
	writeJSON(w, http.StatusCreated, identity.AdminView{Identity: id, Credentials: true})
}

// batchBody is Kratos's patchIdentitiesBody.
type batchBody struct {
	Identities []identity.IdentityPatch `json:"identities"`
}

// batchResult is Kratos's identityPatchResponse.
type batchResult struct {
	Action   string `json:"action"`
	Identity string `json:"identity,omitempty"`
	PatchID  string `json:"patch_id,omitempty"`
	Error    any    `json:"error,omitempty"`
}

// batchIdentities answers PATCH /admin/identities: each identity of the batch created or failed
// on its own, in the order given.
func (h *Handler) batchIdentities(w http.ResponseWriter, r *http.Request) {
	var body batchBody
	if err := decodeJSON(w, r, MaxBatchBodyBytes, true, &body); err != nil {
		h.writeError(w, r, err)
		return
	}
	results, err := h.ids.CreateIdentities(r.Context(), body.Identities)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := make([]batchResult, len(results))
	for i, res := range results {
		out[i] = batchResult{Action: res.Action, Identity: res.IdentityID, PatchID: res.PatchID}
		if res.Err != nil {
			e := kratosError(res.Err)
			h.logError(r.Context(), e, res.Err)
			out[i].Error = innerError(e)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"identities": out})
}

// getIdentity answers GET /admin/identities/{id}, with its credentials.
func (h *Handler) getIdentity(w http.ResponseWriter, r *http.Request) {
	include, err := includeCredential(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id, err := h.ids.GetIdentity(r.Context(), r.PathValue("id"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, identity.AdminView{Identity: id, Credentials: true, IncludeCredential: include})
}

// getIdentityByExternalID answers GET /admin/identities/by/external/{externalID}.
func (h *Handler) getIdentityByExternalID(w http.ResponseWriter, r *http.Request) {
	include, err := includeCredential(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id, err := h.ids.GetIdentityByExternalID(r.Context(), r.PathValue("externalID"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, identity.AdminView{Identity: id, Credentials: true, IncludeCredential: include})
}

// updateIdentity answers PUT /admin/identities/{id}. Kratos decodes this body leniently: unknown
// members are ignored.
func (h *Handler) updateIdentity(w http.ResponseWriter, r *http.Request) {
	var body identity.UpdateIdentityBody
	if err := decodeJSON(w, r, MaxIdentityBodyBytes, false, &body); err != nil {
		h.writeError(w, r, err)
		return
	}
	id, err := h.ids.UpdateIdentity(r.Context(), r.PathValue("id"), body)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, identity.AdminView{Identity: id, Credentials: true})
}

// patchIdentity answers PATCH /admin/identities/{id}: an RFC 6902 JSON Patch.
func (h *Handler) patchIdentity(w http.ResponseWriter, r *http.Request) {
	patch, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxIdentityBodyBytes))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	id, err := h.ids.PatchIdentity(r.Context(), r.PathValue("id"), patch)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, identity.AdminView{Identity: id, Credentials: true})
}

// deleteIdentity answers DELETE /admin/identities/{id}: 204, its sessions gone with it.
func (h *Handler) deleteIdentity(w http.ResponseWriter, r *http.Request) {
	if err := h.ids.DeleteIdentity(r.Context(), r.PathValue("id")); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deleteCredential answers DELETE /admin/identities/{id}/credentials/{type}?identifier=.
func (h *Handler) deleteCredential(w http.ResponseWriter, r *http.Request) {
	err := h.ids.DeleteCredential(r.Context(), r.PathValue("id"), r.PathValue("type"), r.URL.Query().Get("identifier"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listIdentitySessions answers GET /admin/identities/{id}/sessions.
func (h *Handler) listIdentitySessions(w http.ResponseWriter, r *http.Request) {
	p, err := sessionListParams(r, true)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	list, next, err := h.ids.ListIdentitySessions(r.Context(), r.PathValue("id"), p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writePage(w, r, p.PageSize, next)
	writeJSON(w, http.StatusOK, nonNil(list))
}

// deleteIdentitySessions answers DELETE /admin/identities/{id}/sessions: 204.
func (h *Handler) deleteIdentitySessions(w http.ResponseWriter, r *http.Request) {
	if _, err := h.ids.RevokeIdentitySessions(r.Context(), r.PathValue("id")); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listSessions answers GET /admin/sessions.
func (h *Handler) listSessions(w http.ResponseWriter, r *http.Request) {
	p, err := sessionListParams(r, true)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	list, next, err := h.ids.ListSessions(r.Context(), p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writePage(w, r, p.PageSize, next)
	writeJSON(w, http.StatusOK, nonNil(list))
}

// getSession answers GET /admin/sessions/{id}; the identity only with expand=identity.
func (h *Handler) getSession(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	p, err := sessionListParams(r, true)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	s, err := h.ids.GetSession(r.Context(), id)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !p.ExpandIdentity {
		c := *s
		c.Identity = nil
		s = &c
	}
	writeJSON(w, http.StatusOK, s)
}

// disableSession answers DELETE /admin/sessions/{id}: 204.
func (h *Handler) disableSession(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := h.ids.RevokeSession(r.Context(), id); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// extendSession answers PATCH /admin/sessions/{id}/extend: 200 with the session.
func (h *Handler) extendSession(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id")
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	s, err := h.ids.ExtendSession(r.Context(), id)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

// maxRecoveryCodeBodyBytes bounds the body of POST /admin/recovery/code.
const maxRecoveryCodeBodyBytes = 64 << 10

// createRecoveryCodeBody is Kratos's createRecoveryCodeForIdentityBody, and without flow_type
// its createRecoveryLinkForIdentityBody.
type createRecoveryCodeBody struct {
	IdentityID string `json:"identity_id"`
	ExpiresIn  string `json:"expires_in"`
	FlowType   string `json:"flow_type"`
}

// createRecoveryCode answers POST /admin/recovery/code: 201 with a recovery flow's link and its
// code for the identity, 404 while recovery is disabled.
func (h *Handler) createRecoveryCode(w http.ResponseWriter, r *http.Request) {
	h.createRecovery(w, r, func(b createRecoveryCodeBody) (any, error) {
		return h.flows.CreateRecoveryCode(r.Context(), h.flowRequest(r, nil), b.IdentityID, b.ExpiresIn, b.FlowType)
	})
}

// createRecoveryLink answers POST /admin/recovery/link: 201 with a link that recovers the
// identity, 404 while recovery is disabled.
func (h *Handler) createRecoveryLink(w http.ResponseWriter, r *http.Request) {
	h.createRecovery(w, r, func(b createRecoveryCodeBody) (any, error) {
		return h.flows.CreateRecoveryLink(r.Context(), h.flowRequest(r, nil), b.IdentityID, b.ExpiresIn)
	})
}

// createRecovery reads an admin recovery body and answers 201 with what create makes of it.
func (h *Handler) createRecovery(w http.ResponseWriter, r *http.Request, create func(createRecoveryCodeBody) (any, error)) {
	var body createRecoveryCodeBody
	if err := decodeJSON(w, r, maxRecoveryCodeBodyBytes, false, &body); err != nil {
		h.writeError(w, r, err)
		return
	}
	if _, err := uuid.Parse(body.IdentityID); err != nil {
		h.writeError(w, r, badRequest("identity_id must be the UUID of an identity."))
		return
	}
	out, err := create(body)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}
