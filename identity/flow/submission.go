package flow

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/url"
	"slices"
	"strings"

	"github.com/wardhq/ward/identity/schema"
)

// MaxSubmissionBytes bounds the body of a flow submission.
const MaxSubmissionBytes = 256 << 10

// Submission is the body of a flow submission, from a form (application/x-www-form-urlencoded)
// or a JSON object (application/json), as Kratos's password method reads it:
// method=password&identifier=…&password=…&csrf_token=…, traits as traits.NAME fields of a form
// or a "traits" object (or "traits.NAME" members, as Kratos's JSON follows the form's names).
type Submission struct {
	Method     string
	CSRFToken  string
	Identifier string
	Password   string
	// Flow is the flow ID a settings body may repeat; the query's flow wins.
	Flow string
	// Email and Code are the code method's fields of a verification flow: the address to send a
	// code to, or the code received.
	Email string
	Code  string
	// TransientPayload is the transient_payload object, nil when none was sent.
	TransientPayload json.RawMessage
	// SecondFactorFields are the TOTP and lookup_secret methods' fields.
	SecondFactorFields

	// traits holds the traits as decoded: JSON values from a JSON body, strings (one per value)
	// from a form, to be typed by the schema (see Traits).
	traits map[string]any
	form   bool
}

// HasTraits says whether the body carried traits.
func (s *Submission) HasTraits() bool { return s.traits != nil }

// ParseSubmission reads a submission body of contentType. The error is a 400 *Error saying what
// is wrong; the body is never echoed.
func ParseSubmission(contentType string, body []byte) (*Submission, error) {
	if len(body) > MaxSubmissionBytes {
		return nil, errBadRequest("The request body is larger than %d bytes.", MaxSubmissionBytes)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil && contentType != "" {
		return nil, errBadRequest("Unable to parse the Content-Type header %q.", contentType)
	}
	switch mt {
	case "application/json":
		return parseJSONSubmission(body)
	case "application/x-www-form-urlencoded", "":
		return parseFormSubmission(body)
	}
	return nil, errBadRequest("The Content-Type %q is not supported: send application/json or application/x-www-form-urlencoded.", mt)
}

func parseFormSubmission(body []byte) (*Submission, error) {
	vs, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errBadRequest("Unable to decode the form body: %s", err)
	}
	s := &Submission{form: true}
	keys := make([]string, 0, len(vs))
	for k := range vs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := vs[k]
		switch {
		case k == "method":
			s.Method = v[0]
		case k == "csrf_token":
			s.CSRFToken = v[0]
		case k == "identifier":
			s.Identifier = v[0]
		case k == "password_identifier":
			if s.Identifier == "" {
				s.Identifier = v[0]
			}
		case k == "password":
			s.Password = v[0]
		case k == "flow":
			s.Flow = v[0]
		case k == "email":
			s.Email = v[0]
		case k == "code":
			s.Code = v[0]
		case k == "transient_payload":
			if err := s.setTransientPayload([]byte(v[0])); err != nil {
				return nil, err
			}
		case s.setSecondFactorForm(k, v[0]):
		case strings.HasPrefix(k, "traits."):
			vals := make([]any, len(v))
			for i, x := range v {
				vals[i] = x
			}
			var val any = vals
			if len(vals) == 1 {
				val = vals[0]
			}
			if err := s.setTrait(k[len("traits."):], val); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

func parseJSONSubmission(body []byte) (*Submission, error) {
	var members map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&members); err != nil {
		return nil, errBadRequest("Unable to decode the JSON body: it must be one JSON object.")
	}
	if dec.More() || members == nil {
		return nil, errBadRequest("Unable to decode the JSON body: it must be one JSON object.")
	}
	s := &Submission{}
	strs := map[string]*string{
		"method": &s.Method, "csrf_token": &s.CSRFToken, "identifier": &s.Identifier,
		"password": &s.Password, "flow": &s.Flow, "email": &s.Email, "code": &s.Code,
	}
	keys := make([]string, 0, len(members))
	for k := range members {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		raw := members[k]
		if dst, ok := strs[k]; ok {
			if err := jsonString(k, raw, dst); err != nil {
				return nil, err
			}
			continue
		}
		switch {
		case k == "password_identifier":
			var legacy string
			if err := jsonString(k, raw, &legacy); err != nil {
				return nil, err
			}
			if s.Identifier == "" {
				s.Identifier = legacy
			}
		case k == "transient_payload":
			if err := s.setTransientPayload(raw); err != nil {
				return nil, err
			}
		case isSecondFactorField(k):
			if err := s.setSecondFactorJSON(k, raw); err != nil {
				return nil, err
			}
		case k == "traits":
			if string(raw) == "null" {
				continue
			}
			var t map[string]any
			if err := decodeNumbers(raw, &t); err != nil || t == nil {
				return nil, errBadRequest("The traits must be a JSON object.")
			}
			for name, v := range t {
				if err := s.setTrait(escapeDots(name), v); err != nil {
					return nil, err
				}
			}
		case strings.HasPrefix(k, "traits."):
			var v any
			if err := decodeNumbers(raw, &v); err != nil {
				return nil, errBadRequest("The value of %q is not JSON.", k)
			}
			if err := s.setTrait(k[len("traits."):], v); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

func jsonString(name string, raw json.RawMessage, dst *string) error {
	if string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return errBadRequest("The value of %q must be a string.", name)
	}
	return nil
}

func decodeNumbers(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

func (s *Submission) setTransientPayload(raw []byte) error {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return errBadRequest("The transient_payload must be a JSON object.")
	}
	s.TransientPayload = bytes.Clone(raw)
	return nil
}

// escapeDots escapes the dots of a JSON member name, so that setTrait takes it as one name.
func escapeDots(name string) string { return strings.ReplaceAll(name, ".", `\.`) }

// splitPath splits a dotted trait path; "\." is a dot within a name, as Kratos writes it.
func splitPath(path string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(path); i++ {
		switch {
		case path[i] == '\\' && i+1 < len(path) && path[i+1] == '.':
			cur.WriteByte('.')
			i++
		case path[i] == '.':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(path[i])
		}
	}
	return append(parts, cur.String())
}

// setTrait puts v at the dotted path of the traits.
func (s *Submission) setTrait(path string, v any) error {
	parts := splitPath(path)
	if len(parts) >= schema.MaxTraitsDepth {
		return errBadRequest("The trait %q nests deeper than %d levels.", path, schema.MaxTraitsDepth)
	}
	if s.traits == nil {
		s.traits = map[string]any{}
	}
	m := s.traits
	for i, p := range parts {
		if p == "" {
			return errBadRequest("The trait name %q has an empty part.", path)
		}
		if i == len(parts)-1 {
			if _, taken := m[p]; taken {
				return errBadRequest("The trait %q is sent twice.", path)
			}
			m[p] = v
			return nil
		}
		next, ok := m[p]
		if !ok {
			child := map[string]any{}
			m[p] = child
			m = child
			continue
		}
		child, ok := next.(map[string]any)
		if !ok {
			return errBadRequest("The trait %q is both a value and an object.", path)
		}
		m = child
	}
	return nil
}

// Traits returns the submitted traits as a JSON object, {} when none were sent. Form values are
// strings; where the schema's field for a name is a number, an integer or a boolean, a value
// that reads as one becomes one, and an array field takes the values as a list, as Kratos's
// form decoder does. Anything else is left for the schema to refuse.
func (s *Submission) Traits(fields []schema.Field) json.RawMessage {
	if s.traits == nil {
		return json.RawMessage("{}")
	}
	t := s.traits
	if s.form {
		t = typed(t, "traits", fields).(map[string]any)
	}
	b, err := json.Marshal(t)
	if err != nil {
		// Decoded JSON and strings always encode.
		return json.RawMessage("{}")
	}
	return b
}

func typed(v any, name string, fields []schema.Field) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, c := range x {
			out[k] = typed(c, name+"."+escapeDots(k), fields)
		}
		return out
	case []any:
		return x
	case string:
		i := slices.IndexFunc(fields, func(f schema.Field) bool { return f.Name == name })
		if i < 0 {
			return x
		}
		switch fields[i].JSONType {
		case "number", "integer":
			if isJSONNumber(x) {
				return json.Number(x)
			}
		case "boolean":
			switch x {
			case "true", "on", "1":
				return true
			case "false", "off", "0":
				return false
			}
		case "array":
			return []any{x}
		}
	}
	return v
}

// isJSONNumber says whether s is a JSON number literal.
func isJSONNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}
