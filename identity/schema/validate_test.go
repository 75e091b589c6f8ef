package schema_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/schema"
)

// keywordsSchema has a trait for each keyword the violations table exercises.
const keywordsSchema = `{
	"type": "object",
	"properties": {
		"email":    {"type": "string", "format": "email", "minLength": 6},
		"username": {"type": "string", "minLength": 3, "maxLength": 8, "pattern": "^[a-z]+$"},
		"age":      {"type": "integer", "minimum": 18, "maximum": 130},
		"score":    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "multipleOf": 0.5},
		"tags":     {"type": "array", "minItems": 1, "maxItems": 3, "uniqueItems": true, "items": {"type": "string"}},
		"plan":     {"enum": ["free", "pro"]},
		"tos":      {"const": true},
		"meta":     {"const": {"a": 1}},
		"nick":     {"type": ["string", "null"]},
		"birthday": {"type": "string", "format": "date"},
		"phone":    {"type": "string", "format": "tel"},
		"site":     {"type": "string", "format": "uri"},
		"name":     {"type": "object", "properties": {"first": {"type": "string"}, "gone": false}, "required": ["first"]},
		"extra":    {"type": "object", "minProperties": 1, "maxProperties": 1}
	},
	"required": ["email"],
	"additionalProperties": false
}`

func TestValidateViolations(t *testing.T) {
	r := inline(t, traitsSchema(keywordsSchema))
	v := func(ptr, keyword string, params map[string]any, msg string) schema.Violation {
		return schema.Violation{Pointer: ptr, Keyword: keyword, Params: params, Message: msg}
	}
	for _, tc := range []struct {
		name   string
		traits string
		want   []schema.Violation
	}{{
		name:   "required",
		traits: `{}`,
		want:   []schema.Violation{v("/traits/email", "required", map[string]any{"property": "email"}, "Property email is missing.")},
	}, {
		name:   "nested required points at the missing property",
		traits: `{"email":"a@b.io","name":{}}`,
		want:   []schema.Violation{v("/traits/name/first", "required", map[string]any{"property": "first"}, "Property first is missing.")},
	}, {
		// Both the format and the length are reported, as Kratos reports them.
		name:   "format and minLength together",
		traits: `{"email":"a@"}`,
		want: []schema.Violation{
			reason("/traits/email", "format", `"a@" is not valid "email"`),
			v("/traits/email", "minLength", map[string]any{"min_length": 6, "actual_length": 2}, "length must be >= 6, but got 2"),
		},
	}, {
		name:   "maxLength and pattern",
		traits: `{"email":"a@b.io","username":"TooLongName"}`,
		want: []schema.Violation{
			v("/traits/username", "maxLength", map[string]any{"max_length": 8, "actual_length": 11}, "length must be <= 8, but got 11"),
			v("/traits/username", "pattern", map[string]any{"pattern": "^[a-z]+$"}, `does not match pattern "^[a-z]+$"`),
		},
	}, {
		name:   "length counts characters, not bytes",
		traits: `{"email":"a@b.io","username":"äö"}`,
		want: []schema.Violation{
			v("/traits/username", "minLength", map[string]any{"min_length": 3, "actual_length": 2}, "length must be >= 3, but got 2"),
			v("/traits/username", "pattern", map[string]any{"pattern": "^[a-z]+$"}, `does not match pattern "^[a-z]+$"`),
		},
	}, {
		name:   "minimum",
		traits: `{"email":"a@b.io","age":17}`,
		want:   []schema.Violation{v("/traits/age", "minimum", map[string]any{"minimum": 18.0, "actual": 17.0}, "must be >= 18 but found 17")},
	}, {
		name:   "maximum",
		traits: `{"email":"a@b.io","age":131}`,
		want:   []schema.Violation{v("/traits/age", "maximum", map[string]any{"maximum": 130.0, "actual": 131.0}, "must be <= 130 but found 131")},
	}, {
		name:   "exclusive minimum",
		traits: `{"email":"a@b.io","score":0}`,
		want:   []schema.Violation{v("/traits/score", "exclusiveMinimum", map[string]any{"minimum": 0.0, "actual": 0.0}, "must be > 0 but found 0")},
	}, {
		name:   "exclusive maximum and multipleOf",
		traits: `{"email":"a@b.io","score":10.25}`,
		want: []schema.Violation{
			v("/traits/score", "exclusiveMaximum", map[string]any{"maximum": 10.0, "actual": 10.25}, "must be < 10 but found 10.25"),
			v("/traits/score", "multipleOf", map[string]any{"base": 0.5, "actual": 10.25}, "10.25 not multipleOf 0.5"),
		},
	}, {
		name:   "type",
		traits: `{"email":"a@b.io","age":"old"}`,
		want: []schema.Violation{v("/traits/age", "type",
			map[string]any{"allowed_types": []string{"integer"}, "actual_type": "string"}, "expected integer, but got string")},
	}, {
		name:   "integer",
		traits: `{"email":"a@b.io","age":20.5}`,
		want: []schema.Violation{v("/traits/age", "type",
			map[string]any{"allowed_types": []string{"integer"}, "actual_type": "number"}, "expected integer, but got number")},
	}, {
		name:   "type with two allowed",
		traits: `{"email":"a@b.io","nick":1}`,
		want: []schema.Violation{v("/traits/nick", "type",
			map[string]any{"allowed_types": []string{"null", "string"}, "actual_type": "number"}, "expected null or string, but got number")},
	}, {
		name:   "minItems",
		traits: `{"email":"a@b.io","tags":[]}`,
		want:   []schema.Violation{v("/traits/tags", "minItems", map[string]any{"min_items": 1, "actual_items": 0}, "minimum 1 items allowed, but found 0 items")},
	}, {
		name:   "maxItems and uniqueItems",
		traits: `{"email":"a@b.io","tags":["a","b","a","c"]}`,
		want: []schema.Violation{
			v("/traits/tags", "maxItems", map[string]any{"max_items": 3, "actual_items": 4}, "maximum 3 items allowed, but found 4 items"),
			v("/traits/tags", "uniqueItems", map[string]any{"index_a": 0, "index_b": 2}, "items at index 0 and 2 are equal"),
		},
	}, {
		name:   "array item type",
		traits: `{"email":"a@b.io","tags":["a",2]}`,
		want: []schema.Violation{v("/traits/tags/1", "type",
			map[string]any{"allowed_types": []string{"string"}, "actual_type": "number"}, "expected string, but got number")},
	}, {
		name:   "enum",
		traits: `{"email":"a@b.io","plan":"gold"}`,
		want:   []schema.Violation{reason("/traits/plan", "enum", `value must be one of "free", "pro"`)},
	}, {
		name:   "const",
		traits: `{"email":"a@b.io","tos":false}`,
		want:   []schema.Violation{v("/traits/tos", "const", map[string]any{"expected": "true"}, "must be equal to constant true")},
	}, {
		name:   "const object",
		traits: `{"email":"a@b.io","meta":{"a":2}}`,
		want:   []schema.Violation{v("/traits/meta", "const", map[string]any{}, "const failed")},
	}, {
		name:   "date, tel and uri formats",
		traits: `{"email":"a@b.io","birthday":"1990-02-30","phone":"555-1234","site":"not a uri"}`,
		want: []schema.Violation{
			reason("/traits/birthday", "format", `"1990-02-30" is not valid "date"`),
			reason("/traits/phone", "format", `"555-1234" is not valid "tel"`),
			reason("/traits/site", "format", `"not a uri" is not valid "uri"`),
		},
	}, {
		// Well shaped, but no such number: 200 is no North American area code. libphonenumber's
		// tables say so, as they do in Kratos.
		name:   "tel numbers that do not exist",
		traits: `{"email":"a@b.io","phone":"+1 200 555 0100"}`,
		want:   []schema.Violation{reason("/traits/phone", "format", `"+1 200 555 0100" is not valid "tel"`)},
	}, {
		name:   "additionalProperties",
		traits: `{"email":"a@b.io","zz":1,"aa":2}`,
		want:   []schema.Violation{reason("/traits", "additionalProperties", `additionalProperties "aa", "zz" not allowed`)},
	}, {
		name:   "min and max properties",
		traits: `{"email":"a@b.io","extra":{}}`,
		want:   []schema.Violation{reason("/traits/extra", "minProperties", "minimum 1 properties allowed, but found 0 properties")},
	}, {
		name:   "false schema",
		traits: `{"email":"a@b.io","name":{"first":"x","gone":1}}`,
		want:   []schema.Violation{reason("/traits/name/gone", "false", "always fail")},
	}, {
		name:   "traits must be an object",
		traits: `"me"`,
		want: []schema.Violation{v("/traits", "type",
			map[string]any{"allowed_types": []string{"object"}, "actual_type": "string"}, "expected object, but got string")},
	}, {
		name:   "several violations, sorted by pointer",
		traits: `{"username":"X","age":1}`,
		want: []schema.Violation{
			v("/traits/age", "minimum", map[string]any{"minimum": 18.0, "actual": 1.0}, "must be >= 18 but found 1"),
			v("/traits/email", "required", map[string]any{"property": "email"}, "Property email is missing."),
			v("/traits/username", "minLength", map[string]any{"min_length": 3, "actual_length": 1}, "length must be >= 3, but got 1"),
			v("/traits/username", "pattern", map[string]any{"pattern": "^[a-z]+$"}, `does not match pattern "^[a-z]+$"`),
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			err := r.Validate(context.Background(), "test", []byte(tc.traits))
			if got := violations(t, err); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("violations =\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}

func TestValidateValid(t *testing.T) {
	r := inline(t, traitsSchema(keywordsSchema))
	for _, traits := range []string{
		`{"email":"jane@example.com"}`,
		`{"email":"jane@example.com","username":"jane","age":30,"score":9.5,"tags":["a"],"plan":"pro","tos":true,
		  "meta":{"a":1},"nick":null,"birthday":"1990-02-28","phone":"+1 (415) 555-0100","site":"https://x.io",
		  "name":{"first":"Jane"},"extra":{"k":1}}`,
	} {
		if err := r.Validate(context.Background(), "", []byte(traits)); err != nil {
			t.Errorf("Validate(%s) = %v, want nil", traits, err)
		}
	}
}

func TestValidateUnreadableTraits(t *testing.T) {
	r, err := schema.NewRegistry(schema.Config{})
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat(`{"a":`, schema.MaxTraitsDepth) + "1" + strings.Repeat("}", schema.MaxTraitsDepth)
	for _, tc := range []struct {
		name, traits, keyword string
	}{
		{"not JSON", `{"email":`, schema.KeywordSyntax},
		{"trailing data", `{"email":"a@b.io"} {}`, schema.KeywordSyntax},
		{"whitespace only", `   `, schema.KeywordSyntax},
		{"too long", `{"email":"` + strings.Repeat("a", schema.MaxTraitsBytes) + `"}`, schema.KeywordMaxBytes},
		{"too deep", "[" + deep + "]", schema.KeywordMaxDepth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs := violations(t, r.Validate(context.Background(), "", []byte(tc.traits)))
			if len(vs) != 1 || vs[0].Keyword != tc.keyword || vs[0].Pointer != "/traits" || vs[0].Params["reason"] != vs[0].Message {
				t.Errorf("violations = %+v, want one %q at /traits with its reason", vs, tc.keyword)
			}
		})
	}

	// The deepest allowed nesting reaches the validator, which finds other faults.
	vs := violations(t, r.Validate(context.Background(), "", []byte(deep)))
	if vs[0].Keyword == schema.KeywordMaxDepth {
		t.Errorf("traits nested %d deep were refused: %+v", schema.MaxTraitsDepth, vs)
	}
	// Empty traits are {}, as in Kratos.
	vs = violations(t, r.Validate(context.Background(), "", nil))
	if len(vs) != 1 || vs[0].Keyword != schema.KeywordRequired {
		t.Errorf("empty traits: violations = %+v, want email required", vs)
	}
}

func TestValidationErrorIsInvalidArgument(t *testing.T) {
	r, err := schema.NewRegistry(schema.Config{})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Validate(context.Background(), "", []byte(`{"email":"x"}`))
	if got := fault.CodeOf(err); got != fault.InvalidArgument {
		t.Errorf("CodeOf = %v, want invalid_argument", got)
	}
	var f *fault.Error
	if !errors.As(err, &f) || f.Field != "traits" || !strings.Contains(f.Message, `/traits/email: "x" is not valid "email"`) {
		t.Errorf("fault = %+v, want field traits naming the first violation", f)
	}
	if !strings.Contains(err.Error(), `identity schema "default"`) {
		t.Errorf("Error() = %q, want the schema id", err)
	}
}

func TestValidateUnknownSchemaAndContext(t *testing.T) {
	r, err := schema.NewRegistry(schema.Config{})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Validate(context.Background(), "nope", []byte(`{}`))
	var f *fault.Error
	if !errors.As(err, &f) || f.Code != fault.InvalidArgument || f.Field != "schema_id" || !strings.Contains(f.Message, `"nope"`) {
		t.Errorf("unknown schema: error = %v, want InvalidArgument on schema_id naming it", err)
	}
	if _, err := r.Fields("nope"); fault.CodeOf(err) != fault.InvalidArgument {
		t.Errorf("Fields(nope) error = %v, want InvalidArgument", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Validate(ctx, "", []byte(`{"email":"a@b.io"}`)); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: error = %v", err)
	}
}

func TestViolationField(t *testing.T) {
	for ptr, want := range map[string]string{
		"":                 "",
		"/traits":          "traits",
		"/traits/email":    "traits.email",
		"/traits/tags/1":   "traits.tags.1",
		"/traits/a~1b/c.d": `traits.a/b.c\.d`,
		"/traits/x~0y":     "traits.x~y",
	} {
		if got := (schema.Violation{Pointer: ptr}).Field(); got != want {
			t.Errorf("Field(%q) = %q, want %q", ptr, got, want)
		}
	}
}

// Draft 2020-12 schemas work too: $defs, unevaluatedProperties, and format is asserted although
// that draft only annotates it by default.
func TestValidateDraft2020(t *testing.T) {
	r := inline(t, `{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$defs": {"mail": {"type": "string", "format": "email"}},
		"type": "object",
		"properties": {"traits": {
			"type": "object",
			"properties": {"email": {"$ref": "#/$defs/mail", "minLength": 8}},
			"unevaluatedProperties": false
		}}
	}`)
	vs := violations(t, r.Validate(context.Background(), "", []byte(`{"email":"@y.io","other":1}`)))
	want := []schema.Violation{
		reason("/traits/email", "format", `"@y.io" is not valid "email"`),
		{Pointer: "/traits/email", Keyword: "minLength", Params: map[string]any{"min_length": 8, "actual_length": 5}, Message: "length must be >= 8, but got 5"},
		reason("/traits/other", "false", "always fail"),
	}
	if !reflect.DeepEqual(vs, want) {
		t.Errorf("violations =\n%+v\nwant\n%+v", vs, want)
	}
}

func TestValidateConcurrently(t *testing.T) {
	r := fromFile(t, "extension.schema.json")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				good := fmt.Sprintf(`{"email":"u%d-%d@example.com","emails":["a%d@b.io"]}`, g, i, i)
				ex, err := r.Extract(context.Background(), "", []byte(good))
				if err != nil || len(ex.Identifiers[schema.CredentialPassword]) != 2 {
					errs <- fmt.Errorf("good traits: %v %+v", err, ex)
					return
				}
				var ve *schema.ValidationError
				if err := r.Validate(context.Background(), "", []byte(`{"email":"bad"}`)); !errors.As(err, &ve) || len(ve.Violations) != 1 {
					errs <- fmt.Errorf("bad traits: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
