package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wardhq/ward/fault"
)

// traitsPointer is where the traits are in the document Kratos validates, {"traits": …}.
const traitsPointer = "/traits"

// Validate checks traits against schema schemaID ("" is the default schema): the JSON Schema,
// and what the "ory.sh/kratos" extension checks itself (a recovery address must be an email
// address, an SMS code identifier a phone number, …). Empty traits are {}, as in Kratos.
//
// It returns nil, a *[ValidationError] listing every violation (also for traits that are not
// JSON, are longer than MaxTraitsBytes or nest deeper than MaxTraitsDepth), an InvalidArgument
// fault for an unknown schema, or the context's error.
func (r *Registry) Validate(ctx context.Context, schemaID string, traits json.RawMessage) error {
	_, err := r.Extract(ctx, schemaID, traits)
	return err
}

// Extract validates traits as [Registry.Validate] does and, when they are valid, returns what the
// "ory.sh/kratos" extension says about them: identifiers, code, verifiable and recovery
// addresses. Its errors are Validate's.
func (r *Registry) Extract(ctx context.Context, schemaID string, traits json.RawMessage) (*Extracted, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := r.lookup(schemaID)
	if err != nil {
		return nil, err
	}
	doc, bad := decodeTraits(traits)
	if bad != nil {
		return nil, newValidationError(c.id, []Violation{*bad})
	}
	var violations []Violation
	if err := c.schema.Validate(map[string]any{"traits": doc}); err != nil {
		var verr *jsonschema.ValidationError
		if !errors.As(err, &verr) {
			return nil, fault.Bugf("validate against schema %q: %v", c.id, err)
		}
		violations = collectViolations(verr, violations)
	}
	x := newExtractor(r.formats)
	if c.plan != nil {
		x.visit([]*plan{c.plan}, doc, &location{token: "traits"})
	}
	violations = append(violations, x.violations...)
	if len(violations) > 0 {
		return nil, newValidationError(c.id, violations)
	}
	return x.finish(), nil
}

// decodeTraits parses the traits, or says in a violation why it cannot. The bounds are checked
// before the decoder runs, so hostile input costs one pass over at most MaxTraitsBytes.
func decodeTraits(traits json.RawMessage) (any, *Violation) {
	if len(traits) == 0 {
		return map[string]any{}, nil
	}
	if len(traits) > MaxTraitsBytes {
		v := generic(traitsPointer, KeywordMaxBytes,
			fmt.Sprintf("the traits are %d bytes long, more than the %d allowed", len(traits), MaxTraitsBytes))
		return nil, &v
	}
	if nestingDepth(traits) > MaxTraitsDepth {
		v := generic(traitsPointer, KeywordMaxDepth,
			fmt.Sprintf("the traits are nested deeper than %d levels", MaxTraitsDepth))
		return nil, &v
	}
	dec := json.NewDecoder(bytes.NewReader(traits))
	dec.UseNumber()
	var doc any
	err := dec.Decode(&doc)
	if err == nil {
		if _, tail := dec.Token(); !errors.Is(tail, io.EOF) {
			err = errors.New("unexpected data after the top-level value")
		}
	}
	if err != nil {
		v := generic(traitsPointer, KeywordSyntax, "the traits are not valid JSON: "+err.Error())
		return nil, &v
	}
	return doc, nil
}

// nestingDepth returns how deeply objects and arrays nest in data, stopping early once past
// MaxTraitsDepth. It trusts data to be JSON; for anything else its answer only needs to be
// finite, since the decoder then rejects it.
func nestingDepth(data []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > MaxTraitsDepth {
					return deepest
				}
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}
