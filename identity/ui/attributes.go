package ui

import (
	"fmt"

	"github.com/wardhq/ward/identity/text"
)

// Attributes are a node's attributes; their concrete type decides the node's type. The interface is
// sealed: the six types of this package are all there is, so that every node encodes.
type Attributes interface {
	// NodeType is the type of node these attributes make.
	NodeType() NodeType
	// NodeID names the node among its container's: an input's name, the id of any other node.
	NodeID() string
	// sortValue is what Sort compares last, as Kratos compares the printed value.
	sortValue() string
}

// InputType is an input's HTML type.
type InputType string

// The input types Kratos uses.
const (
	InputTypeText          InputType = "text"
	InputTypePassword      InputType = "password"
	InputTypeNumber        InputType = "number"
	InputTypeCheckbox      InputType = "checkbox"
	InputTypeHidden        InputType = "hidden"
	InputTypeEmail         InputType = "email"
	InputTypeTel           InputType = "tel"
	InputTypeSubmit        InputType = "submit"
	InputTypeButton        InputType = "button"
	InputTypeDateTimeLocal InputType = "datetime-local"
	InputTypeDate          InputType = "date"
	InputTypeURL           InputType = "url"
)

// Autocomplete is an input's HTML autocomplete hint.
type Autocomplete string

// The autocomplete hints Kratos uses.
const (
	AutocompleteEmail            Autocomplete = "email"
	AutocompleteTel              Autocomplete = "tel"
	AutocompleteURL              Autocomplete = "url"
	AutocompleteCurrentPassword  Autocomplete = "current-password"
	AutocompleteNewPassword      Autocomplete = "new-password"
	AutocompleteOneTimeCode      Autocomplete = "one-time-code"
	AutocompleteUsernameWebAuthn Autocomplete = "username webauthn"
)

// Trigger names a JavaScript function of Ory's webauthn.js that a UI calls on click or on load.
type Trigger string

// The triggers of Ory's webauthn.js.
const (
	TriggerWebAuthnRegistration         Trigger = "oryWebAuthnRegistration"
	TriggerWebAuthnLogin                Trigger = "oryWebAuthnLogin"
	TriggerPasskeyLogin                 Trigger = "oryPasskeyLogin"
	TriggerPasskeyLoginAutocompleteInit Trigger = "oryPasskeyLoginAutocompleteInit"
	TriggerPasskeyRegistration          Trigger = "oryPasskeyRegistration"
	TriggerPasskeySettingsRegistration  Trigger = "oryPasskeySettingsRegistration"
)

// InputAttributes are the attributes of an input node. Value is omitted from the JSON when nil, and
// so are the other optional fields when zero; disabled is always written, as Kratos does.
type InputAttributes struct {
	Name         string        `json:"name"`
	Type         InputType     `json:"type"`
	Value        any           `json:"value,omitempty"`
	Required     bool          `json:"required,omitempty"`
	Autocomplete Autocomplete  `json:"autocomplete,omitempty"`
	Label        *text.Message `json:"label,omitempty"`
	Pattern      string        `json:"pattern,omitempty"`
	Disabled     bool          `json:"disabled"`
	// OnClick and OnLoad hold JavaScript to eval; Kratos deprecates them for the triggers.
	OnClick        string  `json:"onclick,omitempty"`
	OnClickTrigger Trigger `json:"onclickTrigger,omitempty"`
	OnLoad         string  `json:"onload,omitempty"`
	OnLoadTrigger  Trigger `json:"onloadTrigger,omitempty"`
	MaxLength      int     `json:"maxlength,omitempty"`
}

// TextAttributes are the attributes of a text node: a message to show, such as a TOTP secret.
type TextAttributes struct {
	ID   string       `json:"id"`
	Text text.Message `json:"text"`
}

// ImageAttributes are the attributes of an image node, such as a TOTP QR code.
type ImageAttributes struct {
	ID     string `json:"id"`
	Src    string `json:"src"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// AnchorAttributes are the attributes of a link node.
type AnchorAttributes struct {
	ID    string       `json:"id"`
	Href  string       `json:"href"`
	Title text.Message `json:"title"`
}

// ScriptAttributes are the attributes of a script node, such as Ory's webauthn.js. Every field is
// always written.
type ScriptAttributes struct {
	ID             string `json:"id"`
	Src            string `json:"src"`
	Async          bool   `json:"async"`
	ReferrerPolicy string `json:"referrerpolicy"`
	CrossOrigin    string `json:"crossorigin"`
	Integrity      string `json:"integrity"`
	Type           string `json:"type"`
	Nonce          string `json:"nonce"`
}

// DivisionAttributes are the attributes of a division: a hook in the page for a widget such as a
// captcha. Class and Data are omitted when empty.
type DivisionAttributes struct {
	ID    string            `json:"id"`
	Class string            `json:"class,omitempty"`
	Data  map[string]string `json:"data,omitempty"`
}

// NodeType returns [NodeInput].
func (*InputAttributes) NodeType() NodeType { return NodeInput }

// NodeType returns [NodeText].
func (*TextAttributes) NodeType() NodeType { return NodeText }

// NodeType returns [NodeImage].
func (*ImageAttributes) NodeType() NodeType { return NodeImage }

// NodeType returns [NodeAnchor].
func (*AnchorAttributes) NodeType() NodeType { return NodeAnchor }

// NodeType returns [NodeScript].
func (*ScriptAttributes) NodeType() NodeType { return NodeScript }

// NodeType returns [NodeDivision].
func (*DivisionAttributes) NodeType() NodeType { return NodeDivision }

// NodeID returns the input's name.
func (a *InputAttributes) NodeID() string { return a.Name }

// NodeID returns the text's id.
func (a *TextAttributes) NodeID() string { return a.ID }

// NodeID returns the image's id.
func (a *ImageAttributes) NodeID() string { return a.ID }

// NodeID returns the link's id.
func (a *AnchorAttributes) NodeID() string { return a.ID }

// NodeID returns the script's id.
func (a *ScriptAttributes) NodeID() string { return a.ID }

// NodeID returns the division's id.
func (a *DivisionAttributes) NodeID() string { return a.ID }

// Kratos breaks ties in its sort by the printed value of the node: an input's value ("<nil>" when
// unset), the text of a text, the URL of an image, link or script, and nil for a division.
func (a *InputAttributes) sortValue() string    { return fmt.Sprint(a.Value) }
func (a *TextAttributes) sortValue() string     { return a.Text.Text }
func (a *ImageAttributes) sortValue() string    { return a.Src }
func (a *AnchorAttributes) sortValue() string   { return a.Href }
func (a *ScriptAttributes) sortValue() string   { return a.Src }
func (a *DivisionAttributes) sortValue() string { return fmt.Sprint(nil) }
