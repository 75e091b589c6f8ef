package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// TestBuiltinPagesTOTP enrols an authenticator app through the built-in settings page (the test
// reads the secret the page shows beside the QR code and computes the codes), signs out, signs
// in with the password, is sent on to the second factor, and signs in at aal2 with a code.
func TestBuiltinPagesTOTP(t *testing.T) {
	public, _ := startSigninServer(t, func(c *serveConfig) { c.Identity.TOTPEnabled = true })
	b := newSigninBrowser(t, "totp")

	b.load("the registration page", chromedp.Navigate(public+"/ui/registration"))
	b.register(signinEmail, signinPassword)
	b.at("/ui/login")
	b.signIn(signinEmail, signinPassword)
	b.at("/ui/settings")

	// The QR code is an image the browser decoded, 256 pixels wide.
	width := signinTry(b, "the QR code", func(ctx context.Context) (int, error) {
		return chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { const i = document.querySelector('img[src^="data:image/png"]'); return i && i.complete ? i.naturalWidth : 0 })()`))
	})
	if width != 256 {
		t.Fatalf("the settings page's QR code is %d pixels wide, want a decoded 256", width)
	}
	secret := strings.TrimSpace(signinTry(b, "the TOTP secret", func(ctx context.Context) (string, error) {
		return chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p.node-text code`)))
	}))
	if len(secret) != 32 {
		t.Fatalf("the page shows the secret %q; want 32 base32 characters", secret)
	}
	b.screenshot("01-settings-enrol")
	code := func() string {
		c, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	b.do("a wrong code", fill(map[string]string{"totp_code": "000000x"}))
	b.load("submitting the wrong code", clickSubmit("totp"))
	if txt := b.text(); !strings.Contains(txt, "The provided authentication code is invalid, please try again.") {
		t.Fatalf("a wrong code shows no message:\n%s", txt)
	}
	b.screenshot("02-settings-wrong-code")
	b.do("the code", fill(map[string]string{"totp_code": code()}))
	b.load("submitting the code", clickSubmit("totp"))
	b.at("/ui/settings")
	if txt := b.text(); !strings.Contains(txt, "Your changes have been saved!") || !strings.Contains(txt, "Unlink TOTP Authenticator App") {
		t.Fatalf("the settings page after enrolment:\n%s", txt)
	}
	b.screenshot("03-settings-enrolled")

	b.signOut(public)
	b.signIn(signinEmail, signinPassword)
	// The password is not enough: the browser is on the second factor's login.
	b.at("/ui/login")
	b.do("the code form", chromedp.WaitVisible(chromedp.CSS(`input[name="totp_code"]`)))
	if n := signinTry(b, "the password inputs", func(ctx context.Context) (int, error) {
		return chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name="password"]').length`))
	}); n != 0 {
		t.Errorf("the aal2 login asks for the password again")
	}
	aal1 := b.cookie(public, "ward_session")
	if aal1 == nil {
		t.Fatal("no session cookie after the password")
	}
	if res := getWhoami(t, public, aal1.Value); res.StatusCode != http.StatusForbidden {
		t.Errorf("whoami after the password only: %s, want 403 session_aal2_required", res.Status)
	}
	b.screenshot("04-login-aal2")
	b.do("the code", fill(map[string]string{"totp_code": code()}))
	b.load("submitting the code", clickSubmit("totp"))
	b.at("/ui/settings")
	b.screenshot("05-signed-in-aal2")
	res := getWhoami(t, public, b.cookie(public, "ward_session").Value)
	var s struct {
		AAL     string `json:"authenticator_assurance_level"`
		Methods []struct {
			Method string `json:"method"`
		} `json:"authentication_methods"`
	}
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&s) != nil || s.AAL != "aal2" || len(s.Methods) != 2 || s.Methods[1].Method != "totp" {
		t.Fatalf("whoami after the code: %s %+v", res.Status, s)
	}
}
