package pages

import (
	"cmp"
	"net/http"
)

// The answer the logout form posts: LogoutChoiceField is LogoutYes or LogoutNo, the button
// pressed. They are the names ward's OAuth2 logout reads.
const (
	LogoutChoiceField = "logout_choice"
	LogoutYes         = "yes"
	LogoutNo          = "no"
)

// LogoutPage is what the logout confirmation shows: a question and Yes / No.
type LogoutPage struct {
	// Action is where the form posts. Required.
	Action string
	// Hidden are the fields the form posts back with the answer: the logout request's
	// parameters, a challenge, a CSRF token.
	Hidden []Field
	// Message is the question. Default: "Do you want to sign out of <product>?".
	Message string
}

// logoutContent is what logout.html shows.
type logoutContent struct {
	LogoutPage
	ChoiceField, Yes, No string
}

// Logout writes the logout confirmation with status 200. The error is as for [Renderer.Flow].
func (rd *Renderer) Logout(w http.ResponseWriter, r *http.Request, p LogoutPage) error {
	p.Message = cmp.Or(p.Message, "Do you want to sign out of "+rd.cfg.Product+"?")
	c := logoutContent{LogoutPage: p, ChoiceField: LogoutChoiceField, Yes: LogoutYes, No: LogoutNo}
	return rd.write(w, r, http.StatusOK, "logout", "Sign out?", c, nil)
}
