package pages_test

import (
	"net/http"
	"testing"

	"github.com/wardhq/ward/api/pages"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

// The values the fixtures put where a page must not show them as they are.
const (
	// secretPassword is in every password input of the fixtures; no page may send it.
	secretPassword = "hunter2-secret"
	// hostileTrait is a trait value that would break out of its attribute if it were not escaped.
	hostileTrait = `"><script>alert(1)</script>`
)

// qrPNG is a tiny PNG as a data URL, as Kratos sends a TOTP QR code.
const qrPNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="

func loginForm(withErrors bool) *ui.Container {
	c := ui.New("/self-service/login?flow=f-login")
	c.SetCSRF("csrf-login")
	c.Nodes.Upsert(ui.NewInput("identifier", "ada@example.com", ui.GroupDefault, ui.InputTypeText).WithLabel(text.LabelID()))
	c.Nodes.Find("identifier").Input().Required = true
	c.Nodes.Find("identifier").Input().Autocomplete = ui.AutocompleteEmail
	pw := ui.NewInput("password", secretPassword, ui.GroupPassword, ui.InputTypePassword).WithLabel(text.LabelPassword())
	pw.Input().Required = true
	pw.Input().Autocomplete = ui.AutocompleteCurrentPassword
	c.Nodes.Upsert(pw)
	c.Nodes.Append(ui.NewInput("method", "password", ui.GroupPassword, ui.InputTypeSubmit).WithLabel(text.LoginSignIn()))
	c.Nodes.Sort(ui.LoginOrder())
	if withErrors {
		c.AddMessage(text.InvalidCredentials())
		c.AddMessage(text.Required("password"), "password")
	}
	return c
}

func registrationForm(withErrors bool) *ui.Container {
	keys := []string{"traits.email", "traits.name.first"}
	c := ui.New("/self-service/registration?flow=f-reg")
	c.SetCSRF("csrf-reg")
	email := ui.NewInput("traits.email", "ada@example", ui.GroupPassword, ui.InputTypeEmail).WithLabel(text.LabelGenerated("E-Mail"))
	email.Input().Required = true
	email.Input().Autocomplete = ui.AutocompleteEmail
	c.Nodes.Upsert(email)
	first := ui.NewInput("traits.name.first", hostileTrait, ui.GroupPassword, ui.InputTypeText).WithLabel(text.LabelGenerated("First name"))
	first.Input().Pattern = `[^0-9]+`
	first.Input().MaxLength = 64
	c.Nodes.Upsert(first)
	pw := ui.NewInput("password", secretPassword, ui.GroupPassword, ui.InputTypePassword).WithLabel(text.LabelPassword())
	pw.Input().Required = true
	pw.Input().Autocomplete = ui.AutocompleteNewPassword
	c.Nodes.Upsert(pw)
	c.Nodes.Append(ui.NewInput("method", "password", ui.GroupPassword, ui.InputTypeSubmit).WithLabel(text.RegistrationSignUp()))
	c.Nodes.Sort(ui.RegistrationOrder(keys))
	if withErrors {
		c.AddMessage(text.ValidationGeneric("Please correct the fields marked below."))
		c.AddMessage(text.InvalidFormat("email"), "traits.email")
		c.AddMessage(text.PasswordMinLength(8, 5), "password")
		c.AddMessage(text.PasswordIdentifierTooSimilar(), "password")
	}
	return c
}

func settingsForm(withErrors bool) *ui.Container {
	keys := []string{"traits.email", "traits.name.first"}
	c := ui.New("/self-service/settings?flow=f-set")
	c.SetCSRF("csrf-set")
	c.Nodes.Upsert(ui.NewInput("traits.email", "ada@example.com", ui.GroupProfile, ui.InputTypeEmail).WithLabel(text.LabelGenerated("E-Mail")))
	c.Nodes.Upsert(ui.NewInput("traits.name.first", "Ada", ui.GroupProfile, ui.InputTypeText).WithLabel(text.LabelGenerated("First name")))
	c.Nodes.Upsert(ui.NewInput("traits.newsletter", true, ui.GroupProfile, ui.InputTypeCheckbox).WithLabel(text.LabelGenerated("Send me the newsletter")))
	c.Nodes.Append(ui.NewInput("method", "profile", ui.GroupProfile, ui.InputTypeSubmit).WithLabel(text.LabelSave()))
	c.Nodes.Upsert(ui.NewInput("password", secretPassword, ui.GroupPassword, ui.InputTypePassword).WithLabel(text.LabelPassword()))
	c.Nodes.Append(ui.NewInput("method", "password", ui.GroupPassword, ui.InputTypeSubmit).WithLabel(text.LabelSave()))
	c.Nodes.Append(ui.NewImage(ui.TOTPQR, qrPNG, 96, 96, ui.GroupTOTP).WithLabel(text.SettingsTOTPQRCode()))
	c.Nodes.Append(ui.NewText(ui.TOTPSecretKey, text.SettingsTOTPSecret("JBSWY3DPEHPK3PXP"), ui.GroupTOTP).WithLabel(text.SettingsTOTPSecretLabel()))
	c.Nodes.Upsert(ui.NewInput(ui.TOTPCode, "", ui.GroupTOTP, ui.InputTypeText).WithLabel(text.LabelVerifyOTP()))
	c.Nodes.Find(ui.TOTPCode).Input().Autocomplete = ui.AutocompleteOneTimeCode
	c.Nodes.Append(ui.NewInput("method", "totp", ui.GroupTOTP, ui.InputTypeSubmit).WithLabel(text.LabelSave()))
	c.Nodes.Sort(ui.SettingsOrder(keys))
	if withErrors {
		c.AddMessage(text.SettingsUpdateSuccess())
		c.AddMessage(text.TOTPVerifierWrong(), ui.TOTPCode)
		c.AddMessage(text.PasswordMinLength(8, 3), "password")
	}
	return c
}

// pageCase is one page the tests render: its name, as the screenshots are named, and how.
type pageCase struct {
	name   string
	errors bool // the page shows errors: field errors or an error message
	render func(rd *pages.Renderer, w http.ResponseWriter, r *http.Request) error
}

// testConfig is the Config of the tests' renderer.
var testConfig = pages.Config{
	LoginURL:        "/self-service/login/browser",
	RegistrationURL: "/self-service/registration/browser",
}

func flowCase(name string, kind pages.FlowKind, errors bool, form func(bool) *ui.Container) pageCase {
	return pageCase{name: name, errors: errors, render: func(rd *pages.Renderer, w http.ResponseWriter, r *http.Request) error {
		return rd.Flow(w, r, pages.FlowPage{
			Kind: kind, ID: "f-" + name, UI: form(errors),
			ReturnTo: "https://app.example/after?x=1", LoginChallenge: "lc-123",
		})
	}}
}

// pageCases are every page kind, without and with errors.
func pageCases() []pageCase {
	consent := pages.ConsentPage{
		Action: "/oauth2/consent", ClientName: "Photo Gallery", ClientID: "photo-gallery-7f3a", Subject: "ada@example.com",
		Scopes:    []string{"openid", "profile", "email", "offline_access", "photos.read"},
		Challenge: pages.Field{Name: "consent_challenge", Value: "cc-1"},
		CSRF:      pages.Field{Name: "csrf_token", Value: "csrf-consent"},
	}
	return []pageCase{
		flowCase("login", pages.FlowLogin, false, loginForm),
		flowCase("login-errors", pages.FlowLogin, true, loginForm),
		flowCase("registration", pages.FlowRegistration, false, registrationForm),
		flowCase("registration-errors", pages.FlowRegistration, true, registrationForm),
		flowCase("settings", pages.FlowSettings, false, settingsForm),
		flowCase("settings-errors", pages.FlowSettings, true, settingsForm),
		{name: "consent", render: func(rd *pages.Renderer, w http.ResponseWriter, r *http.Request) error {
			return rd.Consent(w, r, consent)
		}},
		{name: "logout", render: func(rd *pages.Renderer, w http.ResponseWriter, r *http.Request) error {
			return rd.Logout(w, r, pages.LogoutPage{Action: "/oauth2/sessions/logout", Hidden: []pages.Field{
				{Name: "logout_challenge", Value: "lo-1"}, {Name: "csrf_token", Value: "csrf-logout"},
			}})
		}},
		{name: "error", errors: true, render: func(rd *pages.Renderer, w http.ResponseWriter, r *http.Request) error {
			return rd.Error(w, r, pages.ErrorPage{Error: pages.ErrorDetails{
				ID: "security_csrf_violation", Code: http.StatusForbidden, Status: "Forbidden",
				Reason:  "Please retry the flow and optionally clear your cookies. The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues.",
				Message: "the request was rejected to protect you from Cross-Site-Request-Forgery",
			}})
		}},
	}
}

func pageCaseNamed(t *testing.T, name string) pageCase {
	t.Helper()
	for _, pc := range pageCases() {
		if pc.name == name {
			return pc
		}
	}
	t.Fatalf("no page case %q", name)
	return pageCase{}
}
