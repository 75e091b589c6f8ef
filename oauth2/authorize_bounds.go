package oauth2

import (
	"net/url"
)

// Bounds on an authorization request, which anyone may send without credentials and whose flow
// the store keeps for Config.FlowLifetime: the flow keeps only the parameters below, each at most
// its bound, so one flow stores a few KiB at most however large the request.
const (
	// MaxAuthorizeRequest bounds the parameters of one authorization request together (names and
	// values), in bytes.
	MaxAuthorizeRequest = 16 << 10
	// maxAuthorizeParam bounds each parameter the flow keeps, unless authorizeParams says less.
	maxAuthorizeParam = 2048
)

// authorizeParams are the parameters of an authorization request that ward reads (RFC 6749 §4.1.1,
// RFC 7636, RFC 8707 as audience, OpenID Connect Core §3.1.2.1), with their bounds in bytes; 0
// means maxAuthorizeParam. Others are ignored and not kept.
var authorizeParams = map[string]int{
	"client_id": 0, "redirect_uri": 0, "response_type": 64, "response_mode": 64, "scope": 0,
	"state": 1024, "nonce": 1024, "code_challenge": 128, "code_challenge_method": 16, "prompt": 64,
	"max_age": 16, "audience": 0, "login_hint": 1024, "acr_values": 0, "ui_locales": 0, "display": 64,
	"id_token_hint": maxJWTLength, "claims_locales": 0,
}

// checkAuthorizeBounds refuses an authorization request larger than MaxAuthorizeRequest, or with a
// known parameter over its bound, naming it.
func checkAuthorizeBounds(q url.Values) error {
	total := 0
	for k, vs := range q {
		for _, v := range vs {
			total += len(k) + len(v)
			if bound, known := authorizeParams[k]; known {
				if bound == 0 {
					bound = maxAuthorizeParam
				}
				if len(v) > bound {
					return InvalidRequest("%s is longer than %d bytes", k, bound)
				}
			}
		}
	}
	if total > MaxAuthorizeRequest {
		return InvalidRequest("the authorization request is longer than %d bytes", MaxAuthorizeRequest)
	}
	return nil
}

// knownAuthorizeParams returns the parameters of q that ward reads, for the flow's RequestURL.
func knownAuthorizeParams(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		if _, known := authorizeParams[k]; known {
			out[k] = vs
		}
	}
	return out
}
