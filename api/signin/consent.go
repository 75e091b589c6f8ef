package signin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/wardhq/ward/api/pages"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/oauth2"
)

// The hidden fields of the consent form.
const (
	consentChallengeField = "consent_challenge"
	consentCSRFField      = "csrf_token"
)

// consentPage shows GET /ui/consent?consent_challenge=: which client asks for which scopes. A
// consent the OAuth2 server says to skip (remembered for these scopes) is accepted at once.
func (h *Handler) consentPage(w http.ResponseWriter, r *http.Request) {
	challenge := r.URL.Query().Get(consentChallengeField)
	cr, err := h.consents.GetConsentRequest(r.Context(), challenge)
	if err != nil {
		h.consentFailed(w, r, err)
		return
	}
	if cr.Skip {
		to, err := h.consents.AcceptConsent(r.Context(), challenge, oauth2.ConsentAcceptance{
			GrantScopes: cr.RequestedScopes, GrantAudiences: cr.RequestedAudiences,
			IDTokenClaims: h.idTokenClaims(r, cr.Subject, cr.RequestedScopes),
		})
		if err != nil {
			h.consentFailed(w, r, err)
			return
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	secret := h.kratos.CSRFCookie(r)
	if !flow.ValidCSRFSecret(secret) {
		secret = flow.NewCSRFSecret()
		h.kratos.SetCSRFCookie(w, secret)
	}
	p := pages.ConsentPage{
		Action:     h.public(PathConsent),
		ClientName: cr.Client.Name, ClientID: cr.Client.ID,
		Subject:   h.displayName(r, cr.Subject),
		Scopes:    cr.RequestedScopes,
		Challenge: pages.Field{Name: consentChallengeField, Value: challenge},
		CSRF:      pages.Field{Name: consentCSRFField, Value: consentCSRF(secret, challenge)},
	}
	h.render(r, h.pages.Consent(w, r, p))
}

// consentAnswer takes POST /ui/consent: the user allowed (the scopes left ticked, remembered if
// asked) or denied. The CSRF token must be the one this browser's page was given for this
// challenge.
func (h *Handler) consentAnswer(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.failed(w, r, err)
		return
	}
	f := r.PostForm
	challenge := f.Get(consentChallengeField)
	secret := h.kratos.CSRFCookie(r)
	if !flow.ValidCSRFSecret(secret) || !hmac.Equal([]byte(f.Get(consentCSRFField)), []byte(consentCSRF(secret, challenge))) {
		h.showError(w, r, pages.ErrorDetails{ID: flow.ErrIDCSRF, Code: http.StatusForbidden,
			Message: "The consent was not given on this site's page.",
			Reason:  "The form's security token is missing or does not belong to this browser. Start the sign-in again from the application."})
		return
	}
	if f.Get(pages.ConsentDecisionField) != pages.ConsentAllow {
		to, err := h.consents.RejectConsent(r.Context(), challenge, oauth2.Rejection{Description: "The user denied the request."})
		if err != nil {
			h.consentFailed(w, r, err)
			return
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	cr, err := h.consents.GetConsentRequest(r.Context(), challenge)
	if err != nil {
		h.consentFailed(w, r, err)
		return
	}
	scopes := f[pages.ConsentScopeField]
	to, err := h.consents.AcceptConsent(r.Context(), challenge, oauth2.ConsentAcceptance{
		GrantScopes: scopes, GrantAudiences: cr.RequestedAudiences,
		Remember:      f.Get(pages.ConsentRememberField) == "true",
		IDTokenClaims: h.idTokenClaims(r, cr.Subject, scopes),
	})
	if err != nil {
		h.consentFailed(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// consentCSRF is the consent form's token for the browser whose CSRF secret is secret: bound
// to the challenge too, so that a token seen on one consent page answers no other.
func consentCSRF(secret, challenge string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("ward signin consent v1\x00"))
	m.Write([]byte(challenge))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// consentFailed shows why a consent cannot go on: an unknown, expired or answered challenge,
// scopes that were not asked for, or a server error.
func (h *Handler) consentFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch fault.CodeOf(err) {
	case fault.NotFound, fault.FailedPrecondition:
		h.showError(w, r, pages.ErrorDetails{Code: http.StatusNotFound, Message: "This consent request is unknown, expired or answered already.",
			Reason: "Start the sign-in again from the application."})
	case fault.InvalidArgument:
		h.showError(w, r, pages.ErrorDetails{Code: http.StatusBadRequest, Message: "The consent form was not valid.",
			Reason: "Only the scopes the application asked for can be granted."})
	default:
		h.failed(w, r, err)
	}
}

// identityOf returns the identity whose ID is subject, or nil: a subject accepted by an
// external login app need not be an identity.
func (h *Handler) identityOf(r *http.Request, subject string) *identity.Identity {
	id, err := h.ids.GetIdentity(r.Context(), subject)
	if err != nil {
		return nil
	}
	return id
}

// displayName is how the consent page names who is signed in: the identity's email address
// when it has one, else the subject.
func (h *Handler) displayName(r *http.Request, subject string) string {
	if email, _ := emailOf(h.identityOf(r, subject)); email != "" {
		return email
	}
	return subject
}

// idTokenClaims are the claims the email scope grants (OpenID Connect Core §5.4): the
// identity's email trait and whether it was verified.
func (h *Handler) idTokenClaims(r *http.Request, subject string, scopes []string) map[string]any {
	if !slices.Contains(scopes, "email") {
		return nil
	}
	email, verified := emailOf(h.identityOf(r, subject))
	if email == "" {
		return nil
	}
	return map[string]any{"email": email, "email_verified": verified}
}

// emailOf returns the email trait of id and whether it is a verified address.
func emailOf(id *identity.Identity) (string, bool) {
	if id == nil {
		return "", false
	}
	var traits struct {
		Email string `json:"email"`
	}
	if json.Unmarshal(id.Traits, &traits) != nil || traits.Email == "" {
		return "", false
	}
	for _, a := range id.VerifiableAddresses {
		if a.Value == traits.Email && a.Verified {
			return traits.Email, true
		}
	}
	return traits.Email, false
}
