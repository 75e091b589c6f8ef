package middleware

import (
	"errors"
	"net/http"
	"strings"

	"connectrpc.com/connect"

	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
	"github.com/wardhq/ward/proto/ward/schema/v1/schemav1connect"
)

// dataServicePrefixes are the paths of the services the [Authenticator] guards.
var dataServicePrefixes = []string{
	"/" + permissionv1connect.PermissionServiceName + "/",
	"/" + relationshipv1connect.RelationshipServiceName + "/",
	"/" + schemav1connect.SchemaServiceName + "/",
}

// NewAdminGate returns next behind a check that every request carries one of keys as
// `Authorization: Bearer <admin key>` — /metrics, the health probes and the OAuth2 admin API
// included. Calls of the permission, relationship and schema services pass on to next whatever
// they carry: their handlers' [Authenticator] decides (an admin key, an API key or a token with
// the scope), so the caller must install one there. A refusal is a Connect unauthenticated
// error for Connect and gRPC requests, and a 401 otherwise.
func NewAdminGate(next http.Handler, keys *APIKeys) http.Handler {
	ew := connect.NewErrorWriter()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range dataServicePrefixes {
			if strings.HasPrefix(r.URL.Path, p) {
				next.ServeHTTP(w, r)
				return
			}
		}
		cred, err := bearer(r.Header)
		if err == nil && !keys.Match(cred) {
			err = unauthenticated("the credential is not an admin API key")
		}
		if err == nil {
			next.ServeHTTP(w, r)
			return
		}
		msg := "the admin listener needs an admin API key: pass Authorization: Bearer <admin key>"
		if ew.IsSupported(r) {
			_ = ew.Write(w, r, unauthenticatedWrap(msg, err))
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="ward-admin"`)
		http.Error(w, msg, http.StatusUnauthorized)
	})
}

func unauthenticatedWrap(msg string, cause error) *connect.Error {
	var ce *connect.Error
	if errors.As(cause, &ce) && ce.Message() != errNoCredential {
		msg += " (" + ce.Message() + ")"
	}
	return unauthenticated(msg)
}
