package oauth2

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wardhq/ward/fault"
)

// GrantType is a value of the token endpoint's grant_type parameter.
type GrantType string

// The grant types ward implements.
const (
	GrantAuthorizationCode GrantType = "authorization_code"
	GrantClientCredentials GrantType = "client_credentials"
	GrantRefreshToken      GrantType = "refresh_token"
	GrantDeviceCode        GrantType = "urn:ietf:params:oauth:grant-type:device_code" // RFC 8628
)

// GrantTypes lists every grant type ward implements.
var GrantTypes = []GrantType{GrantAuthorizationCode, GrantClientCredentials, GrantRefreshToken, GrantDeviceCode}

// Access token formats of a client.
const (
	AccessTokenOpaque = "opaque"
	AccessTokenJWT    = "jwt" // RFC 9068
)

// ResponseTypeCode is the one response type of the authorization endpoint ward implements: the
// authorization code (no implicit or hybrid flows, as OAuth 2.1 advises).
const ResponseTypeCode = "code"

// AuthMethod is how a client authenticates at the token, introspection and revocation endpoints
// (RFC 7591 token_endpoint_auth_method).
type AuthMethod string

// The client authentication methods ward implements.
const (
	AuthClientSecretBasic AuthMethod = "client_secret_basic" // HTTP Basic with the client ID and secret
	AuthClientSecretPost  AuthMethod = "client_secret_post"  // client_id and client_secret in the form
	AuthPrivateKeyJWT     AuthMethod = "private_key_jwt"     // a JWT signed with a key of the client's JWKS (RFC 7523)
	AuthNone              AuthMethod = "none"                // a public client: no secret
)

// AuthMethods lists every client authentication method ward implements.
var AuthMethods = []AuthMethod{AuthClientSecretBasic, AuthClientSecretPost, AuthPrivateKeyJWT, AuthNone}

// Limits on a client's fields.
const (
	MaxClientIDLength    = 255
	MaxClientNameLength  = 255
	MaxRedirectURILength = 2048
	MaxRedirectURIs      = 32
	MaxAudienceLength    = 2048
	MaxAudiences         = 32
)

// Client is a registered OAuth2 client. The fields' names in errors are those of RFC 7591 where it
// has one (redirect_uris, token_endpoint_auth_method, …).
type Client struct {
	ID         string
	SecretHash string // HashSecret of the secret, for client_secret_basic and client_secret_post; "" otherwise
	Name       string // for humans, on consent screens

	// RedirectURIs are compared with a request's redirect_uri by exact string equality.
	RedirectURIs  []string
	GrantTypes    []GrantType
	ResponseTypes []string // ["code"] when GrantTypes holds authorization_code; empty otherwise
	Scopes        []string // the scopes the client may request
	Audiences     []string // the audiences the client may request for its tokens

	AuthMethod AuthMethod      // token_endpoint_auth_method
	JWKS       json.RawMessage // the public keys of a private_key_jwt client, as a JSON Web Key Set

	// PostLogoutRedirectURIs are where RP-initiated logout may send the browser back to, compared
	// by exact string equality like RedirectURIs.
	PostLogoutRedirectURIs []string
	// AccessTokenFormat is AccessTokenOpaque or AccessTokenJWT; "" follows the server's default.
	AccessTokenFormat string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Public reports whether c is a public client, one that holds no credentials (auth method none).
func (c *Client) Public() bool { return c.AuthMethod == AuthNone }

// AllowsGrant reports whether c may use grant type g.
func (c *Client) AllowsGrant(g GrantType) bool { return slices.Contains(c.GrantTypes, g) }

// MatchRedirectURI reports whether uri is one of c's redirect URIs. The comparison is exact string
// equality (RFC 6749 §3.1.2.3, OAuth 2.1 §2.3.1): no normalisation, no prefix or pattern
// matching, no case folding, so that a URI differing in any character is refused — with one
// exception, the port of a loopback IP URI registered without one (RFC 8252 §7.3,
// [matchLoopbackPort]).
func (c *Client) MatchRedirectURI(uri string) bool {
	return slices.Contains(c.RedirectURIs, uri) ||
		slices.ContainsFunc(c.RedirectURIs, func(reg string) bool { return matchLoopbackPort(reg, uri) })
}

// ResolveRedirectURI returns the redirect URI an authorization request uses: requested when it
// matches one of c's, or c's only one when requested is empty (RFC 6749 §3.1.2.3; OpenID Connect
// requires the parameter, which is the caller's check). The error is invalid_request; the endpoint
// must show it to the user rather than redirect to an unverified URI.
func (c *Client) ResolveRedirectURI(requested string) (string, error) {
	switch {
	case requested != "":
		if c.MatchRedirectURI(requested) {
			return requested, nil
		}
		return "", InvalidRequest("redirect_uri is not one of the client's registered redirect URIs")
	case len(c.RedirectURIs) == 1:
		return c.RedirectURIs[0], nil
	case len(c.RedirectURIs) == 0:
		return "", InvalidRequest("the client has no registered redirect URI")
	}
	return "", InvalidRequest("redirect_uri is required: the client has several registered redirect URIs")
}

// Validate checks that c is a coherent client. The error is InvalidArgument naming the field at
// fault, such as "redirect_uris[1]". Among the rules:
//
//   - a public client (auth method none) cannot use client_credentials, nor hold a secret or keys;
//   - client_secret_basic and client_secret_post need a secret hash, private_key_jwt a JWKS;
//   - authorization_code needs at least one redirect URI and the response type "code";
//   - refresh_token needs a grant that issues refresh tokens (authorization_code or device code);
//   - a redirect URI is absolute, has no fragment or user information, and is https, or http on a
//     loopback host (localhost, 127.0.0.0/8, [::1]) for native apps (RFC 8252 §7.3);
//   - scopes are RFC 6749 scope tokens; lists hold no duplicates.
func (c *Client) Validate() error {
	if err := validateClientID(c.ID); err != nil {
		return err
	}
	if err := validateName(c.Name); err != nil {
		return err
	}
	if err := c.validateAuth(); err != nil {
		return err
	}
	if err := c.validateGrants(); err != nil {
		return err
	}
	if len(c.RedirectURIs) > MaxRedirectURIs {
		return fault.Invalid("redirect_uris", "%d redirect URIs; the limit is %d", len(c.RedirectURIs), MaxRedirectURIs)
	}
	for i, u := range c.RedirectURIs {
		field := fmt.Sprintf("redirect_uris[%d]", i)
		if err := ValidateRedirectURI(u); err != nil {
			return fault.InField(field, err)
		}
		if slices.Contains(c.RedirectURIs[:i], u) {
			return fault.Invalid(field, "%s appears twice", truncate(u))
		}
	}
	if len(c.PostLogoutRedirectURIs) > MaxRedirectURIs {
		return fault.Invalid("post_logout_redirect_uris", "%d URIs; the limit is %d", len(c.PostLogoutRedirectURIs), MaxRedirectURIs)
	}
	for i, u := range c.PostLogoutRedirectURIs {
		field := fmt.Sprintf("post_logout_redirect_uris[%d]", i)
		if err := ValidateRedirectURI(u); err != nil {
			return fault.InField(field, err)
		}
		if slices.Contains(c.PostLogoutRedirectURIs[:i], u) {
			return fault.Invalid(field, "%s appears twice", truncate(u))
		}
	}
	switch c.AccessTokenFormat {
	case "", AccessTokenOpaque, AccessTokenJWT:
	default:
		return fault.Invalid("access_token_format", "%q is not one of %q, %q", truncate(c.AccessTokenFormat), AccessTokenOpaque, AccessTokenJWT)
	}
	if len(c.Scopes) > MaxScopes {
		return fault.Invalid("scopes", "%d scopes; the limit is %d", len(c.Scopes), MaxScopes)
	}
	for i, s := range c.Scopes {
		if err := validateToken(s, fmt.Sprintf("scopes[%d]", i), c.Scopes[:i], MaxScopeLength); err != nil {
			return err
		}
	}
	if len(c.Audiences) > MaxAudiences {
		return fault.Invalid("audiences", "%d audiences; the limit is %d", len(c.Audiences), MaxAudiences)
	}
	for i, a := range c.Audiences {
		if err := validateToken(a, fmt.Sprintf("audiences[%d]", i), c.Audiences[:i], MaxAudienceLength); err != nil {
			return err
		}
	}
	if !c.CreatedAt.IsZero() && !c.UpdatedAt.IsZero() && c.UpdatedAt.Before(c.CreatedAt) {
		return fault.Invalid("updated_at", "a client cannot be updated before it was created")
	}
	return nil
}

func (c *Client) validateAuth() error {
	switch c.AuthMethod {
	case AuthClientSecretBasic, AuthClientSecretPost:
		if c.SecretHash == "" {
			return fault.Invalid("client_secret", "%s needs a client secret", c.AuthMethod)
		}
		if err := validateSecretHash(c.SecretHash); err != nil {
			return err
		}
	case AuthNone, AuthPrivateKeyJWT:
		if c.SecretHash != "" {
			return fault.Invalid("client_secret", "a client authenticating with %s has no secret", c.AuthMethod)
		}
	case "":
		return fault.Invalid("token_endpoint_auth_method", "the authentication method is missing; one of %v", AuthMethods)
	default:
		return fault.Invalid("token_endpoint_auth_method", "%q is not one of %v", truncate(string(c.AuthMethod)), AuthMethods)
	}
	if c.AuthMethod == AuthPrivateKeyJWT {
		if len(c.JWKS) == 0 {
			return fault.Invalid("jwks", "private_key_jwt needs the client's public keys")
		}
		if _, err := ParseJWKS(c.JWKS); err != nil {
			return fault.InField("jwks", err)
		}
	} else if len(c.JWKS) != 0 {
		return fault.Invalid("jwks", "only a private_key_jwt client has keys")
	}
	return nil
}

func (c *Client) validateGrants() error {
	if len(c.GrantTypes) == 0 {
		return fault.Invalid("grant_types", "a client needs at least one grant type, of %v", GrantTypes)
	}
	for i, g := range c.GrantTypes {
		field := fmt.Sprintf("grant_types[%d]", i)
		if !slices.Contains(GrantTypes, g) {
			return fault.Invalid(field, "%q is not one of %v", truncate(string(g)), GrantTypes)
		}
		if slices.Contains(c.GrantTypes[:i], g) {
			return fault.Invalid(field, "%s appears twice", g)
		}
	}
	if c.Public() && c.AllowsGrant(GrantClientCredentials) {
		return fault.Invalid("grant_types", "a public client (auth method none) cannot use client_credentials")
	}
	if c.AllowsGrant(GrantRefreshToken) && !c.AllowsGrant(GrantAuthorizationCode) && !c.AllowsGrant(GrantDeviceCode) {
		return fault.Invalid("grant_types", "refresh_token needs a grant that issues refresh tokens: %s or %s",
			GrantAuthorizationCode, GrantDeviceCode)
	}
	for i, r := range c.ResponseTypes {
		field := fmt.Sprintf("response_types[%d]", i)
		if r != ResponseTypeCode {
			return fault.Invalid(field, "%q is not supported; the only response type is %q", truncate(r), ResponseTypeCode)
		}
		if i > 0 {
			return fault.Invalid(field, "%s appears twice", r)
		}
	}
	if c.AllowsGrant(GrantAuthorizationCode) {
		if len(c.ResponseTypes) == 0 {
			return fault.Invalid("response_types", "authorization_code needs response type %q", ResponseTypeCode)
		}
		if len(c.RedirectURIs) == 0 {
			return fault.Invalid("redirect_uris", "authorization_code needs at least one redirect URI")
		}
	} else if len(c.ResponseTypes) != 0 {
		return fault.Invalid("response_types", "response type %q needs the authorization_code grant", ResponseTypeCode)
	}
	return nil
}

// ValidateRedirectURI checks one redirect URI for registration: at most MaxRedirectURILength bytes
// of printable ASCII; absolute with a host; no fragment (RFC 6749 §3.1.2) and no user information;
// https, or http on a loopback host. The error is InvalidArgument.
func ValidateRedirectURI(uri string) error {
	if uri == "" {
		return fault.Invalid("", "the redirect URI is empty")
	}
	if len(uri) > MaxRedirectURILength {
		return fault.Invalid("", "the redirect URI is %d bytes long; the limit is %d", len(uri), MaxRedirectURILength)
	}
	for i := 0; i < len(uri); i++ {
		if c := uri[i]; c <= 0x20 || c >= 0x7f {
			return fault.Invalid("", "the redirect URI holds byte %#x at %d; write it percent-encoded", c, i)
		}
	}
	if strings.Contains(uri, "#") {
		return fault.Invalid("", "%s has a fragment; a redirect URI must not", truncate(uri))
	}
	u, err := url.Parse(uri)
	if err != nil {
		return fault.Invalid("", "%s is not a URI: %v", truncate(uri), errorWithoutURL(err))
	}
	if u.Scheme == "" || u.Opaque != "" || u.Host == "" {
		return fault.Invalid("", "%s is not an absolute URI with a host", truncate(uri))
	}
	if u.User != nil {
		return fault.Invalid("", "%s holds user information; a redirect URI must not", truncate(uri))
	}
	host := u.Hostname()
	if !validHost(host) {
		return fault.Invalid("", "%s has host %q, which is neither a DNS name nor an IP address", truncate(uri), truncate(host))
	}
	// url.Parse lower-cases the scheme; requiring the raw prefix keeps registered URIs canonical.
	switch {
	case strings.HasPrefix(uri, "https://"):
	case strings.HasPrefix(uri, "http://"):
		if !loopbackHost(host) {
			return fault.Invalid("", "%s uses http; only loopback hosts (localhost, 127.0.0.1, [::1]) may", truncate(uri))
		}
	default:
		return fault.Invalid("", "%s must use https (or http on a loopback host), in lower case", truncate(uri))
	}
	return nil
}

func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validHost reports whether host is an IP address or a DNS name of letters, digits, '-' and '.'.
func validHost(host string) bool {
	if host == "" {
		return false
	}
	if net.ParseIP(host) != nil {
		return true
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return host[0] != '.' && host[0] != '-' && !strings.Contains(host, "..")
}

// errorWithoutURL returns the reason of a url.Parse error without the URL it quotes.
func errorWithoutURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// validateClientID checks a client ID: 1 to MaxClientIDLength bytes of URL-unreserved characters
// (A-Z a-z 0-9 - . _ ~), which travel unescaped in forms, URLs and HTTP Basic credentials.
func validateClientID(id string) error {
	switch {
	case id == "":
		return fault.Invalid("client_id", "the client ID is empty")
	case len(id) > MaxClientIDLength:
		return fault.Invalid("client_id", "the client ID is %d bytes long; the limit is %d", len(id), MaxClientIDLength)
	}
	if !verifierSyntax(id) { // the same alphabet as a PKCE verifier: RFC 3986 unreserved
		return fault.Invalid("client_id", "a client ID may hold only A-Z a-z 0-9 - . _ ~")
	}
	return nil
}

func validateName(name string) error {
	switch {
	case len(name) > MaxClientNameLength:
		return fault.Invalid("client_name", "the name is %d bytes long; the limit is %d", len(name), MaxClientNameLength)
	case !utf8.ValidString(name):
		return fault.Invalid("client_name", "the name is not valid UTF-8")
	case strings.ContainsFunc(name, unicode.IsControl):
		return fault.Invalid("client_name", "the name holds a control character")
	}
	return nil
}

// validateToken checks a scope or an audience: an RFC 6749 scope token of at most max bytes that is
// not among earlier.
func validateToken(s, field string, earlier []string, max int) error {
	if len(s) > max {
		return fault.Invalid(field, "%d bytes long; the limit is %d", len(s), max)
	}
	if problem := scopeTokenProblem(s); problem != "" {
		return fault.Invalid(field, "%s", problem)
	}
	if slices.Contains(earlier, s) {
		return fault.Invalid(field, "%s appears twice", truncate(s))
	}
	return nil
}
