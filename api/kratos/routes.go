package kratos

import (
	"net/http"

	"github.com/wardhq/ward/identity/flow"
)

func (h *Handler) routePublic() {
	m := h.public
	m.HandleFunc("GET /sessions/whoami", h.whoami)
	m.HandleFunc("GET /sessions", h.listMySessions)
	m.HandleFunc("DELETE /sessions", h.deleteMyOtherSessions)
	m.HandleFunc("DELETE /sessions/{id}", h.deleteMySession)
	m.HandleFunc("GET /schemas", h.listSchemas)
	m.HandleFunc("GET /schemas/{id}", h.getSchema)

	m.HandleFunc("GET "+flow.RouteLoginInitBrowser, h.initBrowserLogin)
	m.HandleFunc("GET "+flow.RouteLoginInitAPI, initFlow(h, flow.TypeAPI, h.flows.InitLogin))
	m.HandleFunc("GET "+flow.RouteLoginGet, getFlow(h, h.flows.GetLogin))
	m.HandleFunc("POST "+flow.RouteLoginSubmit, h.submitLogin)

	m.HandleFunc("GET "+flow.RouteRegistrationInitBrowser, initFlow(h, flow.TypeBrowser, h.flows.InitRegistration))
	m.HandleFunc("GET "+flow.RouteRegistrationInitAPI, initFlow(h, flow.TypeAPI, h.flows.InitRegistration))
	m.HandleFunc("GET "+flow.RouteRegistrationGet, getFlow(h, h.flows.GetRegistration))
	m.HandleFunc("POST "+flow.RouteRegistrationSubmit, h.submitRegistration)

	m.HandleFunc("GET "+flow.RouteSettingsInitBrowser, initFlow(h, flow.TypeBrowser, h.flows.InitSettings))
	m.HandleFunc("GET "+flow.RouteSettingsInitAPI, initFlow(h, flow.TypeAPI, h.flows.InitSettings))
	m.HandleFunc("GET "+flow.RouteSettingsGet, getFlow(h, h.flows.GetSettings))
	m.HandleFunc("POST "+flow.RouteSettingsSubmit, h.submitSettings)

	m.HandleFunc("GET "+flow.RouteVerificationInitBrowser, initFlow(h, flow.TypeBrowser, h.flows.InitVerification))
	m.HandleFunc("GET "+flow.RouteVerificationInitAPI, initFlow(h, flow.TypeAPI, h.flows.InitVerification))
	m.HandleFunc("GET "+flow.RouteVerificationGet, getFlow(h, h.flows.GetVerification))
	m.HandleFunc("POST "+flow.RouteVerificationSubmit, h.submitVerification)
	m.HandleFunc("GET "+flow.RouteVerificationSubmit, h.openVerificationLink)

	m.HandleFunc("GET "+flow.RouteRecoveryInitBrowser, initFlow(h, flow.TypeBrowser, h.flows.InitRecovery))
	m.HandleFunc("GET "+flow.RouteRecoveryInitAPI, initFlow(h, flow.TypeAPI, h.flows.InitRecovery))
	m.HandleFunc("GET "+flow.RouteRecoveryGet, getFlow(h, h.flows.GetRecovery))
	m.HandleFunc("POST "+flow.RouteRecoverySubmit, h.submitRecovery)
	m.HandleFunc("GET "+flow.RouteRecoverySubmit, h.openRecoveryLink)

	m.HandleFunc("GET "+flow.RouteLogoutBrowser, h.createBrowserLogout)
	m.HandleFunc("GET "+flow.RouteLogoutSubmit, h.completeBrowserLogout)
	m.HandleFunc("DELETE "+flow.RouteLogoutAPI, h.logoutAPI)
	m.HandleFunc("GET /self-service/errors", h.selfServiceError)
	for _, p := range []string{"/self-service/", "/sessions/", "/schemas/"} {
		m.HandleFunc(p, h.unknownRoute)
	}
}

func (h *Handler) routeAdmin() {
	m := h.admin
	m.HandleFunc("GET /admin/identities", h.listIdentities)
	m.HandleFunc("POST /admin/identities", h.createIdentity)
	m.HandleFunc("PATCH /admin/identities", h.batchIdentities)
	m.HandleFunc("GET /admin/identities/{id}", h.getIdentity)
	m.HandleFunc("PUT /admin/identities/{id}", h.updateIdentity)
	m.HandleFunc("PATCH /admin/identities/{id}", h.patchIdentity)
	m.HandleFunc("DELETE /admin/identities/{id}", h.deleteIdentity)
	m.HandleFunc("GET /admin/identities/by/external/{externalID}", h.getIdentityByExternalID)
	m.HandleFunc("DELETE /admin/identities/{id}/credentials/{type}", h.deleteCredential)
	m.HandleFunc("GET /admin/identities/{id}/sessions", h.listIdentitySessions)
	m.HandleFunc("DELETE /admin/identities/{id}/sessions", h.deleteIdentitySessions)
	m.HandleFunc("GET /admin/sessions", h.listSessions)
	m.HandleFunc("GET /admin/sessions/{id}", h.getSession)
	m.HandleFunc("DELETE /admin/sessions/{id}", h.disableSession)
	m.HandleFunc("PATCH /admin/sessions/{id}/extend", h.extendSession)
	m.HandleFunc("POST "+flow.RouteAdminRecoveryCode, h.createRecoveryCode)
	m.HandleFunc("POST "+flow.RouteAdminRecoveryLink, h.createRecoveryLink)
	if h.courier != nil {
		m.HandleFunc("GET /admin/courier/messages", h.listCourierMessages)
		m.HandleFunc("GET /admin/courier/messages/{id}", h.getCourierMessage)
	}
	m.HandleFunc("/admin/", h.unknownRoute)
}

// unknownRoute answers a path or method Kratos's API does not have with its 404 object.
func (h *Handler) unknownRoute(w http.ResponseWriter, r *http.Request) {
	h.writeError(w, r, notFound("No route matches "+r.Method+" "+r.URL.Path+"."))
}
