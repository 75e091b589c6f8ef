package schema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/wardhq/ward/fault"
)

// Keywords of violations. Most are JSON Schema keywords; the doc comment of the package says
// which Kratos text ID each one maps to.
const (
	KeywordRequired         = "required"
	KeywordMinLength        = "minLength"
	KeywordMaxLength        = "maxLength"
	KeywordPattern          = "pattern"
	KeywordFormat           = "format"
	KeywordMinimum          = "minimum"
	KeywordExclusiveMinimum = "exclusiveMinimum"
	KeywordMaximum          = "maximum"
	KeywordExclusiveMaximum = "exclusiveMaximum"
	KeywordMultipleOf       = "multipleOf"
	KeywordMinItems         = "minItems"
	KeywordMaxItems         = "maxItems"
	KeywordUniqueItems      = "uniqueItems"
	KeywordType             = "type"
	KeywordConst            = "const"
	KeywordEnum             = "enum"
	// KeywordFalse is a property whose schema is false: it may not be there at all.
	KeywordFalse = "false"

	// KeywordSyntax says the traits are not one JSON value.
	KeywordSyntax = "syntax"
	// KeywordMaxBytes says the traits are longer than MaxTraitsBytes.
	KeywordMaxBytes = "maxBytes"
	// KeywordMaxDepth says the traits nest deeper than MaxTraitsDepth.
	KeywordMaxDepth = "maxDepth"
)

// Violation is one way a traits document fails its schema.
type Violation struct {
	// Pointer is the RFC 6901 pointer of the failing value in {"traits": …}, such as
	// "/traits/email"; for a missing required property, the pointer of the property.
	Pointer string
	// Keyword is the schema keyword that failed, or one of KeywordSyntax, KeywordMaxBytes and
	// KeywordMaxDepth.
	Keyword string
	// Params are the values of Kratos's message context for this keyword (see the package
	// documentation); never nil, empty only for a const that is an object or an array.
	Params map[string]any
	// Message is Kratos's English text for the violation.
	Message string
}

// Field returns the form field name of the violation's value, as Kratos derives a node name from
// the pointer: "traits.email", dots within a name escaped as "\."; "" for the document root.
func (v Violation) Field() string {
	if v.Pointer == "" {
		return ""
	}
	toks := strings.Split(v.Pointer[1:], "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(unescapeToken(t), ".", `\.`)
	}
	return strings.Join(toks, ".")
}

// ValidationError is a traits document that does not satisfy its schema, with every violation
// found, sorted by pointer and keyword. Through Unwrap it is an InvalidArgument [fault.Error] on
// the field "traits", so [fault.CodeOf] classifies it.
type ValidationError struct {
	SchemaID   string
	Violations []Violation
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "traits do not match identity schema %q:", e.SchemaID)
	for _, v := range e.Violations {
		fmt.Fprintf(&b, " %s: %s;", displayPointer(v.Pointer), v.Message)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Unwrap returns the InvalidArgument fault the violations amount to.
func (e *ValidationError) Unwrap() error {
	msg := "the traits do not match the identity schema"
	if len(e.Violations) > 0 {
		v := e.Violations[0]
		msg = displayPointer(v.Pointer) + ": " + v.Message
		if n := len(e.Violations) - 1; n > 0 {
			msg += fmt.Sprintf(" (and %d more)", n)
		}
	}
	return fault.Invalid("traits", "%s", msg)
}

// newValidationError sorts and de-duplicates vs: the validator visits object members in no
// fixed order, and an extension check may repeat the schema's own format check.
func newValidationError(schemaID string, vs []Violation) *ValidationError {
	slices.SortStableFunc(vs, func(a, b Violation) int {
		if c := strings.Compare(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		if c := strings.Compare(a.Keyword, b.Keyword); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	vs = slices.CompactFunc(vs, func(a, b Violation) bool {
		return a.Pointer == b.Pointer && a.Keyword == b.Keyword && a.Message == b.Message
	})
	return &ValidationError{SchemaID: schemaID, Violations: vs}
}

// generic is a violation that Kratos shows with its generic message: the reason is the text.
func generic(ptr, keyword, message string) Violation {
	return Violation{Pointer: ptr, Keyword: keyword, Params: map[string]any{"reason": message}, Message: message}
}

// collectViolations flattens the validator's error tree into violations. Errors that only group
// others (the schema, allOf, anyOf, $ref, …) contribute their causes, as Kratos lists them.
func collectViolations(e *jsonschema.ValidationError, out []Violation) []Violation {
	ptr := instancePointer(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, name := range k.Missing {
			out = append(out, Violation{
				Pointer: ptr + "/" + escapeToken(name),
				Keyword: KeywordRequired,
				Params:  map[string]any{"property": name},
				Message: fmt.Sprintf("Property %s is missing.", name),
			})
		}
		return out
	case *kind.PropertyNames:
		return append(out, generic(ptr+"/"+escapeToken(k.Property), "propertyNames",
			fmt.Sprintf("property name %q is not valid", k.Property)))
	}
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			out = collectViolations(c, out)
		}
		return out
	}
	return append(out, leafViolation(ptr, e.ErrorKind)...)
}

func leafViolation(ptr string, k jsonschema.ErrorKind) []Violation {
	one := func(keyword string, params map[string]any, format string, args ...any) []Violation {
		return []Violation{{Pointer: ptr, Keyword: keyword, Params: params, Message: fmt.Sprintf(format, args...)}}
	}
	switch k := k.(type) {
	case *kind.MinLength:
		return one(KeywordMinLength, map[string]any{"min_length": k.Want, "actual_length": k.Got},
			"length must be >= %d, but got %d", k.Want, k.Got)
	case *kind.MaxLength:
		return one(KeywordMaxLength, map[string]any{"max_length": k.Want, "actual_length": k.Got},
			"length must be <= %d, but got %d", k.Want, k.Got)
	case *kind.Pattern:
		return one(KeywordPattern, map[string]any{"pattern": k.Want}, "does not match pattern %q", k.Want)
	case *kind.Minimum:
		return bound(ptr, KeywordMinimum, "minimum", ">=", k.Want, k.Got)
	case *kind.ExclusiveMinimum:
		return bound(ptr, KeywordExclusiveMinimum, "minimum", ">", k.Want, k.Got)
	case *kind.Maximum:
		return bound(ptr, KeywordMaximum, "maximum", "<=", k.Want, k.Got)
	case *kind.ExclusiveMaximum:
		return bound(ptr, KeywordExclusiveMaximum, "maximum", "<", k.Want, k.Got)
	case *kind.MultipleOf:
		base, actual := ratFloat(k.Want), ratFloat(k.Got)
		return one(KeywordMultipleOf, map[string]any{"base": base, "actual": actual}, "%v not multipleOf %v", actual, base)
	case *kind.MinItems:
		return one(KeywordMinItems, map[string]any{"min_items": k.Want, "actual_items": k.Got},
			"minimum %d items allowed, but found %d items", k.Want, k.Got)
	case *kind.MaxItems:
		return one(KeywordMaxItems, map[string]any{"max_items": k.Want, "actual_items": k.Got},
			"maximum %d items allowed, but found %d items", k.Want, k.Got)
	case *kind.UniqueItems:
		return one(KeywordUniqueItems, map[string]any{"index_a": k.Duplicates[0], "index_b": k.Duplicates[1]},
			"items at index %d and %d are equal", k.Duplicates[0], k.Duplicates[1])
	case *kind.Type:
		allowed := slices.Clone(k.Want)
		return one(KeywordType, map[string]any{"allowed_types": allowed, "actual_type": k.Got},
			"expected %s, but got %s", strings.Join(allowed, " or "), k.Got)
	case *kind.Const:
		if isComposite(k.Want) {
			return one(KeywordConst, map[string]any{}, "const failed")
		}
		expected := display(k.Want)
		return one(KeywordConst, map[string]any{"expected": expected}, "must be equal to constant %s", expected)
	}
	return []Violation{genericLeaf(ptr, k)}
}

// genericLeaf words the violations Kratos shows with its generic message, in Kratos's words
// where it has them.
func genericLeaf(ptr string, k jsonschema.ErrorKind) Violation {
	switch k := k.(type) {
	case *kind.Format:
		return generic(ptr, KeywordFormat, formatMessage(k.Got, k.Want))
	case *kind.Enum:
		return generic(ptr, KeywordEnum, enumMessage(k.Want))
	case *kind.AdditionalProperties:
		names := slices.Clone(k.Properties)
		slices.Sort(names)
		for i, n := range names {
			names[i] = strconv.Quote(n)
		}
		return generic(ptr, "additionalProperties", fmt.Sprintf("additionalProperties %s not allowed", strings.Join(names, ", ")))
	case *kind.MinProperties:
		return generic(ptr, "minProperties", fmt.Sprintf("minimum %d properties allowed, but found %d properties", k.Want, k.Got))
	case *kind.MaxProperties:
		return generic(ptr, "maxProperties", fmt.Sprintf("maximum %d properties allowed, but found %d properties", k.Want, k.Got))
	case *kind.Dependency:
		return generic(ptr, "dependencies", dependencyMessage(k.Prop, k.Missing))
	case *kind.DependentRequired:
		return generic(ptr, "dependentRequired", dependencyMessage(k.Prop, k.Missing))
	case *kind.Not:
		return generic(ptr, "not", "not failed")
	case *kind.FalseSchema:
		return generic(ptr, KeywordFalse, "always fail")
	case *kind.OneOf:
		if len(k.Subschemas) == 2 {
			return generic(ptr, "oneOf", fmt.Sprintf("valid against schemas at indexes %d and %d", k.Subschemas[0], k.Subschemas[1]))
		}
		return generic(ptr, "oneOf", "oneOf failed")
	case *kind.AdditionalItems:
		return generic(ptr, "additionalItems", fmt.Sprintf("%d additional items are not allowed", k.Count))
	case *kind.MinContains:
		return generic(ptr, "minContains", fmt.Sprintf("at least %d items must match contains, but %d do", k.Want, len(k.Got)))
	case *kind.MaxContains:
		return generic(ptr, "maxContains", fmt.Sprintf("at most %d items may match contains, but %d do", k.Want, len(k.Got)))
	}
	keyword := ""
	if path := k.KeywordPath(); len(path) > 0 {
		keyword = path[len(path)-1]
	}
	if keyword == "" {
		return generic(ptr, "schema", "validation failed")
	}
	return generic(ptr, keyword, keyword+" failed")
}

func bound(ptr, keyword, param, op string, want, got *big.Rat) []Violation {
	limit, actual := ratFloat(want), ratFloat(got)
	return []Violation{{
		Pointer: ptr,
		Keyword: keyword,
		Params:  map[string]any{param: limit, "actual": actual},
		Message: fmt.Sprintf("must be %s %v but found %v", op, limit, actual),
	}}
}

func dependencyMessage(prop string, missing []string) string {
	parts := make([]string, len(missing))
	for i, m := range missing {
		parts[i] = fmt.Sprintf("property %q is required, if %q property exists", m, prop)
	}
	return strings.Join(parts, "; ")
}

// formatMessage is Kratos's text for a value that fails a format: "\"x\" is not valid \"email\"".
func formatMessage(got any, format string) string {
	if s, ok := got.(string); ok {
		return fmt.Sprintf("%q is not valid %q", s, format)
	}
	return fmt.Sprintf("%s is not valid %q", display(got), format)
}

func enumMessage(want []any) string {
	if slices.ContainsFunc(want, isComposite) {
		return "enum failed"
	}
	if len(want) == 1 {
		return "value must be " + display(want[0])
	}
	parts := make([]string, len(want))
	for i, w := range want {
		parts[i] = display(w)
	}
	return "value must be one of " + strings.Join(parts, ", ")
}

func isComposite(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// display writes a JSON value as JSON: strings quoted, numbers as written.
func display(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func ratFloat(r *big.Rat) float64 {
	if r == nil {
		return 0
	}
	f, _ := r.Float64()
	return f
}

func instancePointer(loc []string) string {
	if len(loc) == 0 {
		return ""
	}
	var b strings.Builder
	for _, t := range loc {
		b.WriteByte('/')
		b.WriteString(escapeToken(t))
	}
	return b.String()
}
