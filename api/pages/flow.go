package pages

import (
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

// FlowKind is the self-service flow a page shows.
type FlowKind string

// The flows that have a page.
const (
	FlowLogin        FlowKind = "login"
	FlowRegistration FlowKind = "registration"
	FlowSettings     FlowKind = "settings"
	FlowRecovery     FlowKind = "recovery"
)

// defaultTitles are the headings of the flows' pages when the caller gives none.
var defaultTitles = map[FlowKind]string{
	FlowLogin:        "Sign in",
	FlowRegistration: "Create account",
	FlowSettings:     "Account settings",
	FlowRecovery:     "Recover your account",
}

// FlowPage is what a flow's page shows.
type FlowPage struct {
	// Kind is the flow. Required.
	Kind FlowKind
	// ID is the flow's id; the form carries it as data-flow-id (the action URL carries it for
	// the server). Optional.
	ID string
	// Title is the page's heading. Default: "Sign in", "Create account", "Account settings" or
	// "Recover your account".
	Title string
	// UI is the flow's form, drawn node by node in its order. Required.
	UI *ui.Container
	// ReturnTo and LoginChallenge are the flow's return_to and OAuth2 login_challenge. The
	// login page's "Create account" and the registration page's "Sign in" carry them, so that
	// switching flows keeps where the user goes afterwards.
	ReturnTo, LoginChallenge string
	// Links are more links shown below the form, after the one to the other flow.
	Links []Link
	// NoFlowSwitch leaves out the link to the other flow: on a re-authentication, say, where a
	// new account makes no sense.
	NoFlowSwitch bool
}

// Link is a link below a form: Lead is the text before it ("No account yet?"), Text the link's.
type Link struct {
	Lead, Text, Href string
}

// flowContent is what flow.html shows.
type flowContent struct {
	Messages []message
	Form     *form
	Links    []Link
}

type form struct {
	Action, Method, Kind, FlowID string
	Sections                     []section
}

// section is a run of nodes; with a Legend it is a fieldset.
type section struct {
	Group, Legend string
	Nodes         []field
}

// field is one node as the templates draw it. Kind picks the template: hidden, input, checkbox,
// submit, text, img, a or div.
type field struct {
	Kind, ID, Name, Type, Label string
	Value                       string
	HasValue, Checked           bool
	Required, Disabled, Invalid bool
	// NoValidate, on a submit button, skips the browser's checks of required inputs: those of
	// the form's other methods, which this button does not submit.
	NoValidate            bool
	Pattern, Autocomplete string
	MaxLength             int
	DescribedBy           string
	Messages              []message
	Text, Class           string
	Href                  string
	Src                   any // template.URL or string, see imageURL
	Width, Height         int
	group                 ui.Group
}

// message is a message as the templates draw it: its Type styles it, Kind names it in words (so
// that colour is never the only sign), Role makes it a live region.
type message struct {
	ID, Type, Role, Kind, Text string
}

// Flow writes the page of a self-service flow with status 200. The error is the caller's to log:
// it means the page could not be rendered, and the client got a 500.
func (rd *Renderer) Flow(w http.ResponseWriter, r *http.Request, p FlowPage) error {
	title, ok := defaultTitles[p.Kind]
	if !ok {
		return rd.fail(w, fmt.Errorf("pages: unknown flow kind %q", p.Kind))
	}
	if p.Title != "" {
		title = p.Title
	}
	if p.UI == nil {
		return rd.fail(w, fmt.Errorf("pages: the %s page has no form", p.Kind))
	}
	content := flowContent{Messages: messages(p.UI.Messages, ""), Links: rd.flowLinks(p)}
	f, images := buildForm(p)
	content.Form = f
	return rd.write(w, r, http.StatusOK, "flow", title, content, images)
}

// fail answers a request the package cannot render a page for.
func (rd *Renderer) fail(w http.ResponseWriter, err error) error {
	http.Error(w, "The page cannot be shown.", http.StatusInternalServerError)
	return err
}

// flowLinks returns the link to the other flow, then the caller's.
func (rd *Renderer) flowLinks(p FlowPage) []Link {
	var links []Link
	q := url.Values{}
	if p.ReturnTo != "" {
		q.Set("return_to", p.ReturnTo)
	}
	if p.LoginChallenge != "" {
		q.Set("login_challenge", p.LoginChallenge)
	}
	switch {
	case p.NoFlowSwitch:
	case p.Kind == FlowLogin && rd.cfg.RegistrationURL != "":
		links = append(links, Link{Lead: "No account yet?", Text: "Create account", Href: withQuery(rd.cfg.RegistrationURL, q)})
	case p.Kind == FlowRegistration && rd.cfg.LoginURL != "":
		links = append(links, Link{Lead: "Already have an account?", Text: "Sign in", Href: withQuery(rd.cfg.LoginURL, q)})
	}
	return append(links, p.Links...)
}

// parseLink parses a configured URL; "" is allowed (no link).
func parseLink(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	return url.Parse(s)
}

// withQuery returns base with q added to its query. New checked that base parses.
func withQuery(base string, q url.Values) string {
	u, err := url.Parse(base)
	if err != nil || len(q) == 0 {
		return base
	}
	all := u.Query()
	for k, vs := range q {
		all[k] = vs
	}
	u.RawQuery = all.Encode()
	return u.String()
}

// buildForm turns the container into the form the templates draw, and returns the CSP sources of
// its images.
func buildForm(p FlowPage) (*form, []string) {
	c := p.UI
	method := "post"
	if strings.EqualFold(c.Method, http.MethodGet) {
		method = "get"
	}
	f := &form{Action: c.Action, Method: method, Kind: string(p.Kind), FlowID: p.ID}
	ids := idSet{}
	var fields []field
	var images []string
	for _, n := range c.Nodes {
		fd, ok := buildField(n, ids)
		if !ok {
			continue
		}
		if fd.Kind == "img" {
			images = addSource(images, imageSource(fmt.Sprint(fd.Src)))
		}
		fields = append(fields, fd)
	}
	f.Sections = sections(fields)
	return f, images
}

// sections groups fields into runs of one group. When the form offers two methods or more (two
// groups other than the default with a visible control), each method's run is a fieldset with
// the method as its legend, so that two "Save" buttons say what they save; a form of one method
// stays flat, where a fieldset would only repeat the heading. In a form of several methods the
// submit buttons do not let the browser check required inputs, which belong to one method each
// (a settings form's new password must not block saving the profile); the server checks them.
func sections(fields []field) []section {
	methods := map[ui.Group]bool{}
	for _, fd := range fields {
		if fd.group != ui.GroupDefault && fd.Kind != "hidden" {
			methods[fd.group] = true
		}
	}
	var out []section
	for _, fd := range fields {
		if len(out) == 0 || out[len(out)-1].Group != string(fd.group) {
			s := section{Group: string(fd.group)}
			if len(methods) > 1 && fd.group != ui.GroupDefault {
				s.Legend = groupLegend(fd.group)
			}
			out = append(out, s)
		}
		fd.NoValidate = fd.Kind == "submit" && len(methods) > 1
		last := &out[len(out)-1]
		last.Nodes = append(last.Nodes, fd)
	}
	return out
}

// groupLegend names a method for its fieldset.
func groupLegend(g ui.Group) string {
	switch g {
	case ui.GroupPassword:
		return "Password"
	case ui.GroupProfile:
		return "Profile"
	case ui.GroupOIDC:
		return "Social sign-in"
	case ui.GroupCode:
		return "One-time code"
	case ui.GroupLink:
		return "Email link"
	case ui.GroupTOTP:
		return "Authenticator app"
	case ui.GroupLookupSecret:
		return "Backup recovery codes"
	case ui.GroupWebAuthn:
		return "Security key"
	case ui.GroupPasskey:
		return "Passkey"
	case ui.GroupIdentifierFirst:
		return "Account"
	case ui.GroupCaptcha:
		return "Captcha"
	}
	return string(g)
}

// buildField turns a node into a field; false when the node is not drawn. Scripts and buttons
// that only fire a script (WebAuthn and passkey triggers) are not: the pages run no script.
func buildField(n *ui.Node, ids idSet) (field, bool) {
	if n == nil || n.Attributes == nil {
		return field{}, false
	}
	fd := field{group: n.Group}
	if n.Meta.Label != nil {
		fd.Label = n.Meta.Label.Text
	}
	switch a := n.Attributes.(type) {
	case *ui.InputAttributes:
		if !inputField(&fd, a, ids) {
			return field{}, false
		}
	case *ui.TextAttributes:
		fd.Kind, fd.ID, fd.Text = "text", ids.take("text", a.ID), a.Text.Text
	case *ui.ImageAttributes:
		fd.Kind, fd.ID, fd.Width, fd.Height = "img", ids.take("img", a.ID), a.Width, a.Height
		fd.Src = imageURL(a.Src)
	case *ui.AnchorAttributes:
		fd.Kind, fd.ID, fd.Href, fd.Text = "a", ids.take("link", a.ID), a.Href, a.Title.Text
		if fd.Text == "" {
			fd.Text = a.Href
		}
	case *ui.DivisionAttributes:
		fd.Kind, fd.ID, fd.Class = "div", ids.take("div", a.ID), a.Class
	default: // scripts
		return field{}, false
	}
	fd.Messages = messages(n.Messages, fd.ID)
	var describedBy []string
	for _, m := range fd.Messages {
		describedBy = append(describedBy, m.ID)
		fd.Invalid = fd.Invalid || m.Type == string(text.TypeError)
	}
	fd.DescribedBy = strings.Join(describedBy, " ")
	return fd, true
}

// inputTypes are the input types drawn as they are; any other is drawn as text.
var inputTypes = map[ui.InputType]bool{
	ui.InputTypeText: true, ui.InputTypePassword: true, ui.InputTypeNumber: true, ui.InputTypeEmail: true,
	ui.InputTypeTel: true, ui.InputTypeDateTimeLocal: true, ui.InputTypeDate: true, ui.InputTypeURL: true,
}

// inputField fills fd from an input's attributes; false when the input is not drawn.
func inputField(fd *field, a *ui.InputAttributes, ids idSet) bool {
	fd.Name, fd.Required, fd.Disabled = a.Name, a.Required, a.Disabled
	if fd.Label == "" && a.Label != nil {
		fd.Label = a.Label.Text
	}
	value, hasValue := valueText(a.Value)
	switch a.Type {
	case ui.InputTypeButton:
		return false
	case ui.InputTypeHidden:
		fd.Kind, fd.Value = "hidden", value
	case ui.InputTypeSubmit:
		fd.Kind, fd.ID, fd.Value = "submit", ids.take("button", a.Name), value
		if fd.Label == "" {
			fd.Label = cmp.Or(value, "Submit")
		}
	case ui.InputTypeCheckbox:
		fd.Kind, fd.ID = "checkbox", ids.take("field", a.Name)
		fd.Checked = value == "true"
	default:
		fd.Kind, fd.ID, fd.Type = "input", ids.take("field", a.Name), string(a.Type)
		if !inputTypes[a.Type] {
			fd.Type = string(ui.InputTypeText)
		}
		fd.Pattern, fd.Autocomplete, fd.MaxLength = a.Pattern, string(a.Autocomplete), a.MaxLength
		fd.Value, fd.HasValue = value, hasValue
	}
	if isPassword(a) {
		// A password never goes back to the browser, whatever the form holds.
		fd.Value, fd.HasValue = "", false
	}
	// Every control needs a name a screen reader can say; an input of no name at all is a
	// flow's bug, but still gets one.
	fd.Label = cmp.Or(fd.Label, a.Name, "Unnamed field")
	return true
}

// isPassword reports whether an input holds a password: by its type, or by its name where a
// flow got the type wrong.
func isPassword(a *ui.InputAttributes) bool {
	name := a.Name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return a.Type == ui.InputTypePassword || name == "password"
}

// valueText writes an input's value as the value attribute holds it; false when it has none.
func valueText(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case json.Number:
		return v.String(), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v), true
	}
	return string(b), true
}

// dataImage is a data URL of a raster image, as Kratos sends TOTP QR codes: safe in an img, where
// html/template would refuse any data URL.
var dataImage = regexp.MustCompile(`^data:image/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/]*={0,2}$`)

// imageURL returns src for an img: a raster data URL trusted as it is, anything else as a string
// for html/template to filter.
func imageURL(src string) any {
	if dataImage.MatchString(src) {
		return template.URL(src)
	}
	return src
}

// imageSource returns the CSP source that allows src: data: for a data URL, the origin of an
// absolute http(s) URL, 'self' for a relative one, "" for one html/template will not draw.
func imageSource(src string) string {
	if dataImage.MatchString(src) {
		return "data:"
	}
	u, err := url.Parse(src)
	if err != nil {
		return ""
	}
	switch {
	case u.Scheme == "" && u.Host == "":
		return "'self'"
	case (u.Scheme == "https" || u.Scheme == "http") && u.Host != "":
		return u.Scheme + "://" + u.Host
	}
	return ""
}

// messages returns msgs as the templates draw them; owner is the id of the field they belong to,
// "" for the form's own.
func messages(msgs text.Messages, owner string) []message {
	out := make([]message, 0, len(msgs))
	for i, m := range msgs {
		v := message{Text: m.Text, Type: string(text.TypeInfo), Role: "status", Kind: "Note"}
		switch m.Type {
		case text.TypeError:
			v.Type, v.Role, v.Kind = string(text.TypeError), "alert", "Error"
		case text.TypeSuccess:
			v.Type, v.Kind = string(text.TypeSuccess), "Success"
		}
		if owner != "" {
			v.ID = owner + "-msg-" + strconv.Itoa(i+1)
		}
		out = append(out, v)
	}
	return out
}

// idSet hands out element ids unique in one page.
type idSet map[string]bool

// take returns an id for a node named name: prefix-name with every character an id selector
// would need escaped replaced by "-", and a number added when the page has it already.
func (s idSet) take(prefix, name string) string {
	base := prefix + "-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '-'
	}, name)
	id := base
	for i := 2; s[id]; i++ {
		id = base + "-" + strconv.Itoa(i)
	}
	s[id] = true
	return id
}
