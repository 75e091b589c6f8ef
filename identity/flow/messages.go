package flow

import (
	"encoding/json"
	"errors"
	"math"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

// passwordPolicyError is how the password package's PolicyError describes itself: the Kratos
// text ID of its message, the message, and the message's context. Matched by its methods, so that
// the flows need not import the password package.
type passwordPolicyError interface {
	error
	TextID() int
	Context() map[string]any
}

// fieldMessage is a message for a form field ("" for the form itself).
type fieldMessage struct {
	field string
	msg   text.Message
}

// validationMessages returns the messages err amounts to when it is a refusal the user can fix
// (traits that fail the schema, a password the policy refuses), and false otherwise.
func validationMessages(err error) ([]fieldMessage, bool) {
	var verr *schema.ValidationError
	if errors.As(err, &verr) {
		out := make([]fieldMessage, 0, len(verr.Violations))
		for _, v := range verr.Violations {
			out = append(out, fieldMessage{field: v.Field(), msg: violationMessage(v)})
		}
		return out, true
	}
	var perr passwordPolicyError
	if errors.As(err, &perr) {
		return []fieldMessage{{field: nodePassword, msg: policyMessage(perr)}}, true
	}
	return nil, false
}

// policyMessage is Kratos's message for a refused password: the 4000005 family.
func policyMessage(e passwordPolicyError) text.Message {
	m := text.Message{ID: text.ID(e.TextID()), Text: e.Error(), Type: text.TypeError}
	if ctx := e.Context(); len(ctx) > 0 {
		if b, err := json.Marshal(ctx); err == nil {
			m.Context = b
		}
	}
	if m.ID == text.ErrorValidationPasswordPolicyViolationGeneric {
		return text.PasswordPolicyViolation(e.Error())
	}
	return m
}

// violationMessage is Kratos's message for a schema violation (the table in the schema
// package's documentation).
func violationMessage(v schema.Violation) text.Message {
	p := v.Params
	switch v.Keyword {
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
	return text.ValidationGeneric(v.Message)
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
