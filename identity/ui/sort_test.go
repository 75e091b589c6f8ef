package ui_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

// labelled lists the nodes as group/name=value, so that nodes of one name can be told apart.
func labelled(ns ui.Nodes) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = string(n.Group) + "/" + n.ID()
		if in := n.Input(); in != nil && in.Value != nil {
			b, _ := json.Marshal(in.Value)
			out[i] += "=" + strings.Trim(string(b), `"`)
		}
	}
	return out
}

func submit(group ui.Group, name, value string) *ui.Node {
	return ui.NewInput(name, value, group, ui.InputTypeSubmit)
}

func TestSortLogin(t *testing.T) {
	// The nodes as Kratos's strategies add them: password, then code, then social sign-in.
	var ns ui.Nodes
	ns.Upsert(ui.NewInput("identifier", "", ui.GroupDefault, ui.InputTypeText))
	ns.Append(ui.NewCSRF("t"))
	ns.Upsert(ui.NewInput("password", nil, ui.GroupPassword, ui.InputTypePassword))
	ns.Append(submit(ui.GroupPassword, "method", "password"))
	ns.Append(submit(ui.GroupCode, "method", "code"))
	ns.Append(submit(ui.GroupOIDC, "provider", "google"))
	ns.Append(submit(ui.GroupOIDC, "provider", "github"))
	ns.Append(ui.NewDivision("captcha", ui.GroupCaptcha))

	ns.Sort(ui.LoginOrder())
	want := []string{
		"captcha/captcha", // not in the login order: before every listed group
		"oidc/provider=github", "oidc/provider=google",
		"default/csrf_token=t", "default/identifier=",
		"code/method=code",
		"password/password", "password/method=password",
	}
	if got := labelled(ns); !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestSortRegistration(t *testing.T) {
	schemaKeys := []string{"traits.email", "traits.name.first", "traits.name.last"}
	var ns ui.Nodes
	ns.Append(ui.NewCSRF("t"))
	ns.Append(submit(ui.GroupPassword, "method", "password"))
	ns.Append(ui.NewInput("traits.name.last", nil, ui.GroupPassword, ui.InputTypeText))
	ns.Append(ui.NewInput("password", nil, ui.GroupPassword, ui.InputTypePassword))
	ns.Append(ui.NewInput("traits.name.first", nil, ui.GroupPassword, ui.InputTypeText))
	ns.Append(ui.NewInput("traits.email", nil, ui.GroupPassword, ui.InputTypeEmail))
	ns.Append(ui.NewInput(ui.WebAuthnRegister, "", ui.GroupWebAuthn, ui.InputTypeHidden))
	ns.Append(ui.NewInput(ui.WebAuthnRegisterDisplayName, "", ui.GroupWebAuthn, ui.InputTypeText))
	ns.Append(submit(ui.GroupOIDC, "provider", "github"))

	ns.Sort(ui.RegistrationOrder(schemaKeys))
	want := []string{
		"oidc/provider=github",
		"default/csrf_token=t",
		"webauthn/webauthn_register_displayname=", "webauthn/webauthn_register=",
		// Kratos puts the password right after the first schema key.
		"password/traits.email", "password/password", "password/traits.name.first", "password/traits.name.last",
		"password/method=password",
	}
	if got := labelled(ns); !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	if !slices.Equal(schemaKeys, []string{"traits.email", "traits.name.first", "traits.name.last"}) {
		t.Errorf("RegistrationOrder changed its argument: %v", schemaKeys)
	}
}

func TestSortSettings(t *testing.T) {
	var ns ui.Nodes
	ns.Append(submit(ui.GroupTOTP, "method", "totp"))
	ns.Append(ui.NewInput(ui.TOTPCode, nil, ui.GroupTOTP, ui.InputTypeText))
	ns.Append(ui.NewText(ui.TOTPSecretKey, text.SettingsTOTPSecret("S"), ui.GroupTOTP))
	ns.Append(ui.NewImage(ui.TOTPQR, "data:qr", 256, 256, ui.GroupTOTP))
	ns.Append(submit(ui.GroupLookupSecret, ui.LookupRegenerate, "true"))
	ns.Append(submit(ui.GroupLookupSecret, ui.LookupReveal, "true"))
	ns.Append(submit(ui.GroupPassword, "method", "password"))
	ns.Append(ui.NewInput("password", nil, ui.GroupPassword, ui.InputTypePassword))
	ns.Append(submit(ui.GroupProfile, "method", "profile"))
	ns.Append(ui.NewInput("traits.email", "a@example.com", ui.GroupProfile, ui.InputTypeEmail))
	ns.Append(ui.NewCSRF("t"))

	ns.Sort(ui.SettingsOrder([]string{"traits.email"}))
	want := []string{
		"default/csrf_token=t",
		"profile/traits.email=a@example.com", "profile/method=profile",
		"password/password", "password/method=password",
		"lookup_secret/lookup_secret_reveal=true", "lookup_secret/lookup_secret_regenerate=true",
		"totp/totp_qr", "totp/totp_secret_key", "totp/totp_code", "totp/method=totp",
	}
	if got := labelled(ns); !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestSortRules(t *testing.T) {
	for _, c := range []struct {
		name  string
		order ui.Order
		in    ui.Nodes
		want  []string
	}{
		{"keys are prefixes, the first match counts", ui.Order{Keys: []string{"traits.name", "traits", "password"}},
			ui.Nodes{
				ui.NewInput("password_confirm", nil, ui.GroupDefault, ui.InputTypePassword),
				ui.NewInput("traits.email", nil, ui.GroupDefault, ui.InputTypeEmail),
				ui.NewInput("traits.name.first", nil, ui.GroupDefault, ui.InputTypeText),
			},
			[]string{"default/traits.name.first", "default/traits.email", "default/password_confirm"}},
		{"unmatched names after matched ones, method last", ui.Order{Keys: []string{"b"}},
			ui.Nodes{
				submit(ui.GroupDefault, "method", "x"),
				ui.NewInput("z", nil, ui.GroupDefault, ui.InputTypeText),
				ui.NewInput("b", nil, ui.GroupDefault, ui.InputTypeText),
			},
			[]string{"default/b", "default/z", "default/method=x"}},
		{"ties go by value, unset first", ui.Order{},
			ui.Nodes{
				submit(ui.GroupOIDC, "provider", "microsoft"),
				submit(ui.GroupOIDC, "provider", "apple"),
				ui.NewInput("provider", nil, ui.GroupOIDC, ui.InputTypeText),
			},
			[]string{"oidc/provider", "oidc/provider=apple", "oidc/provider=microsoft"}},
		{"equal nodes keep their order", ui.Order{},
			ui.Nodes{
				ui.NewInput("b", "same", ui.GroupDefault, ui.InputTypeText),
				ui.NewInput("a", "same", ui.GroupDefault, ui.InputTypeText),
			},
			[]string{"default/b=same", "default/a=same"}},
		{"unlisted groups first, in order of appearance, each together", ui.Order{Groups: []ui.Group{ui.GroupDefault}},
			ui.Nodes{
				ui.NewInput("x", nil, ui.GroupDefault, ui.InputTypeText),
				ui.NewInput("y", nil, ui.GroupCaptcha, ui.InputTypeText),
				ui.NewInput("z", nil, ui.GroupLink, ui.InputTypeText),
				ui.NewInput("a", nil, ui.GroupCaptcha, ui.InputTypeText),
			},
			[]string{"captcha/y", "captcha/a", "link/z", "default/x"}},
		{"groups by the order", ui.Order{Groups: []ui.Group{ui.GroupPassword, ui.GroupDefault}},
			ui.Nodes{
				ui.NewInput("a", nil, ui.GroupDefault, ui.InputTypeText),
				ui.NewInput("b", nil, ui.GroupPassword, ui.InputTypeText),
			},
			[]string{"password/b", "default/a"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.in.Sort(c.order)
			if got := labelled(c.in); !slices.Equal(got, c.want) {
				t.Errorf("got  %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestRegistrationOrderWithoutSchemaKeys(t *testing.T) {
	o := ui.RegistrationOrder(nil)
	if len(o.Keys) == 0 || o.Keys[0] != "password" {
		t.Errorf("keys %v, want password first", o.Keys)
	}
}

func TestSortToleratesNodesWithoutAttributes(t *testing.T) {
	ns := ui.Nodes{{Group: ui.GroupDefault}, ui.NewInput("a", nil, ui.GroupDefault, ui.InputTypeText), {Group: ui.GroupDefault}}
	ns.Sort(ui.Order{Keys: []string{"a"}})
	if ns[0].ID() != "a" {
		t.Errorf("first node %q, want a", ns[0].ID())
	}
}
