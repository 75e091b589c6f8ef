package middleware

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"

	"github.com/wardhq/ward/oauth2"
)

// ParseBasicAuth reads an HTTP Basic Authorization header of client credentials (RFC 6749
// §2.3.1): the client ID and secret are form-urlencoded before being joined by a colon and
// base64-encoded. ok is false when the header is not Basic; the error is invalid_client for a
// Basic header that cannot be read. Neither value is ever put in the error.
func ParseBasicAuth(header string) (id, secret string, ok bool, err error) {
	const prefix = "Basic "
	if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return "", "", false, nil
	}
	fail := oauth2.InvalidClient("client authentication failed")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(header[len(prefix):]))
	if err != nil {
		return "", "", true, fail.WithCause(errors.New("the Basic credentials are not base64"))
	}
	user, pass, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", true, fail.WithCause(errors.New("the Basic credentials hold no colon"))
	}
	if id, err = url.QueryUnescape(user); err != nil {
		return "", "", true, fail.WithCause(errors.New("the Basic user is not form-urlencoded"))
	}
	if secret, err = url.QueryUnescape(pass); err != nil {
		return "", "", true, fail.WithCause(errors.New("the Basic password is not form-urlencoded"))
	}
	if id == "" {
		return "", "", true, fail.WithCause(errors.New("the Basic user is empty"))
	}
	return id, secret, true, nil
}
