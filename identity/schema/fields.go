package schema

import "slices"

// InputType is the HTML input type of a form field.
type InputType string

// The input types a trait can have. Kratos never gives a trait the password type: that is kept
// for the password node itself.
const (
	InputText          InputType = "text"
	InputEmail         InputType = "email"
	InputTel           InputType = "tel"
	InputNumber        InputType = "number"
	InputCheckbox      InputType = "checkbox"
	InputDate          InputType = "date"
	InputDateTimeLocal InputType = "datetime-local"
	InputURL           InputType = "url"
)

// Field describes one trait as a form input, with what Kratos v1.3.1 puts on the input node it
// makes from the schema (ui/node.NewInputFieldFromSchema): name, type, required, pattern,
// autocomplete, and the title as the label. Kratos sets no min, max or maxlength attribute from
// the schema, so neither does Field.
type Field struct {
	// Name is the form name: "traits.email", "traits.name.first" for a nested trait.
	Name string
	// Type is the input type: from the format when it has one (email, tel, date, date-time as
	// datetime-local, uri as url), else number for numbers and integers, checkbox for booleans,
	// text for everything else (strings, and arrays of scalars, which Kratos shows as text).
	Type InputType
	// JSONType is the trait's JSON type ("string", "number", "integer", "boolean", "array"), or
	// "" when the schema names none.
	JSONType string
	// Format is the schema's format, "" if none.
	Format string
	// Required says the trait is in its parent object's required list.
	Required bool
	// Title is the schema's title, which Kratos shows as the label (text ID 1070002,
	// InfoNodeLabelGenerated, with the title as its text); "" when the schema gives none.
	Title string
	// Pattern is the schema's pattern, copied onto the input.
	Pattern string
	// Autocomplete is "email", "tel" or "url" for those formats, else "".
	Autocomplete string
}

// maxFieldDepth bounds how deep nested objects are listed; traits cannot nest deeper anyway.
const maxFieldDepth = MaxTraitsDepth

// buildFields lists the leaves of the traits schema depth-first in document order, following
// properties, local $refs and allOf. Objects are not fields themselves, nor are arrays of
// objects or arrays; a property reached twice is listed where it first appears.
func buildFields(root, traits *node) []Field {
	b := fieldBuilder{root: root, names: map[string]bool{}}
	b.object(traits, "traits", 0)
	return b.fields
}

type fieldBuilder struct {
	root   *node
	fields []Field
	names  map[string]bool
}

func (b *fieldBuilder) object(n *node, prefix string, depth int) {
	if depth >= maxFieldDepth {
		return
	}
	for _, src := range b.sources(n) {
		props := src.get("properties")
		if props == nil || props.kind != kindObject {
			continue
		}
		required := src.get("required")
		for _, m := range props.members {
			b.property(m.key, m.val, prefix+"."+m.key, isListed(required, m.key), depth)
		}
	}
}

func (b *fieldBuilder) property(name string, n *node, full string, required bool, depth int) {
	if n.kind != kindObject {
		return
	}
	chain := b.sources(n)
	look := func(key string) *node {
		for _, c := range chain {
			if v := c.get(key); v != nil {
				return v
			}
		}
		return nil
	}
	typ := jsonType(look("type"), look("const"))
	hasProps := slices.ContainsFunc(chain, func(c *node) bool { return c.get("properties") != nil })
	if typ == "object" || (typ == "" && hasProps) {
		b.object(n, full, depth+1)
		return
	}
	if b.names[full] {
		return
	}
	f := Field{Name: full, Required: required, JSONType: typ}
	switch typ {
	case "string":
		f.Type = InputText
	case "number", "integer":
		f.Type = InputNumber
	case "boolean":
		f.Type = InputCheckbox
	case "array":
		if items := b.sources(look("items")); len(items) > 0 {
			switch jsonType(items[0].get("type"), nil) {
			case "object", "array", "null", "composite":
				return
			}
		}
		f.Type = InputText
	case "", "null":
		// Kratos lists a trait of no type, of type null or of two types only when it has a
		// default, as text.
		if look("default") == nil {
			return
		}
		f.Type = InputText
	default: // more than two types, or a const object or array
		return
	}
	f.Format, _ = stringOf(look("format"))
	f.Title, _ = stringOf(look("title"))
	f.Pattern, _ = stringOf(look("pattern"))
	switch f.Format {
	case "email":
		f.Type, f.Autocomplete = InputEmail, "email"
	case "tel":
		f.Type, f.Autocomplete = InputTel, "tel"
	case "uri":
		f.Type, f.Autocomplete = InputURL, "url"
	case "date":
		f.Type = InputDate
	case "date-time":
		f.Type = InputDateTimeLocal
	}
	b.names[full] = true
	b.fields = append(b.fields, f)
}

// sources returns n and the schemas it takes in through a local $ref and allOf, depth-first and
// each once; the first one holding a keyword decides it.
func (b *fieldBuilder) sources(n *node) []*node {
	var out []*node
	var add func(n *node)
	add = func(n *node) {
		if n == nil || n.kind != kindObject || slices.Contains(out, n) {
			return
		}
		out = append(out, n)
		if ref, ok := n.stringAt("$ref"); ok {
			target, _ := resolveLocal(b.root, ref)
			add(target)
		}
		if all := n.get("allOf"); all != nil && all.kind == kindArray {
			for _, sub := range all.items {
				add(sub)
			}
		}
	}
	add(n)
	return out
}

// jsonType returns the one JSON type a schema allows: from const when there is one, else from
// type (a string or a list of one); "" when the schema names no type or two (Kratos treats a
// pair such as ["string", "null"] as untyped), and "composite" for more types or for a const
// object or array.
func jsonType(typ, constant *node) string {
	if constant != nil {
		switch constant.kind {
		case kindString:
			return "string"
		case kindNumber:
			return "number"
		case kindBool:
			return "boolean"
		}
		return "composite"
	}
	if typ == nil {
		return ""
	}
	switch typ.kind {
	case kindString:
		return typ.str
	case kindArray:
		if len(typ.items) == 1 && typ.items[0].kind == kindString {
			return typ.items[0].str
		}
		if len(typ.items) > 2 {
			return "composite"
		}
	}
	return ""
}

func isListed(list *node, name string) bool {
	if list == nil || list.kind != kindArray {
		return false
	}
	return slices.ContainsFunc(list.items, func(it *node) bool { return it.kind == kindString && it.str == name })
}

func stringOf(n *node) (string, bool) {
	if n == nil || n.kind != kindString {
		return "", false
	}
	return n.str, true
}
