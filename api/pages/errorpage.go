package pages

import (
	"cmp"
	"net/http"
	"strconv"
)

// ErrorDetails is an error as Kratos's self-service error object has it.
type ErrorDetails struct {
	// ID names the kind of error, such as "security_csrf_violation".
	ID string `json:"id,omitempty"`
	// Code is the HTTP status code, which the page is sent with (500 unless 400 to 599).
	Code int `json:"code,omitempty"`
	// Status is the status text, such as "Forbidden".
	Status string `json:"status,omitempty"`
	// Reason says why, in more detail than Message.
	Reason string `json:"reason,omitempty"`
	// Message says what went wrong.
	Message string `json:"message"`
}

// ErrorPage is what the error page shows.
type ErrorPage struct {
	Error ErrorDetails
	// BackURL and BackText are the link that leads on. Default: the login URL of the Config,
	// "Back to sign in", or "/", "Back to the start page" without one.
	BackURL, BackText string
}

// errorContent is what error.html shows.
type errorContent struct {
	ID, Status, Reason, Message, BackURL, BackText string
}

// Error writes the error page with the error's status code. The error returned is as for
// [Renderer.Flow].
func (rd *Renderer) Error(w http.ResponseWriter, r *http.Request, p ErrorPage) error {
	code := p.Error.Code
	if code < 400 || code > 599 {
		code = http.StatusInternalServerError
	}
	status := cmp.Or(p.Error.Status, http.StatusText(code))
	c := errorContent{
		ID: p.Error.ID, Status: strconv.Itoa(code) + " " + status, Reason: p.Error.Reason,
		Message: cmp.Or(p.Error.Message, status), BackURL: p.BackURL, BackText: p.BackText,
	}
	if c.BackURL == "" {
		c.BackURL, c.BackText = "/", cmp.Or(c.BackText, "Back to the start page")
		if rd.cfg.LoginURL != "" {
			c.BackURL, c.BackText = rd.cfg.LoginURL, cmp.Or(p.BackText, "Back to sign in")
		}
	}
	c.BackText = cmp.Or(c.BackText, "Back")
	return rd.write(w, r, code, "error", "Something went wrong", c, nil)
}
