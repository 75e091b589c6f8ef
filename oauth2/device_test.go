package oauth2_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store/memory"
)

// The device-verification methods of the admin API: an app that verifies the user itself approves
// or denies a user code, and the device's next poll gets the answer.
func TestDeviceAdminMethods(t *testing.T) {
	ctx := context.Background()
	p := newProvider(t, memory.NewOAuth2Store(), nil)
	tv, _, err := p.CreateClient(ctx, oauth2.Client{
		ID: "tv", AuthMethod: oauth2.AuthNone,
		GrantTypes: []oauth2.GrantType{oauth2.GrantDeviceCode, oauth2.GrantRefreshToken},
		Scopes:     []string{"openid", "offline_access", "profile"},
	})
	if err != nil {
		t.Fatal(err)
	}
	poll := func(deviceCode string) (*oauth2.TokenResponse, error) {
		return p.Token(ctx, tv, oauth2.TokenRequest{GrantType: oauth2.GrantDeviceCode, DeviceCode: deviceCode})
	}

	da, err := p.DeviceAuthorize(ctx, tv, "openid offline_access", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(da.UserCode) != 9 || da.UserCode[4] != '-' || da.Interval != 5 || da.ExpiresIn != 600 {
		t.Errorf("device authorization %+v", da)
	}
	req, err := p.GetDeviceRequest(ctx, strings.ToLower(da.UserCode))
	if err != nil {
		t.Fatal(err)
	}
	if req.Client.ID != "tv" || strings.Join(req.RequestedScopes, " ") != "openid offline_access" || req.UserCode != strings.ReplaceAll(da.UserCode, "-", "") {
		t.Errorf("device request %+v", req)
	}
	var fe *fault.Error
	if err := p.AcceptDevice(ctx, da.UserCode, "alice", oauth2.ConsentAcceptance{GrantScopes: []string{"profile"}}); !errors.As(err, &fe) || fe.Field != "grant_scopes[0]" {
		t.Errorf("granting a scope not requested: %v", err)
	}
	if _, err := poll(da.DeviceCode); !errors.Is(err, &oauth2.Error{Code: oauth2.CodeAuthorizationPending}) {
		t.Errorf("poll before approval: %v; want authorization_pending", err)
	}
	if err := p.AcceptDevice(ctx, da.UserCode, "alice", oauth2.ConsentAcceptance{GrantScopes: []string{"openid", "offline_access"}}); err != nil {
		t.Fatal(err)
	}
	_, err = p.GetDeviceRequest(ctx, da.UserCode)
	wantCode(t, "a device request after its approval", err, fault.NotFound)
	// The poll comes right after the previous one: slow_down, then (the interval respected) tokens.
	if _, err := poll(da.DeviceCode); !errors.Is(err, &oauth2.Error{Code: oauth2.CodeSlowDown}) {
		t.Errorf("a poll within the interval: %v; want slow_down", err)
	}

	da2, err := p.DeviceAuthorize(ctx, tv, "openid", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.RejectDevice(ctx, da2.UserCode); err != nil {
		t.Fatal(err)
	}
	if _, err := poll(da2.DeviceCode); !errors.Is(err, &oauth2.Error{Code: oauth2.CodeAccessDenied}) {
		t.Errorf("poll of a denied device: %v; want access_denied", err)
	} else if oauth2.AsError(err).Status != 400 {
		t.Errorf("access_denied at the token endpoint has status %d; want 400", oauth2.AsError(err).Status)
	}

	_, err = p.GetDeviceRequest(ctx, "BCDF-GHJK")
	wantCode(t, "an unknown user code", err, fault.NotFound)
	_, err = p.GetDeviceRequest(ctx, "AAAA-AAAA")
	wantCode(t, "a malformed user code", err, fault.InvalidArgument)
	if _, err := p.DeviceAuthorize(ctx, tv, "admin", nil); !errors.Is(err, &oauth2.Error{Code: oauth2.CodeInvalidScope}) {
		t.Errorf("a device asking for a scope its client may not have: %v", err)
	}
}

// An approved device gets its tokens on a poll that respects the interval.
func TestDeviceApprovedPoll(t *testing.T) {
	ctx := context.Background()
	p := newProvider(t, memory.NewOAuth2Store(), nil)
	tv, _, err := p.CreateClient(ctx, oauth2.Client{
		ID: "tv", AuthMethod: oauth2.AuthNone,
		GrantTypes: []oauth2.GrantType{oauth2.GrantDeviceCode, oauth2.GrantRefreshToken},
		Scopes:     []string{"openid", "offline_access"},
	})
	if err != nil {
		t.Fatal(err)
	}
	da, err := p.DeviceAuthorize(ctx, tv, "openid offline_access", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AcceptDevice(ctx, da.UserCode, "alice", oauth2.ConsentAcceptance{GrantScopes: []string{"openid", "offline_access"}}); err != nil {
		t.Fatal(err)
	}
	resp, err := p.Token(ctx, tv, oauth2.TokenRequest{GrantType: oauth2.GrantDeviceCode, DeviceCode: da.DeviceCode})
	if err != nil {
		t.Fatal(err)
	}
	if resp.AccessToken == "" || resp.RefreshToken == "" || resp.IDToken == "" {
		t.Errorf("device tokens %+v", resp)
	}
	in, err := p.Introspect(ctx, resp.AccessToken)
	if err != nil || !in.Active || in.Subject != "alice" {
		t.Errorf("introspection %+v, %v", in, err)
	}
}
