package kratos

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
)

// herodot's messages, the "message" of Kratos's error objects for each status.
const (
	msgBadRequest    = "The request was malformed or contained invalid parameters"
	msgNotFound      = "The requested resource could not be found"
	msgConflict      = "The resource could not be created due to a conflict"
	msgInternal      = "An internal server error occurred, please contact the system administrator"
	msgUnavailable   = "The service is temporarily unavailable"
	msgTooMany       = "Too many requests"
	msgTooLarge      = "The request body is too large"
	msgUnauthorized  = "The request could not be authorized"
	msgForbidden     = "The requested action was forbidden"
	msgGatewayTimout = "The request took too long"
)

// kratosError returns err as one of Kratos's error objects: the flow package's as they are,
// the identity service's validation, duplicate and rate errors with Kratos's statuses, and
// every other error by its fault code. Internal errors say nothing of their cause.
func kratosError(err error) *flow.Error {
	if e := flow.AsError(err); e != nil {
		return e
	}
	var ve *identity.ValidationError
	if errors.As(err, &ve) {
		return validationError(ve)
	}
	var de *identity.DuplicateError
	if errors.As(err, &de) {
		return &flow.Error{Code: http.StatusConflict, Message: msgConflict,
			Reason:  "This identity conflicts with another identity that already exists.",
			Details: map[string]any{"field": de.Field}}
	}
	var re *identity.RateLimitError
	if errors.As(err, &re) {
		return &flow.Error{Code: http.StatusTooManyRequests, Message: msgTooMany,
			Reason: "Too many " + re.What + " attempts; retry later."}
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return &flow.Error{Code: http.StatusRequestEntityTooLarge, Message: msgTooLarge,
			Reason: "The request body is larger than " + strconv.FormatInt(mb.Limit, 10) + " bytes."}
	}
	var f *fault.Error
	public := ""
	if errors.As(err, &f) {
		public = f.Public()
	}
	switch fault.CodeOf(err) {
	case fault.InvalidArgument:
		return &flow.Error{Code: http.StatusBadRequest, Message: msgBadRequest, Reason: public}
	case fault.NotFound:
		return &flow.Error{Code: http.StatusNotFound, Message: msgNotFound, Reason: public}
	case fault.AlreadyExists:
		return &flow.Error{Code: http.StatusConflict, Message: msgConflict, Reason: public}
	case fault.FailedPrecondition, fault.Aborted:
		return &flow.Error{Code: http.StatusBadRequest, Message: msgBadRequest, Reason: public}
	case fault.ResourceExhausted:
		return &flow.Error{Code: http.StatusTooManyRequests, Message: msgTooMany, Reason: public}
	case fault.Unavailable:
		return &flow.Error{Code: http.StatusServiceUnavailable, Message: msgUnavailable, Reason: "The store does not answer; retry later."}
	case fault.DeadlineExceeded, fault.Canceled:
		return &flow.Error{Code: http.StatusGatewayTimeout, Message: msgGatewayTimout}
	}
	return &flow.Error{Code: http.StatusInternalServerError, Message: msgInternal}
}

// validationError is Kratos's 400 for a write the schema or the request's form refuses: the
// reason names every field at fault as "#/pointer: message", and details list them.
func validationError(ve *identity.ValidationError) *flow.Error {
	var reasons []string
	list := make([]map[string]any, 0, len(ve.Violations))
	for _, v := range ve.Violations {
		reasons = append(reasons, "#"+v.Pointer+": "+v.Message)
		item := map[string]any{"pointer": "#" + v.Pointer, "keyword": v.Keyword, "message": v.Message}
		if v.Reason != "" {
			item["reason"] = v.Reason
		}
		list = append(list, item)
	}
	return &flow.Error{Code: http.StatusBadRequest, Message: msgBadRequest,
		Reason: strings.Join(reasons, "; "), Details: map[string]any{"violations": list}}
}

// noSession is Kratos's 401 of whoami and the session routes without a valid session.
func noSession() *flow.Error {
	return &flow.Error{ID: flow.ErrIDNoActiveSession, Code: http.StatusUnauthorized,
		Message: "request does not have a valid authentication session", Reason: "No active session was found in this request."}
}

func badRequest(reason string) *flow.Error {
	return &flow.Error{Code: http.StatusBadRequest, Message: msgBadRequest, Reason: reason}
}

func notFound(reason string) *flow.Error {
	return &flow.Error{Code: http.StatusNotFound, Message: msgNotFound, Reason: reason}
}

// writeError answers err as Kratos's JSON error object with its status. Server errors are logged
// with their cause (which never holds a secret); refusals at debug level.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := kratosError(err)
	h.logError(r.Context(), e, err)
	if d, ok := identity.RetryAfter(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(d.Seconds()+0.999))))
	}
	writeJSON(w, e.Code, e)
}

func (h *Handler) logError(ctx context.Context, e *flow.Error, err error) {
	if e.Code >= 500 {
		h.log.ErrorContext(ctx, "identity endpoint failed", "status", e.Code, "error", err.Error())
		return
	}
	h.log.DebugContext(ctx, "identity request refused", "status", e.Code, "error", err.Error())
}

// innerError is the "error" member of e's JSON: the generic error object, as Kratos nests it in
// other answers (a batch's results, a self-service error).
func innerError(e *flow.Error) json.RawMessage {
	var body struct {
		Error json.RawMessage `json:"error"`
	}
	data, err := json.Marshal(e)
	if err == nil {
		err = json.Unmarshal(data, &body)
	}
	if err != nil || body.Error == nil {
		return json.RawMessage(`{"code":500,"status":"Internal Server Error","message":"` + msgInternal + `"}`)
	}
	return body.Error
}
