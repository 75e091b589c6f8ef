package oauth2

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/oauth2"
)

// maxOAuth2Form bounds the body of a form request to the OAuth2 endpoints. The largest legitimate
// form is a token request with a client assertion (oauth2.MaxAssertionLength) and a few other
// parameters.
const maxOAuth2Form = 64 << 10

// readOAuth2Form reads an application/x-www-form-urlencoded request body of at most
// maxOAuth2Form bytes. Parameters must not repeat (RFC 6749 §3.1, §3.2), except audience, which
// ward accepts repeated as RFC 8707's resource is. The error is invalid_request.
func readOAuth2Form(contentType string, body io.Reader) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, oauth2.InvalidRequest("the body must be application/x-www-form-urlencoded")
	}
	b, err := io.ReadAll(io.LimitReader(body, maxOAuth2Form+1))
	if err != nil {
		return nil, oauth2.InvalidRequest("cannot read the body").WithCause(err)
	}
	if len(b) > maxOAuth2Form {
		return nil, oauth2.InvalidRequest("the body is longer than %d bytes", maxOAuth2Form)
	}
	form, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, oauth2.InvalidRequest("the body is not a valid form")
	}
	if err := checkSingle(form); err != nil {
		return nil, err
	}
	return form, nil
}

// checkSingle refuses repeated parameters.
func checkSingle(form url.Values) error {
	for k, vs := range form {
		if len(vs) > 1 && k != "audience" {
			return oauth2.InvalidRequest("parameter %s is repeated", k)
		}
	}
	return nil
}

// clientCredentials finds the credentials a request presents: HTTP Basic, client_secret in the
// form, a client assertion, or only client_id (a public client). Presenting more than one method
// is invalid_request (RFC 6749 §2.3); presenting none is invalid_client.
func clientCredentials(authorization string, form url.Values) (oauth2.ClientCredentials, error) {
	var cred oauth2.ClientCredentials
	id, secret, basic, err := middleware.ParseBasicAuth(authorization)
	if err != nil {
		return cred, err
	}
	methods := 0
	if basic {
		methods++
	}
	if form.Has("client_secret") {
		methods++
	}
	if form.Has("client_assertion") || form.Has("client_assertion_type") {
		methods++
	}
	if methods > 1 {
		return cred, oauth2.InvalidRequest("the request uses more than one client authentication method")
	}
	formID := form.Get("client_id")
	switch {
	case basic:
		if formID != "" && formID != id {
			return cred, oauth2.InvalidRequest("client_id differs from the client authenticated by HTTP Basic")
		}
		cred = oauth2.ClientCredentials{Method: oauth2.AuthClientSecretBasic, ID: id, Secret: secret}
	case form.Has("client_secret"):
		if formID == "" {
			return cred, oauth2.InvalidRequest("client_secret without client_id")
		}
		cred = oauth2.ClientCredentials{Method: oauth2.AuthClientSecretPost, ID: formID, Secret: form.Get("client_secret")}
	case form.Has("client_assertion") || form.Has("client_assertion_type"):
		cred = oauth2.ClientCredentials{
			Method: oauth2.AuthPrivateKeyJWT, ID: formID,
			Assertion: form.Get("client_assertion"), AssertionType: form.Get("client_assertion_type"),
		}
	case formID != "":
		cred = oauth2.ClientCredentials{Method: oauth2.AuthNone, ID: formID}
	default:
		return cred, oauth2.InvalidClient("client authentication is required")
	}
	return cred, nil
}

// bearerToken returns the token of an Authorization: Bearer header (RFC 6750 §2.1), or "".
func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return ""
	}
	return strings.TrimSpace(h[len(prefix):])
}
