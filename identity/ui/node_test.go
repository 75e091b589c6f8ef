package ui_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

func TestNodeJSON(t *testing.T) {
	for _, c := range []struct {
		name string
		node *ui.Node
		want string
	}{
		{"csrf", ui.NewCSRF("tok"),
			`{"type":"input","group":"default","attributes":{"node_type":"input","name":"csrf_token","type":"hidden","value":"tok","required":true,"disabled":false},"messages":[],"meta":{}}`},
		{"input without value", ui.NewInput("password", nil, ui.GroupPassword, ui.InputTypePassword).WithLabel(text.LabelPassword()),
			`{"type":"input","group":"password","attributes":{"node_type":"input","name":"password","type":"password","disabled":false},"messages":[],"meta":{"label":{"id":1070001,"text":"Password","type":"info"}}}`},
		{"empty value is kept", ui.NewInput("identifier", "", ui.GroupDefault, ui.InputTypeText),
			`{"type":"input","group":"default","attributes":{"node_type":"input","name":"identifier","type":"text","value":"","disabled":false},"messages":[],"meta":{}}`},
		{"false is kept", ui.NewInput("traits.newsletter", false, ui.GroupProfile, ui.InputTypeCheckbox),
			`{"type":"input","group":"profile","attributes":{"node_type":"input","name":"traits.newsletter","type":"checkbox","value":false,"disabled":false},"messages":[],"meta":{}}`},
		{"text", ui.NewText("totp_secret_key", text.SettingsTOTPSecret("S"), ui.GroupTOTP),
			`{"type":"text","group":"totp","attributes":{"node_type":"text","id":"totp_secret_key","text":{"id":1050006,"text":"S","type":"info","context":{"secret":"S"}}},"messages":[],"meta":{}}`},
		{"image", ui.NewImage("totp_qr", "data:x", 256, 256, ui.GroupTOTP),
			`{"type":"img","group":"totp","attributes":{"node_type":"img","id":"totp_qr","src":"data:x","width":256,"height":256},"messages":[],"meta":{}}`},
		{"anchor", ui.NewAnchor("a", "/x", text.LabelContinue(), ui.GroupLink),
			`{"type":"a","group":"link","attributes":{"node_type":"a","id":"a","href":"/x","title":{"id":1070009,"text":"Continue","type":"info"}},"messages":[],"meta":{}}`},
		{"script", ui.NewScript("webauthn_script", "/w.js", "sha", "n", ui.GroupWebAuthn),
			`{"type":"script","group":"webauthn","attributes":{"node_type":"script","id":"webauthn_script","src":"/w.js","async":true,"referrerpolicy":"no-referrer","crossorigin":"anonymous","integrity":"sha","type":"text/javascript","nonce":"n"},"messages":[],"meta":{}}`},
		{"division", ui.NewDivision("captcha", ui.GroupCaptcha),
			`{"type":"div","group":"captcha","attributes":{"node_type":"div","id":"captcha"},"messages":[],"meta":{}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := json.Marshal(c.node)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			var back ui.Node
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			again, err := json.Marshal(&back)
			if err != nil || string(again) != c.want {
				t.Errorf("decoded and encoded again: %s, %v", again, err)
			}
		})
	}
}

func TestNodeJSONKeepsNumbers(t *testing.T) {
	var n ui.Node
	in := `{"type":"input","group":"profile","attributes":{"name":"traits.id","type":"number","value":12345678901234567890,"disabled":false},"messages":[],"meta":{}}`
	if err := json.Unmarshal([]byte(in), &n); err != nil {
		t.Fatal(err)
	}
	if v := n.Input().Value; v != json.Number("12345678901234567890") {
		t.Errorf("value %#v, want the number as written", v)
	}
}

func TestNodeJSONErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"type":"button","group":"default","attributes":{}}`, `unknown node type "button"`},
		{`{"group":"default","attributes":{}}`, `unknown node type ""`},
		{`{"type":"input","group":"default"}`, "no attributes object"},
		{`{"type":"input","group":"default","attributes":null}`, "no attributes object"},
		{`{"type":"input","group":"default","attributes":[1]}`, "no attributes object"},
		{`{"type":"input","group":"default","attributes":{"node_type":"img","name":"x"}}`, `node_type "img"`},
		{`{"type":"img","group":"default","attributes":{"width":"wide"}}`, "img node attributes"},
	} {
		var n ui.Node
		err := json.Unmarshal([]byte(c.in), &n)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.in, err, c.want)
		}
	}

	if _, err := json.Marshal(&ui.Node{Group: ui.GroupDefault}); err == nil {
		t.Error("a node without attributes encoded")
	}
	if _, err := json.Marshal(&ui.Node{Group: ui.GroupDefault, Attributes: (*ui.InputAttributes)(nil)}); err == nil {
		t.Error("a node with nil attributes encoded")
	}
}

// FuzzContainerJSON decodes arbitrary JSON as a stored form: whatever ward accepts it encodes again,
// and encoding what it decoded from its own encoding gives the same bytes.
func FuzzContainerJSON(f *testing.F) {
	if b, err := json.Marshal(everyKind()); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c ui.Container
		if json.Unmarshal(b, &c) != nil {
			return
		}
		once, err := json.Marshal(&c)
		if err != nil {
			t.Fatalf("decoded %s but cannot encode it: %v", b, err)
		}
		var again ui.Container
		if err := json.Unmarshal(once, &again); err != nil {
			t.Fatalf("cannot decode its own %s: %v", once, err)
		}
		twice, err := json.Marshal(&again)
		if err != nil || string(twice) != string(once) {
			t.Fatalf("encoding changed:\n%s\n%s (%v)", once, twice, err)
		}
	})
}
