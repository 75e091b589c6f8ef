package pages

import (
	"cmp"
	"fmt"
	"net/http"
)

// The fields the consent form posts besides the caller's challenge and CSRF token: one
// ConsentScopeField per scope the user grants (openid always, when asked for), ConsentRememberField
// "true" when the user ticked "Remember this decision", and ConsentDecisionField, the button
// pressed: ConsentAllow or ConsentDeny. The names are those of Ory's reference consent app.
const (
	ConsentScopeField    = "grant_scope"
	ConsentRememberField = "remember"
	ConsentDecisionField = "decision"
	ConsentAllow         = "allow"
	ConsentDeny          = "deny"
)

// fixedScope is the scope the user cannot refuse while allowing: without it there is no OpenID
// Connect sign-in to allow.
const fixedScope = "openid"

// scopeDescriptions say in words what the standard OpenID Connect scopes grant.
var scopeDescriptions = map[string]string{
	"openid":         "Confirm who you are when you sign in",
	"profile":        "See your name and profile details",
	"email":          "See your email address",
	"address":        "See your postal address",
	"phone":          "See your phone number",
	"offline_access": "Keep access while you are not using it",
}

// Field is a hidden field of a form.
type Field struct {
	Name, Value string
}

// ConsentPage is what the consent page of ward's OAuth2 server shows: a client asks for scopes,
// and the user allows (the scopes left ticked) or denies.
type ConsentPage struct {
	// Action is where the form posts. Required.
	Action string
	// ClientName is the client's name; ClientID its id, shown too, so that two clients of one
	// name can be told apart. The heading uses the id when the name is empty.
	ClientName, ClientID string
	// Subject, when set, says who is signed in.
	Subject string
	// Scopes are the scopes the client asks for, in its order; each is a checkbox, ticked.
	Scopes []string
	// Challenge and CSRF are hidden fields the form posts back: the consent challenge and the
	// CSRF token, under the names the caller reads.
	Challenge, CSRF Field
}

// consentContent is what consent.html shows.
type consentContent struct {
	ConsentPage
	Product                                   string
	Scopes                                    []scopeView
	RememberField, DecisionField, Allow, Deny string
}

type scopeView struct {
	ID, Field, Name, Description string
	Fixed                        bool
}

// Consent writes the consent page with status 200. The error is as for [Renderer.Flow].
func (rd *Renderer) Consent(w http.ResponseWriter, r *http.Request, p ConsentPage) error {
	if p.Challenge.Name == "" || p.CSRF.Name == "" {
		return rd.fail(w, fmt.Errorf("pages: the consent page needs the names of its challenge and CSRF fields"))
	}
	c := consentContent{
		ConsentPage: p, Product: rd.cfg.Product,
		RememberField: ConsentRememberField, DecisionField: ConsentDecisionField, Allow: ConsentAllow, Deny: ConsentDeny,
	}
	c.ClientName = cmp.Or(p.ClientName, p.ClientID)
	ids := idSet{}
	for _, s := range p.Scopes {
		c.Scopes = append(c.Scopes, scopeView{
			ID: ids.take("scope", s), Field: ConsentScopeField, Name: s,
			Description: scopeDescriptions[s], Fixed: s == fixedScope,
		})
	}
	return rd.write(w, r, http.StatusOK, "consent", "Allow "+c.ClientName+"?", c, nil)
}
