package ui_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	client "github.com/ory/client-go"

	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

// everyKind is a form with a node of each type and every attribute set to something other than its
// zero value, so that a field the SDK drops or renames shows.
func everyKind() *ui.Container {
	c := ui.New("https://ward.example/self-service/settings?flow=f1")
	c.SetCSRF("csrf-token-value")

	pw := ui.NewInput("password", nil, ui.GroupPassword, ui.InputTypePassword)
	pw.Input().Required = true
	pw.Input().Autocomplete = ui.AutocompleteNewPassword
	pw.WithLabel(text.LabelPassword())
	pw.Messages = text.Messages{text.PasswordMinLength(8, 3), text.PasswordIdentifierTooSimilar()}
	c.Nodes.Append(pw)

	c.Nodes.Append(&ui.Node{Group: ui.GroupProfile, Attributes: &ui.InputAttributes{
		Name:           "traits.email",
		Type:           ui.InputTypeEmail,
		Value:          "a@example.com",
		Required:       true,
		Autocomplete:   ui.AutocompleteEmail,
		Label:          &text.Message{ID: text.InfoNodeLabelEmail, Text: "Email", Type: text.TypeInfo},
		Pattern:        `^.+@.+$`,
		Disabled:       true,
		OnClick:        "window.oryWebAuthnRegistration()",
		OnClickTrigger: ui.TriggerWebAuthnRegistration,
		OnLoad:         "window.oryPasskeyLoginAutocompleteInit()",
		OnLoadTrigger:  ui.TriggerPasskeyLoginAutocompleteInit,
		MaxLength:      320,
	}, Meta: ui.Meta{Label: &text.Message{ID: text.InfoNodeLabelGenerated, Text: "E-Mail", Type: text.TypeInfo, Context: json.RawMessage(`{"title":"E-Mail"}`)}}})
	c.Nodes.Append(ui.NewInput("traits.age", json.Number("42"), ui.GroupProfile, ui.InputTypeNumber))
	c.Nodes.Append(ui.NewInput("traits.newsletter", false, ui.GroupProfile, ui.InputTypeCheckbox))
	c.Nodes.Append(ui.NewInput("method", "password", ui.GroupPassword, ui.InputTypeSubmit).WithLabel(text.LabelSave()))

	c.Nodes.Append(ui.NewText(ui.TOTPSecretKey, text.SettingsTOTPSecret("JBSWY3DPEHPK3PXP"), ui.GroupTOTP).
		WithLabel(text.SettingsTOTPSecretLabel()))
	c.Nodes.Append(ui.NewImage(ui.TOTPQR, "data:image/png;base64,iVBORw0KGgo=", 256, 128, ui.GroupTOTP).
		WithLabel(text.SettingsTOTPQRCode()))
	c.Nodes.Append(ui.NewAnchor("recovery", "https://ward.example/recovery", text.LabelContinue(), ui.GroupLink))
	c.Nodes.Append(ui.NewScript(ui.WebAuthnScript, "https://ward.example/.well-known/ory/webauthn.js",
		"sha512-abc", "nonce-1", ui.GroupWebAuthn))
	div := ui.NewDivision("captcha", ui.GroupCaptcha)
	div.Attributes.(*ui.DivisionAttributes).Class = "cf-turnstile"
	div.Attributes.(*ui.DivisionAttributes).Data = map[string]string{"sitekey": "1x00000000000000000000AA", "theme": "light"}
	c.Nodes.Append(div)

	c.AddMessage(text.SettingsFlowExpired(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), time.Date(2025, 1, 2, 3, 14, 5, 0, time.UTC)))
	return c
}

// TestClientDecodesEveryKind decodes ward's JSON with Ory's Go SDK: every node must land in the
// attributes variant of its type, nothing may end up in AdditionalProperties (a field the SDK does not
// know), and the SDK's own encoding of what it decoded must equal ward's JSON (a field it lost).
func TestClientDecodesEveryKind(t *testing.T) {
	c := everyKind()
	wardJSON, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var sdk client.UiContainer
	if err := json.Unmarshal(wardJSON, &sdk); err != nil {
		t.Fatalf("the SDK cannot decode ward's form: %v\n%s", err, wardJSON)
	}

	if len(sdk.Nodes) != len(c.Nodes) {
		t.Fatalf("the SDK has %d nodes, ward sent %d", len(sdk.Nodes), len(c.Nodes))
	}
	for i, n := range sdk.Nodes {
		want := c.Nodes[i]
		if n.Type != string(want.Type()) || n.Group != string(want.Group) {
			t.Errorf("node %d: SDK has %s/%s, ward sent %s/%s", i, n.Type, n.Group, want.Type(), want.Group)
		}
		if got := variant(n.Attributes); got != want.Type() {
			t.Errorf("node %d (%s): the SDK decoded attributes as %q", i, want.ID(), got)
		}
		extra(t, want.ID(), n.AdditionalProperties, n.Meta.AdditionalProperties)
		if a := n.Attributes.GetActualInstance(); a != nil {
			extra(t, want.ID(), reflect.ValueOf(a).Elem().FieldByName("AdditionalProperties").Interface().(map[string]any))
		}
		for _, m := range n.Messages {
			extra(t, want.ID(), m.AdditionalProperties)
		}
	}
	extra(t, "container", sdk.AdditionalProperties)

	sdkJSON, err := json.Marshal(sdk)
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, wardJSON, sdkJSON) {
		t.Errorf("the SDK's form differs from ward's\nward: %s\nsdk:  %s", wardJSON, sdkJSON)
	}

	var back ui.Container
	if err := json.Unmarshal(sdkJSON, &back); err != nil {
		t.Fatalf("ward cannot decode the SDK's form: %v", err)
	}
	again, err := json.Marshal(&back)
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, wardJSON, again) {
		t.Errorf("ward's form changed through the SDK and back\nbefore: %s\nafter:  %s", wardJSON, again)
	}
}

// TestClientFields checks a few fields by name, so that the test does not rest on JSON equality alone.
func TestClientFields(t *testing.T) {
	c := everyKind()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var sdk client.UiContainer
	if err := json.Unmarshal(b, &sdk); err != nil || len(sdk.Nodes) != len(c.Nodes) {
		t.Fatalf("the SDK decoded %d nodes of %d: %v", len(sdk.Nodes), len(c.Nodes), err)
	}
	byID := map[string]client.UiNodeAttributes{}
	for i, n := range sdk.Nodes {
		byID[c.Nodes[i].ID()] = n.Attributes
	}
	csrf := byID[ui.CSRFTokenName].UiNodeInputAttributes
	if csrf == nil || csrf.Type != "hidden" || csrf.Value != "csrf-token-value" || !csrf.GetRequired() || sdk.Nodes[0].Group != "default" {
		t.Errorf("csrf_token: %+v", csrf)
	}
	email := byID["traits.email"].UiNodeInputAttributes
	if email == nil || email.GetPattern() != `^.+@.+$` || email.GetMaxlength() != 320 || !email.Disabled ||
		email.GetOnclickTrigger() != "oryWebAuthnRegistration" || email.GetLabel().Id != int64(text.InfoNodeLabelEmail) {
		t.Errorf("traits.email: %+v", email)
	}
	if age := byID["traits.age"].UiNodeInputAttributes; age == nil || age.Value != float64(42) {
		t.Errorf("traits.age: %+v", age)
	}
	if pw := byID["password"].UiNodeInputAttributes; pw == nil || pw.Value != nil || pw.HasRequired() == false {
		t.Errorf("password: %+v", pw)
	}
	if img := byID[ui.TOTPQR].UiNodeImageAttributes; img == nil || img.Width != 256 || img.Height != 128 {
		t.Errorf("totp_qr: %+v", img)
	}
	if s := byID[ui.WebAuthnScript].UiNodeScriptAttributes; s == nil || !s.Async || s.Crossorigin != "anonymous" ||
		s.Referrerpolicy != "no-referrer" || s.Type != "text/javascript" || s.Nonce != "nonce-1" || s.Integrity != "sha512-abc" {
		t.Errorf("webauthn_script: %+v", s)
	}
	if d := byID["captcha"].UiNodeDivisionAttributes; d == nil || d.GetClass() != "cf-turnstile" || d.GetData()["theme"] != "light" {
		t.Errorf("captcha: %+v", d)
	}
	if txt := byID[ui.TOTPSecretKey].UiNodeTextAttributes; txt == nil || txt.Text.Context["secret"] != "JBSWY3DPEHPK3PXP" {
		t.Errorf("totp_secret_key: %+v", txt)
	}
	if len(sdk.Messages) != 1 || sdk.Messages[0].Id != int64(text.ErrorValidationSettingsFlowExpired) ||
		sdk.Messages[0].Context["expired_at_unix"] != float64(1735787045) {
		t.Errorf("messages: %+v", sdk.Messages)
	}
}

func TestClientDecodesEmptyForm(t *testing.T) {
	b, err := json.Marshal(ui.New("/login"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"action":"/login","method":"POST","nodes":[]}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	var sdk client.UiContainer
	if err := json.Unmarshal(b, &sdk); err != nil || sdk.Nodes == nil || sdk.HasMessages() {
		t.Errorf("SDK decoded %s as %+v, %v", b, sdk, err)
	}
}

func variant(a client.UiNodeAttributes) ui.NodeType {
	switch a.GetActualInstance().(type) {
	case *client.UiNodeInputAttributes:
		return ui.NodeInput
	case *client.UiNodeTextAttributes:
		return ui.NodeText
	case *client.UiNodeImageAttributes:
		return ui.NodeImage
	case *client.UiNodeAnchorAttributes:
		return ui.NodeAnchor
	case *client.UiNodeScriptAttributes:
		return ui.NodeScript
	case *client.UiNodeDivisionAttributes:
		return ui.NodeDivision
	}
	return ""
}

func extra(t *testing.T, where string, maps ...map[string]any) {
	t.Helper()
	for _, m := range maps {
		if len(m) > 0 {
			t.Errorf("%s: the SDK does not know the fields %v", where, m)
		}
	}
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}
