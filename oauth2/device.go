package oauth2

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2/token"
	"github.com/wardhq/ward/store"
)

// userCodeAlphabet is RFC 8628 §6.1's: consonants only, upper case, no look-alikes and no words.
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// UserCodeLength is the number of characters of a user code, shown as XXXX-XXXX (about 34.6 bits).
const UserCodeLength = 8

// DeviceAuthorizationResponse is the answer of the device authorization endpoint (RFC 8628 §3.2).
type DeviceAuthorizationResponse struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int    `json:"expires_in"`
	Interval                int    `json:"interval"`
}

// deviceData is DeviceAuthorization.Data once approved.
type deviceData struct {
	Session  grantSession `json:"session"`
	AuthTime time.Time    `json:"auth_time"`
}

// DeviceAuthorize starts a device authorization (RFC 8628 §3.1) for an authenticated client that
// may use the device grant, asking for scope (space-separated) and audience. The user then opens
// VerificationURI, enters the user code, logs in and consents through the same apps as the
// authorization code flow.
func (p *Provider) DeviceAuthorize(ctx context.Context, c *Client, scope string, audience []string) (*DeviceAuthorizationResponse, error) {
	if !c.AllowsGrant(GrantDeviceCode) {
		return nil, UnauthorizedClient("the client may not use the device authorization grant")
	}
	scopes, err := ParseScope(scope)
	if err != nil {
		return nil, err
	}
	if err := CheckScopes(scopes, c.Scopes); err != nil {
		return nil, err
	}
	auds, err := parseAudiences(audience, c)
	if err != nil {
		return nil, err
	}
	now := p.now().UTC()
	deviceCode, sig := p.codec.Mint(token.DeviceCode)
	for range 3 { // a user code collision is rare (1 in 2^34 per pending code) but possible
		userCode := newUserCode()
		d := &store.DeviceAuthorization{
			DeviceCodeKey: token.StorageKey(sig), UserCodeKey: p.userCodeKey(userCode),
			ClientID: c.ID, Scopes: scopes, Audiences: auds, State: store.DevicePending,
			CreatedAt: now, ExpiresAt: now.Add(p.cfg.DeviceCodeLifetime),
		}
		err = p.st.CreateDeviceAuthorization(ctx, d)
		if fault.CodeOf(err) == fault.AlreadyExists {
			continue
		}
		if err != nil {
			return nil, AsError(err)
		}
		verify := p.endpoint(PathDeviceVerify)
		return &DeviceAuthorizationResponse{
			DeviceCode: deviceCode, UserCode: userCode, VerificationURI: verify,
			VerificationURIComplete: withQuery(verify, url.Values{"user_code": {userCode}}),
			ExpiresIn:               int(p.cfg.DeviceCodeLifetime / time.Second),
			Interval:                int((p.cfg.DevicePollInterval + time.Second - 1) / time.Second),
		}, nil
	}
	return nil, AsError(err)
}

// DeviceVerify serves the device verification endpoint (RFC 8628 §3.3) in a browser: with a
// user_code it starts the login-and-consent flow for the device; with a login_verifier or
// consent_verifier it continues it, as [Provider.Authorize] does; without either it asks for the
// user code (PageUserCodeForm). Errors are for the endpoint to show.
func (p *Provider) DeviceVerify(ctx context.Context, r BrowserRequest) (*BrowserResult, error) {
	switch {
	case r.Params.Has("login_verifier"):
		return p.afterLogin(ctx, r, PathDeviceVerify)
	case r.Params.Has("consent_verifier"):
		return p.afterConsent(ctx, r, PathDeviceVerify)
	case r.Params.Get("user_code") == "":
		return &BrowserResult{Page: PageUserCodeForm}, nil
	}
	code, ok := NormalizeUserCode(r.Params.Get("user_code"))
	if !ok {
		return nil, InvalidRequest("the code is not a code of %d letters", UserCodeLength)
	}
	d, err := p.st.GetDeviceByUserCode(ctx, p.userCodeKey(code))
	if err != nil {
		return nil, storeErr(err, InvalidRequest("the code is unknown or expired"))
	}
	if d.State != store.DevicePending || !p.now().Before(d.ExpiresAt) {
		return nil, InvalidRequest("the code is unknown or expired")
	}
	c, err := p.GetClient(ctx, d.ClientID)
	if err != nil {
		return nil, storeErr(err, InvalidRequest("the code is unknown or expired"))
	}
	fd := &flowData{
		Device: true, DeviceCodeKey: d.DeviceCodeKey, Scopes: d.Scopes, Audiences: d.Audiences,
		OIDC: OIDCContext{MaxAge: -1}, RequestURL: p.endpoint(PathDeviceVerify),
	}
	return p.startFlow(ctx, r, c, fd, func(e *Error) (*BrowserResult, error) { return nil, e })
}

// NormalizeUserCode returns a user code as ward stores it: upper case, without the dash and
// spaces people type. ok is false when it is not UserCodeLength letters of the alphabet.
func NormalizeUserCode(s string) (string, bool) {
	if len(s) > 32 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
		case strings.ContainsRune(userCodeAlphabet, r):
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	if b.Len() != UserCodeLength {
		return "", false
	}
	return b.String(), true
}

func newUserCode() string {
	var b [UserCodeLength]byte
	var out []byte
	for len(out) < UserCodeLength {
		rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
		for _, x := range b {
			if x < 240 && len(out) < UserCodeLength { // 240 = 12·20: no modulo bias
				out = append(out, userCodeAlphabet[int(x)%len(userCodeAlphabet)])
			}
		}
	}
	return string(out[:4]) + "-" + string(out[4:])
}

// userCodeKey is the store's key of a user code: an HMAC under the signing token secret, because
// a user code has too little entropy for a plain hash to hide it.
func (p *Provider) userCodeKey(code string) string {
	norm, _ := NormalizeUserCode(code)
	m := hmac.New(sha256.New, p.cfg.TokenSecrets[0])
	m.Write([]byte("user_code\x00" + norm))
	return hex.EncodeToString(m.Sum(nil))
}

func (p *Provider) approveDevice(ctx context.Context, fd *flowData, subject string, sess grantSession, now time.Time) error {
	d, err := p.st.GetDeviceByDeviceCode(ctx, fd.DeviceCodeKey)
	if err != nil {
		return storeErr(err, InvalidRequest("the device authorization expired"))
	}
	if !now.Before(d.ExpiresAt) {
		return InvalidRequest("the device authorization expired")
	}
	d.State, d.Subject = store.DeviceApproved, subject
	d.Scopes, d.Audiences = fd.GrantedScopes, fd.GrantedAudiences
	d.Data = marshal(deviceData{Session: sess, AuthTime: fd.AuthTime})
	if err := p.st.UpdateDeviceAuthorization(ctx, d, store.DevicePending); err != nil {
		return InvalidRequest("the device authorization was answered already").WithCause(err)
	}
	return nil
}

func (p *Provider) denyDevice(ctx context.Context, key string) error {
	d, err := p.st.GetDeviceByDeviceCode(ctx, key)
	if err != nil {
		return err
	}
	d.State = store.DeviceDenied
	return p.st.UpdateDeviceAuthorization(ctx, d, store.DevicePending)
}

// deviceDoneURL is where the browser goes after answering a device: Config.DeviceDoneURL with
// result=approved|denied, or the verification endpoint's own page.
func (p *Provider) deviceDoneURL(approved bool) string {
	result := "denied"
	if approved {
		result = "approved"
	}
	if p.cfg.DeviceDoneURL != "" {
		return withQuery(p.cfg.DeviceDoneURL, url.Values{"result": {result}})
	}
	if approved {
		return ""
	}
	return withQuery(p.endpoint(PathDeviceVerify), url.Values{"result": {result}})
}

// deviceCodeGrant exchanges an approved device code (RFC 8628 §3.4, §3.5).
func (p *Provider) deviceCodeGrant(ctx context.Context, c *Client, req TokenRequest) (*TokenResponse, error) {
	kind, sig, err := p.codec.Verify(req.DeviceCode)
	if err != nil || kind != token.DeviceCode {
		return nil, InvalidGrant("the device code is not valid")
	}
	now := p.now().UTC()
	prev, err := p.st.PollDevice(ctx, token.StorageKey(sig), now)
	if err != nil {
		return nil, storeErr(err, InvalidGrant("the device code is not valid"))
	}
	if prev.ClientID != c.ID {
		return nil, InvalidGrant("the device code was issued to another client")
	}
	if !now.Before(prev.ExpiresAt) {
		return nil, ExpiredToken("the device code has expired")
	}
	if !prev.LastPolledAt.IsZero() && now.Sub(prev.LastPolledAt) < p.cfg.DevicePollInterval {
		return nil, SlowDown("polling too often; wait %d seconds more between requests", 5)
	}
	switch prev.State {
	case store.DevicePending:
		return nil, AuthorizationPending("the user has not yet approved the device")
	case store.DeviceDenied:
		e := AccessDenied("the user denied the device")
		e.Status = 400 // RFC 8628 §3.5: an error response of the token endpoint
		return nil, e
	case store.DeviceDone:
		return nil, InvalidGrant("the device code was used already")
	}
	var dd deviceData
	if err := json.Unmarshal(prev.Data, &dd); err != nil {
		return nil, AsError(fault.Bugf("unreadable device data: %v", err))
	}
	prev.State = store.DeviceDone
	if err := p.st.UpdateDeviceAuthorization(ctx, prev, store.DeviceApproved); err != nil {
		if fault.CodeOf(err) == fault.FailedPrecondition {
			return nil, InvalidGrant("the device code was used already")
		}
		return nil, AsError(err)
	}
	g := &store.Grant{
		ID: randomID(), ClientID: c.ID, Subject: prev.Subject, Scopes: prev.Scopes,
		Audiences: prev.Audiences, AuthTime: dd.AuthTime, CreatedAt: now,
		ExpiresAt: now.Add(p.grantLifetime()), Session: marshal(dd.Session),
	}
	resp, recs, err := p.issue(ctx, c, g, &dd.Session, issueOptions{refresh: true, idToken: true}, now)
	if err != nil {
		return nil, err
	}
	if err := p.st.CreateGrant(ctx, g, recs...); err != nil {
		return nil, AsError(err)
	}
	return resp, nil
}

// DeviceRequest is a pending device authorization, as an admin or verification app sees it.
type DeviceRequest struct {
	UserCode           string // normalized: upper case, without the dash
	Client             *Client
	RequestedScopes    []string
	RequestedAudiences []string
	CreatedAt          time.Time
	ExpiresAt          time.Time
}

// GetDeviceRequest returns the pending device authorization of a user code. NotFound when there
// is none, it expired, or it was answered; InvalidArgument when the code is not of the code's
// alphabet and length.
func (p *Provider) GetDeviceRequest(ctx context.Context, userCode string) (*DeviceRequest, error) {
	d, c, err := p.pendingDevice(ctx, userCode)
	if err != nil {
		return nil, err
	}
	norm, _ := NormalizeUserCode(userCode)
	return &DeviceRequest{
		UserCode: norm, Client: c, RequestedScopes: d.Scopes, RequestedAudiences: d.Audiences,
		CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt,
	}, nil
}

// AcceptDevice approves the device of a user code for subject, granting what a is given (as
// AcceptConsent checks it), without the browser flow: for an app that verifies the user itself.
// The device's next poll gets its tokens. Errors as GetDeviceRequest, and InvalidArgument naming
// the field of a.
func (p *Provider) AcceptDevice(ctx context.Context, userCode, subject string, a ConsentAcceptance) error {
	d, _, err := p.pendingDevice(ctx, userCode)
	if err != nil {
		return err
	}
	if subject == "" {
		return fault.Invalid("subject", "the subject is required")
	}
	fd := &flowData{Scopes: d.Scopes, Audiences: d.Audiences}
	if err := checkConsent(fd, a); err != nil {
		return err
	}
	now := p.now().UTC()
	d.State, d.Subject = store.DeviceApproved, subject
	d.Scopes, d.Audiences = slices.Clone(a.GrantScopes), slices.Clone(a.GrantAudiences)
	d.Data = marshal(deviceData{
		Session:  grantSession{SID: randomID(), IDTokenClaims: a.IDTokenClaims, AccessTokenClaims: a.AccessTokenClaims},
		AuthTime: now,
	})
	return p.st.UpdateDeviceAuthorization(ctx, d, store.DevicePending)
}

// RejectDevice denies the device of a user code: its next poll gets access_denied. Errors as
// GetDeviceRequest.
func (p *Provider) RejectDevice(ctx context.Context, userCode string) error {
	d, _, err := p.pendingDevice(ctx, userCode)
	if err != nil {
		return err
	}
	d.State = store.DeviceDenied
	return p.st.UpdateDeviceAuthorization(ctx, d, store.DevicePending)
}

func (p *Provider) pendingDevice(ctx context.Context, userCode string) (*store.DeviceAuthorization, *Client, error) {
	if _, ok := NormalizeUserCode(userCode); !ok {
		return nil, nil, fault.Invalid("user_code", "not a code of %d letters of %s", UserCodeLength, userCodeAlphabet)
	}
	d, err := p.st.GetDeviceByUserCode(ctx, p.userCodeKey(userCode))
	if err != nil {
		return nil, nil, err
	}
	if d.State != store.DevicePending || !p.now().Before(d.ExpiresAt) {
		return nil, nil, fault.New(fault.NotFound, "no pending device authorization has this code")
	}
	c, err := p.GetClient(ctx, d.ClientID)
	if err != nil {
		return nil, nil, err
	}
	return d, c, nil
}
