package flow

import (
	"errors"
	"math"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

// fieldMessage is a message for a form field ("" for the form itself).
type fieldMessage struct {
	field string
	msg   text.Message
}

// validationMessages returns the messages err amounts to when it is a refusal the user can fix
// (traits that fail the schema, a password the policy refuses), and false otherwise.
func validationMessages(err error) ([]fieldMessage, bool) {
	var ierr *identity.ValidationError
	if errors.As(err, &ierr) {
		out := make([]fieldMessage, 0, len(ierr.Violations))
		for _, v := range ierr.Violations {
			out = append(out, identityViolationMessage(v))
		}
		return out, true
	}
	var serr *schema.ValidationError
	if errors.As(err, &serr) {
		out := make([]fieldMessage, 0, len(serr.Violations))
		for _, v := range serr.Violations {
			out = append(out, fieldMessage{field: v.Field(), msg: violationMessage(v.Keyword, v.Params, v.Message)})
		}
		return out, true
	}
	return nil, false
}

// identityViolationMessage places and words one of the identity service's violations.
func identityViolationMessage(v identity.Violation) fieldMessage {
	field := schema.Violation{Pointer: v.Pointer}.Field()
	switch v.Keyword {
	case identity.KeywordPasswordPolicy:
		return fieldMessage{field: field, msg: policyMessage(v)}
	case identity.KeywordIdentifierMissing:
		return fieldMessage{msg: text.IdentifierMissing()}
	case identity.KeywordRequest:
		return fieldMessage{field: field, msg: text.ValidationGeneric(v.Message)}
	}
	return fieldMessage{field: field, msg: violationMessage(v.Keyword, v.Params, v.Message)}
}

// policyMessage is Kratos's message for a refused password: the 4000005 family.
func policyMessage(v identity.Violation) text.Message {
	p := v.Params
	switch v.Reason {
	case "too_short":
		return text.PasswordMinLength(num(p["min_length"]), num(p["actual_length"]))
	case "too_long":
		return text.PasswordMaxLength(num(p["max_length"]), num(p["actual_length"]))
	case "too_similar":
		return text.PasswordIdentifierTooSimilar()
	case "common":
		// Kratos's breach message; a bundled list knows no breach count, so no context.
		return text.Message{ID: text.ErrorValidationPasswordTooManyBreaches, Text: v.Message, Type: text.TypeError}
	}
	return text.PasswordPolicyViolation(v.Message)
}

// violationMessage is Kratos's message for a schema violation (the table in the schema
// package's documentation).
func violationMessage(keyword string, p map[string]any, message string) text.Message {
	switch keyword {
	case schema.KeywordRequired:
		return text.Required(str(p["property"]))
	case schema.KeywordMinLength:
		return text.MinLength(num(p["min_length"]), num(p["actual_length"]))
	case schema.KeywordMaxLength:
		return text.MaxLength(num(p["max_length"]), num(p["actual_length"]))
	case schema.KeywordPattern:
		return text.InvalidFormat(str(p["pattern"]))
	case schema.KeywordMinimum:
		return text.Minimum(flt(p["minimum"]), flt(p["actual"]))
	case schema.KeywordExclusiveMinimum:
		return text.ExclusiveMinimum(flt(p["minimum"]), flt(p["actual"]))
	case schema.KeywordMaximum:
		return text.Maximum(flt(p["maximum"]), flt(p["actual"]))
	case schema.KeywordExclusiveMaximum:
		return text.ExclusiveMaximum(flt(p["maximum"]), flt(p["actual"]))
	case schema.KeywordMultipleOf:
		return text.MultipleOf(flt(p["base"]), flt(p["actual"]))
	case schema.KeywordMaxItems:
		return text.MaxItems(num(p["max_items"]), num(p["actual_items"]))
	case schema.KeywordMinItems:
		return text.MinItems(num(p["min_items"]), num(p["actual_items"]))
	case schema.KeywordUniqueItems:
		return text.UniqueItems(num(p["index_a"]), num(p["index_b"]))
	case schema.KeywordType:
		types, _ := p["allowed_types"].([]string)
		return text.WrongType(types, str(p["actual_type"]))
	case schema.KeywordConst:
		if e, ok := p["expected"]; ok {
			return text.Const(e)
		}
		return text.ConstGeneric()
	}
	return text.ValidationGeneric(message)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return int(x)
		}
	}
	return 0
}

func flt(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	return 0
}

// addMessages attaches ms to the form: each to its field's node, or to the form.
func addMessages(c *ui.Container, ms []fieldMessage) {
	for _, m := range ms {
		if m.field == "" {
			c.AddMessage(m.msg)
			continue
		}
		c.AddMessage(m.msg, m.field)
	}
}

// isAlreadyExists says whether err is the identity service's refusal of a taken identifier.
func isAlreadyExists(err error) bool { return fault.CodeOf(err) == fault.AlreadyExists }
