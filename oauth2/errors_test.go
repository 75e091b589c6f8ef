package oauth2_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2"
)

func TestErrorConstructors(t *testing.T) {
	for _, tc := range []struct {
		err    *oauth2.Error
		code   oauth2.ErrorCode
		status int
	}{
		{oauth2.InvalidRequest("x"), "invalid_request", http.StatusBadRequest},
		{oauth2.InvalidClient("x"), "invalid_client", http.StatusUnauthorized},
		{oauth2.InvalidGrant("x"), "invalid_grant", http.StatusBadRequest},
		{oauth2.UnauthorizedClient("x"), "unauthorized_client", http.StatusBadRequest},
		{oauth2.UnsupportedGrantType("x"), "unsupported_grant_type", http.StatusBadRequest},
		{oauth2.UnsupportedResponseType("x"), "unsupported_response_type", http.StatusBadRequest},
		{oauth2.InvalidScope("x"), "invalid_scope", http.StatusBadRequest},
		{oauth2.AccessDenied("x"), "access_denied", http.StatusForbidden},
		{oauth2.AuthorizationPending("x"), "authorization_pending", http.StatusBadRequest},
		{oauth2.SlowDown("x"), "slow_down", http.StatusBadRequest},
		{oauth2.ExpiredToken("x"), "expired_token", http.StatusBadRequest},
		{oauth2.ServerError("x"), "server_error", http.StatusInternalServerError},
		{oauth2.TemporarilyUnavailable("x"), "temporarily_unavailable", http.StatusServiceUnavailable},
	} {
		if tc.err.Code != tc.code || tc.err.Status != tc.status || tc.err.Description != "x" {
			t.Errorf("%+v; want code %s, status %d", tc.err, tc.code, tc.status)
		}
	}
}

func TestErrorJSONKeepsCauseOut(t *testing.T) {
	secret := errors.New("db row 42: client_secret=hunter2")
	e := oauth2.InvalidGrant("the %s has expired", "authorization code").WithCause(secret)
	e.URI = "https://ward.example/docs/errors#invalid_grant"
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"error":"invalid_grant","error_description":"the authorization code has expired",` +
		`"error_uri":"https://ward.example/docs/errors#invalid_grant"}`
	if string(b) != want {
		t.Errorf("JSON %s; want %s", b, want)
	}
	if !errors.Is(e, secret) {
		t.Error("the cause is not in the chain")
	}
	if got := e.Error(); got != "invalid_grant: the authorization code has expired: "+secret.Error() {
		t.Errorf("Error() = %q", got)
	}
	b, _ = json.Marshal(oauth2.SlowDown(""))
	if string(b) != `{"error":"slow_down"}` {
		t.Errorf("JSON %s; want only the code", b)
	}
}

func TestErrorIsComparesCodes(t *testing.T) {
	err := fmt.Errorf("refresh: %w", oauth2.InvalidGrant("reused"))
	if !errors.Is(err, &oauth2.Error{Code: oauth2.CodeInvalidGrant}) {
		t.Error("errors.Is does not match the code")
	}
	if errors.Is(err, &oauth2.Error{Code: oauth2.CodeInvalidRequest}) {
		t.Error("errors.Is matches another code")
	}
}

func TestDescriptionIsSanitized(t *testing.T) {
	e := oauth2.InvalidRequest("scope %q has a \\ and \x00 and é", "a\"b")
	for i := 0; i < len(e.Description); i++ {
		if c := e.Description[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			t.Fatalf("description %q holds %#x, which RFC 6749 forbids", e.Description, c)
		}
	}
	if want := "scope 'a/'b' has a / and ? and ??"; e.Description != want {
		t.Errorf("description %q; want %q", e.Description, want)
	}
}

func TestAsError(t *testing.T) {
	grant := oauth2.InvalidGrant("used")
	for _, tc := range []struct {
		name string
		in   error
		code oauth2.ErrorCode
		desc string
	}{
		{"oauth2 error", fmt.Errorf("wrapped: %w", grant), oauth2.CodeInvalidGrant, "used"},
		{"invalid argument", fault.Invalid("client_id", "is empty"), oauth2.CodeInvalidRequest, "client_id: is empty"},
		{"unavailable", fault.New(fault.Unavailable, "db down"), oauth2.CodeTemporarilyUnavailable, ""},
		{"internal", errors.New("nil pointer"), oauth2.CodeServerError, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := oauth2.AsError(tc.in)
			if got.Code != tc.code || tc.desc != "" && got.Description != tc.desc {
				t.Fatalf("AsError = %+v; want %s %q", got, tc.code, tc.desc)
			}
			if !errors.Is(got, tc.in) && got != grant {
				t.Error("the original error is lost")
			}
			if tc.code == oauth2.CodeServerError && got.Description == tc.in.Error() {
				t.Error("an internal error's text reaches the client")
			}
		})
	}
	if oauth2.AsError(nil) != nil {
		t.Error("AsError(nil) != nil")
	}
}
