package flow

import (
	"bytes"
	"encoding/json"

	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

// Names of the inputs the password method uses.
const (
	nodeIdentifier = "identifier"
	nodePassword   = "password"
	nodeMethod     = "method"
	methodPassword = "password"
	methodProfile  = "profile"
)

// passwordNode is Kratos's password input (strategy/password NewPasswordNode).
func passwordNode(autocomplete ui.Autocomplete) *ui.Node {
	n := ui.NewInput(nodePassword, nil, ui.GroupPassword, ui.InputTypePassword).WithLabel(text.LabelPassword())
	in := n.Input()
	in.Required, in.Autocomplete = true, autocomplete
	return n
}

// submitNode is a method's submit button.
func submitNode(method string, group ui.Group, label text.Message) *ui.Node {
	return ui.NewInput(nodeMethod, method, group, ui.InputTypeSubmit).WithLabel(label)
}

// traitNodes are the inputs of a schema's traits, as Kratos makes them from the schema
// (container.NodesFromJSONSchema).
func traitNodes(fields []schema.Field, group ui.Group) []*ui.Node {
	out := make([]*ui.Node, 0, len(fields))
	for _, f := range fields {
		n := ui.NewInput(f.Name, nil, group, ui.InputType(f.Type))
		in := n.Input()
		in.Required, in.Pattern, in.Autocomplete = f.Required, f.Pattern, ui.Autocomplete(f.Autocomplete)
		if f.Title != "" {
			n.WithLabel(text.LabelGenerated(f.Title))
		}
		out = append(out, n)
	}
	return out
}

// schemaKeys are the field names in schema order, for the sort orders.
func schemaKeys(fields []schema.Field) []string {
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.Name
	}
	return keys
}

// setTraitValues sets the trait inputs of group to the values of traits (a JSON object), as
// Kratos's UpdateNodeValuesFromJSON does; inputs without a value are cleared.
func setTraitValues(c *ui.Container, traits json.RawMessage, fields []schema.Field) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(traits))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		doc = nil
	}
	for _, f := range fields {
		v, ok := lookupPath(doc, splitPath(f.Name)[1:])
		if !ok {
			c.Nodes.ResetValues(f.Name)
			continue
		}
		c.Nodes.SetValue(f.Name, v)
	}
}

func lookupPath(doc map[string]any, path []string) (any, bool) {
	var cur any = doc
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, cur != nil
}

// setCSRF sets the csrf_token input: the masked token of a browser flow, "" in an API flow, as
// Kratos's forms always carry the input.
func setCSRF(c *ui.Container, token string) { c.SetCSRF(token) }
