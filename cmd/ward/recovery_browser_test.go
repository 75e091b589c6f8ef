package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wardhq/ward/identity/courier/smtptest"
)

var recoveryCodeLine = regexp.MustCompile(`(?m)^([0-9]{6})\r?$`)

// TestBuiltinPagesRecovery forgets the password and recovers it with the emailed code, in
// headless Chromium on a real `ward serve` whose courier sends to an SMTP server: from the login
// page's link to the recovery page, the email, the code, the settings page the recovered session
// lands on, a new password set there at once, and a sign-in with it.
func TestBuiltinPagesRecovery(t *testing.T) {
	mail := smtptest.Start(t)
	public, _ := startSigninServer(t, func(c *serveConfig) {
		c.Identity.Recovery.Enabled = true
		c.Courier.SMTP.ConnectionURI = mail.URI()
		c.Courier.SMTP.FromAddress = "no-reply@ward.example"
		c.Courier.Worker.PullWait = 50 * time.Millisecond
	})
	b := newSigninBrowser(t, "recovery")

	b.load("the registration page", chromedp.Navigate(public+"/ui/registration"))
	b.register(signinEmail, signinPassword)
	b.at("/ui/login")
	b.load("the recovery link", chromedp.Click(chromedp.CSS(`a[href$="/self-service/recovery/browser"]`)))
	b.at("/ui/recovery")
	b.screenshot("01-recovery")

	b.do("the email", chromedp.WaitVisible(chromedp.CSS(`input[name="email"]`)), fill(map[string]string{"email": signinEmail}))
	b.load("sending the code", clickSubmit("code"))
	b.at("/ui/recovery")
	if txt := b.text(); !strings.Contains(txt, "An email containing a recovery code has been sent to the email address you provided.") {
		t.Errorf("the recovery page after the email:\n%s", txt)
	}
	b.screenshot("02-recovery-code-sent")

	msgs := mail.WaitFor(1, 20*time.Second)
	if len(msgs) != 1 || msgs[0].EnvelopeTo[0] != signinEmail {
		t.Fatalf("the mailbox holds %+v", msgs)
	}
	code := recoveryCodeLine.FindStringSubmatch(msgs[0].Plain)
	if code == nil {
		t.Fatalf("no code in the email %q", msgs[0].Plain)
	}
	b.do("the code", chromedp.WaitVisible(chromedp.CSS(`input[name="code"]`)), fill(map[string]string{"code": code[1]}))
	b.load("submitting the code", clickSubmit("code"))
	b.at("/ui/settings")
	if txt := b.text(); !strings.Contains(txt, "You successfully recovered your account.") {
		t.Errorf("the settings page after recovery:\n%s", txt)
	}
	b.screenshot("03-settings-after-recovery")
	if c := b.cookie(public, "ward_session"); c == nil || c.Value == "" {
		t.Fatal("the recovered browser has no session cookie")
	}

	b.do("the new password", fill(map[string]string{"password": signinNextPassword}))
	b.load("saving the password", clickSubmit("password"))
	b.at("/ui/settings")
	if txt := b.text(); !strings.Contains(txt, "Your changes have been saved!") {
		t.Errorf("the settings page after the new password:\n%s", txt)
	}
	b.screenshot("04-new-password-saved")

	b.signOut(public)
	b.signIn(signinEmail, signinPassword)
	b.at("/ui/login")
	b.signIn(signinEmail, signinNextPassword)
	b.at("/ui/settings")
	b.screenshot("05-signed-in-with-new-password")
}
