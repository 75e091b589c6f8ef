package schema

import (
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// The validator stops checking a value at the first format it fails, so an email address that
// is too short would only be reported as not an email address. Kratos reports both. ward
// therefore turns the validator's own format keyword into a no-op and checks formats in a
// vocabulary of its own, which reports a failure alongside the value's other violations.

// standardFormats are the formats the validator knows; each is disabled in the schema compiler
// and checked by the vocabulary instead. ("regex" cannot be replaced, and stays the validator's.)
var standardFormats = []string{
	"date", "date-time", "duration", "email", "hostname", "ipv4", "ipv6", "iri", "iri-reference",
	"json-pointer", "period", "relative-json-pointer", "semver", "time", "uri", "uri-reference",
	"uri-template", "uuid",
}

// formatAliases are older names Kratos's validator also knows, checked as the format they name.
var formatAliases = map[string]string{
	"ip-address": "ipv4",
	"uriref":     "uri-reference",
}

// formatVocabURL names ward's format vocabulary; schemas never refer to it.
const formatVocabURL = "https://ward.invalid/vocab/format"

// formatCheckers check a value against one format each. They are compiled once per Registry.
type formatCheckers map[string]*jsonschema.Schema

func newFormatCheckers() (formatCheckers, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseLoader(noLoader{})
	c.RegisterFormat(&jsonschema.Format{Name: "tel", Validate: validateTel})
	checkers := formatCheckers{}
	for i, name := range append(standardFormats, "tel") {
		loc := fmt.Sprintf("ward-format:///%d.json", i)
		if err := c.AddResource(loc, map[string]any{"format": name}); err != nil {
			return nil, err
		}
		sch, err := c.Compile(loc)
		if err != nil {
			return nil, err
		}
		checkers[name] = sch
	}
	for alias, name := range formatAliases {
		checkers[alias] = checkers[name]
	}
	return checkers, nil
}

// check reports whether v satisfies format; unknown formats (and "no-validate") accept anything.
func (fc formatCheckers) check(format string, v any) bool {
	sch, ok := fc[format]
	return !ok || sch.Validate(v) == nil
}

// vocabulary returns the vocabulary that checks "format" with the checkers.
func (fc formatCheckers) vocabulary() *jsonschema.Vocabulary {
	return &jsonschema.Vocabulary{
		URL: formatVocabURL,
		Compile: func(_ *jsonschema.CompilerContext, obj map[string]any) (jsonschema.SchemaExt, error) {
			name, ok := obj["format"].(string)
			if !ok {
				return nil, nil
			}
			if _, known := fc[name]; !known {
				return nil, nil
			}
			return formatCheck{checkers: fc, name: name}, nil
		},
	}
}

type formatCheck struct {
	checkers formatCheckers
	name     string
}

func (f formatCheck) Validate(ctx *jsonschema.ValidatorContext, v any) {
	if !f.checkers.check(f.name, v) {
		ctx.AddError(&kind.Format{Got: v, Want: f.name})
	}
}

// disableStandardFormats makes the compiler's own format keyword accept everything but "regex".
func disableStandardFormats(c *jsonschema.Compiler) {
	accept := func(any) error { return nil }
	for _, name := range standardFormats {
		c.RegisterFormat(&jsonschema.Format{Name: name, Validate: accept})
	}
	c.RegisterFormat(&jsonschema.Format{Name: "tel", Validate: accept})
	c.RegisterFormat(&jsonschema.Format{Name: "no-validate", Validate: accept})
}
