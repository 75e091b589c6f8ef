package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/url"
	"strconv"
	"strings"

	"github.com/wardhq/ward/fault"
)

// Submission is a submitted form, flattened to the names nodes carry: {"traits": {"email": "a@b"}}
// becomes "traits.email", an array's items are numbered ("traits.tags.0"), and a dot inside a JSON
// key is escaped as "\." so that it cannot pose as nesting. A value is a string, or, from JSON, a
// [json.Number], a bool or nil.
type Submission map[string]any

// Bounds of a submission: a form has a few dozen fields, and no schema ward serves nests deeply.
const (
	maxSubmissionFields = 1000
	maxSubmissionDepth  = 32
)

// ParseSubmission parses a form body by its Content-Type: application/json (an object) or
// application/x-www-form-urlencoded (of a field sent more than once, the last value counts). The
// caller bounds the body's size. Bad input is a [fault.InvalidArgument] error naming "body" or
// "content_type".
func ParseSubmission(contentType string, body []byte) (Submission, error) {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fault.Invalid("content_type", "%q is not a media type", contentType)
	}
	switch mediaType {
	case "application/json":
		return parseJSONSubmission(body)
	case "application/x-www-form-urlencoded":
		return parseFormSubmission(body)
	}
	return nil, fault.Invalid("content_type", "%s is not application/json or application/x-www-form-urlencoded", mediaType)
}

func parseFormSubmission(body []byte) (Submission, error) {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fault.Invalid("body", "the form is not URL-encoded: %v", err)
	}
	if len(values) > maxSubmissionFields {
		return nil, fault.Invalid("body", "the form has more than %d fields", maxSubmissionFields)
	}
	s := make(Submission, len(values))
	for k, v := range values {
		s[k] = v[len(v)-1]
	}
	return s, nil
}

func parseJSONSubmission(body []byte) (Submission, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, fault.Invalid("body", "the body is not JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fault.Invalid("body", "the body has data after its JSON object")
	}
	object, ok := root.(map[string]any)
	if !ok {
		return nil, fault.Invalid("body", "the body is not a JSON object")
	}
	s := Submission{}
	if err := s.flatten("", object, 1); err != nil {
		return nil, err
	}
	return s, nil
}

// flatten adds v's leaves under path; depth counts the objects and arrays above them.
func (s Submission) flatten(path string, v any, depth int) error {
	if depth > maxSubmissionDepth {
		return fault.Invalid("body", "the JSON nests deeper than %d levels", maxSubmissionDepth)
	}
	join := func(key string) string {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if err := s.flatten(join(strings.ReplaceAll(k, ".", `\.`)), child, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for i, child := range v {
			if err := s.flatten(join(strconv.Itoa(i)), child, depth+1); err != nil {
				return err
			}
		}
	default:
		if len(s) == maxSubmissionFields {
			return fault.Invalid("body", "the JSON has more than %d fields", maxSubmissionFields)
		}
		s[path] = v
	}
	return nil
}

// KeepValues copies what the user typed from s into the form's inputs, for showing a refused form
// again. It only fills inputs the form already has, by name, and only those the user types into:
// hidden inputs (the CSRF token), submit buttons and disabled inputs keep the server's value. Every
// password input is emptied, whatever s holds, so that a password never travels back to the browser.
// A value is fitted to its input: a checkbox gets a bool ("true", "on" and "1" are true; "false",
// "off", "0" and "" false), a number input a [json.Number] when the text is one.
func (c *Container) KeepValues(s Submission) {
	for _, n := range c.Nodes {
		in := inputOf(n)
		switch {
		case in == nil:
		case in.Type == InputTypePassword:
			in.Value = nil
		case in.Disabled || in.Type == InputTypeHidden || in.Type == InputTypeSubmit || in.Type == InputTypeButton:
		default:
			if v, ok := s[in.Name]; ok {
				if v, ok := fit(in.Type, v); ok {
					in.Value = v
				}
			}
		}
	}
}

// fit converts a submitted value for an input of type t, or reports false when it cannot stand there.
func fit(t InputType, v any) (any, bool) {
	switch t {
	case InputTypeCheckbox:
		switch v := v.(type) {
		case bool:
			return v, true
		case string:
			switch strings.ToLower(v) {
			case "true", "on", "1":
				return true, true
			case "false", "off", "0", "":
				return false, true
			}
		case json.Number:
			switch v {
			case "1":
				return true, true
			case "0":
				return false, true
			}
		}
		return nil, false
	case InputTypeNumber:
		if s, ok := v.(string); ok && isJSONNumber(s) {
			return json.Number(s), true
		}
		if _, ok := v.(bool); ok {
			return nil, false
		}
	}
	return v, true
}

// isJSONNumber reports whether s is a JSON number, which json.Number must hold to encode.
func isJSONNumber(s string) bool {
	if s == "" || strings.TrimSpace(s) != s || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	return json.Valid([]byte(s))
}
