package middleware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"connectrpc.com/connect"

	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
	"github.com/wardhq/ward/proto/ward/schema/v1/schemav1connect"
)

// The scopes a ward access token needs for the data APIs.
const (
	ScopeCheck  = "ward:check"  // Check, CheckBulk, Expand
	ScopeLookup = "ward:lookup" // LookupResources, LookupSubjects
	ScopeRead   = "ward:read"   // ReadRelationships, Watch
	ScopeWrite  = "ward:write"  // WriteRelationships, DeleteRelationships
	ScopeSchema = "ward:schema" // ReadSchema, WriteSchema
)

// procedureScopes maps each data procedure to the scope a token needs for it. A procedure not
// listed is refused to every token: a method added later stays closed until it has a scope.
var procedureScopes = map[string]string{
	permissionv1connect.PermissionServiceCheckProcedure:                   ScopeCheck,
	permissionv1connect.PermissionServiceCheckBulkProcedure:               ScopeCheck,
	permissionv1connect.PermissionServiceExpandProcedure:                  ScopeCheck,
	permissionv1connect.PermissionServiceLookupResourcesProcedure:         ScopeLookup,
	permissionv1connect.PermissionServiceLookupSubjectsProcedure:          ScopeLookup,
	relationshipv1connect.RelationshipServiceReadRelationshipsProcedure:   ScopeRead,
	relationshipv1connect.RelationshipServiceWatchProcedure:               ScopeRead,
	relationshipv1connect.RelationshipServiceWriteRelationshipsProcedure:  ScopeWrite,
	relationshipv1connect.RelationshipServiceDeleteRelationshipsProcedure: ScopeWrite,
	schemav1connect.SchemaServiceReadSchemaProcedure:                      ScopeSchema,
	schemav1connect.SchemaServiceWriteSchemaProcedure:                     ScopeSchema,
}

// TokenIntrospector verifies ward access tokens in process; *oauth2.Provider is one.
type TokenIntrospector interface {
	Introspect(ctx context.Context, tok string) (oauth2.Introspection, error)
}

// Authenticator is the Connect interceptor that authenticates calls to the permission,
// relationship and schema services. A call carries one credential, `Authorization: Bearer
// <secret>`: an API key (which grants every service) or an active client-credentials access
// token of ward's own OAuth2 server carrying the procedure's scope (see the Scope constants).
// Nothing about the credential is logged.
type Authenticator struct {
	keys   *APIKeys
	tokens TokenIntrospector // nil: tokens are not accepted
	log    *slog.Logger
}

var _ connect.Interceptor = (*Authenticator)(nil)

// NewAuthenticator returns an Authenticator accepting keys, and, when tokens is not nil, access
// tokens it introspects.
func NewAuthenticator(keys *APIKeys, tokens TokenIntrospector, log *slog.Logger) *Authenticator {
	if keys == nil {
		keys = &APIKeys{}
	}
	return &Authenticator{keys: keys, tokens: tokens, log: log}
}

// errNoCredential is the answer to a call without credentials.
const errNoCredential = "this API needs an API key or a ward access token: pass Authorization: Bearer <key or token>"

// ParseBearer returns the credential of an Authorization header value of the Bearer scheme
// (RFC 6750 §2.1; the scheme's case does not matter). ok is false for any other value.
func ParseBearer(h string) (cred string, ok bool) {
	scheme, rest, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	cred = strings.TrimLeft(rest, " ")
	if cred == "" || len(cred) > 8192 {
		return "", false
	}
	for i := 0; i < len(cred); i++ {
		if c := cred[i]; c <= ' ' || c >= 0x7f {
			return "", false
		}
	}
	return cred, true
}

// bearer returns the one Bearer credential of header; a second Authorization header is refused
// rather than one of them chosen.
func bearer(header http.Header) (string, error) {
	values := header.Values("Authorization")
	switch {
	case len(values) == 0:
		return "", unauthenticated(errNoCredential)
	case len(values) > 1:
		return "", unauthenticated("more than one Authorization header: send one credential")
	}
	cred, ok := ParseBearer(values[0])
	if !ok {
		return "", unauthenticated("the Authorization header is not `Bearer <key or token>`: " + errNoCredential)
	}
	return cred, nil
}

func unauthenticated(msg string) *connect.Error {
	err := connect.NewError(connect.CodeUnauthenticated, errors.New(msg))
	err.Meta().Set("WWW-Authenticate", `Bearer realm="ward"`)
	return err
}

// Authorize says whether a call of procedure with header may go on: nil, or a Connect error
// (unauthenticated without a valid credential, permission_denied for a token without the scope).
func (a *Authenticator) Authorize(ctx context.Context, procedure string, header http.Header) error {
	cred, err := bearer(header)
	if err != nil {
		return err
	}
	if a.keys.Match(cred) {
		return nil
	}
	if a.tokens == nil {
		return unauthenticated("the credential is not a known API key (this server issues no access tokens)")
	}
	in, err := a.tokens.Introspect(ctx, cred)
	if err != nil {
		a.log.WarnContext(ctx, "authenticating a call: introspection failed", "procedure", procedure, "error", err)
		return connect.NewError(connect.CodeUnavailable, errors.New("the credential cannot be verified now: try again"))
	}
	if !in.Active || in.TokenType != "access_token" {
		return unauthenticated("the credential is neither a known API key nor an active ward access token")
	}
	if in.Subject != in.ClientID || !in.AuthTime.IsZero() {
		return connect.NewError(connect.CodePermissionDenied, errors.New("ward's APIs take client-credentials access tokens; this token was granted by a user"))
	}
	scope, known := procedureScopes[procedure]
	if !known {
		return connect.NewError(connect.CodePermissionDenied, fmt.Errorf("no token scope grants %s: use an API key", procedure))
	}
	for _, s := range in.Scopes {
		if s == scope {
			return nil
		}
	}
	return connect.NewError(connect.CodePermissionDenied, fmt.Errorf("%s needs a token with the scope %s", procedure, scope))
}

// WrapUnary implements connect.Interceptor.
func (a *Authenticator) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if err := a.Authorize(ctx, req.Spec().Procedure, req.Header()); err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor; ward's servers make no client calls.
func (a *Authenticator) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (a *Authenticator) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if err := a.Authorize(ctx, conn.Spec().Procedure, conn.RequestHeader()); err != nil {
			return err
		}
		return next(ctx, conn)
	}
}
