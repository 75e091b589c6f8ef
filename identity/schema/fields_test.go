package schema_test

import (
	"reflect"
	"testing"

	"github.com/wardhq/ward/identity/schema"
)

func TestFields(t *testing.T) {
	// The properties are deliberately out of alphabetical order: fields keep the schema's.
	r := inline(t, `{
		"$schema": "http://json-schema.org/draft-07/schema#",
		"definitions": {
			"address": {"type": "object", "properties": {
				"street": {"type": "string", "title": "Street"},
				"zip": {"type": "string", "pattern": "^[0-9]{5}$"}
			}, "required": ["zip"]},
			"handle": {"type": "string", "title": "Handle", "format": "email"}
		},
		"properties": {"traits": {
			"type": "object",
			"properties": {
				"zeta": {"type": "string", "title": "Zeta", "minLength": 3, "maxLength": 9, "pattern": "^z"},
				"email": {"type": "string", "format": "email", "title": "E-Mail"},
				"phone": {"type": "string", "format": "tel"},
				"website": {"type": "string", "format": "uri"},
				"birthday": {"type": "string", "format": "date"},
				"wake": {"type": "string", "format": "date-time"},
				"re": {"type": "string", "format": "regex"},
				"age": {"type": "integer", "minimum": 0},
				"height": {"type": "number"},
				"newsletter": {"type": "boolean", "title": "Newsletter"},
				"name": {"type": "object", "properties": {
					"last": {"type": "string", "title": "Last"},
					"first": {"type": "string", "title": "First"}
				}, "required": ["first"]},
				"home": {"$ref": "#/definitions/address"},
				"login": {"$ref": "#/definitions/handle"},
				"tags": {"type": "array", "items": {"type": "string"}},
				"pets": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "string"}}}},
				"plan": {"const": "free"},
				"blob": {"type": "object"},
				"maybe": {"type": ["string", "null"]},
				"maybe_default": {"type": ["string", "null"], "default": "x"},
				"anything": {},
				"many": {"type": ["string", "number", "boolean"]}
			},
			"allOf": [{"properties": {"extra": {"type": "string", "title": "Extra"}}, "required": ["extra"]}],
			"required": ["email", "zeta"]
		}}
	}`)
	got, err := r.Fields("")
	if err != nil {
		t.Fatal(err)
	}
	want := []schema.Field{
		{Name: "traits.zeta", Type: schema.InputText, JSONType: "string", Required: true, Title: "Zeta", Pattern: "^z"},
		{Name: "traits.email", Type: schema.InputEmail, JSONType: "string", Format: "email", Required: true, Title: "E-Mail", Autocomplete: "email"},
		{Name: "traits.phone", Type: schema.InputTel, JSONType: "string", Format: "tel", Autocomplete: "tel"},
		{Name: "traits.website", Type: schema.InputURL, JSONType: "string", Format: "uri", Autocomplete: "url"},
		{Name: "traits.birthday", Type: schema.InputDate, JSONType: "string", Format: "date"},
		{Name: "traits.wake", Type: schema.InputDateTimeLocal, JSONType: "string", Format: "date-time"},
		{Name: "traits.re", Type: schema.InputText, JSONType: "string", Format: "regex"},
		{Name: "traits.age", Type: schema.InputNumber, JSONType: "integer"},
		{Name: "traits.height", Type: schema.InputNumber, JSONType: "number"},
		{Name: "traits.newsletter", Type: schema.InputCheckbox, JSONType: "boolean", Title: "Newsletter"},
		{Name: "traits.name.last", Type: schema.InputText, JSONType: "string", Title: "Last"},
		{Name: "traits.name.first", Type: schema.InputText, JSONType: "string", Required: true, Title: "First"},
		{Name: "traits.home.street", Type: schema.InputText, JSONType: "string", Title: "Street"},
		{Name: "traits.home.zip", Type: schema.InputText, JSONType: "string", Required: true, Pattern: "^[0-9]{5}$"},
		{Name: "traits.login", Type: schema.InputEmail, JSONType: "string", Format: "email", Title: "Handle", Autocomplete: "email"},
		{Name: "traits.tags", Type: schema.InputText, JSONType: "array"},
		{Name: "traits.plan", Type: schema.InputText, JSONType: "string"},
		{Name: "traits.maybe_default", Type: schema.InputText},
		{Name: "traits.extra", Type: schema.InputText, JSONType: "string", Required: true, Title: "Extra"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Fields =")
		for _, f := range got {
			t.Errorf("  %+v", f)
		}
		t.Errorf("want")
		for _, f := range want {
			t.Errorf("  %+v", f)
		}
	}

	// Callers may change what they get.
	got[0].Name = "changed"
	if again, _ := r.Fields(""); again[0].Name != "traits.zeta" {
		t.Error("changing a returned field changed the registry's")
	}
}

func TestFieldsBuiltin(t *testing.T) {
	r, err := schema.NewRegistry(schema.Config{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Fields(schema.DefaultSchemaID)
	if err != nil {
		t.Fatal(err)
	}
	want := []schema.Field{
		{Name: "traits.email", Type: schema.InputEmail, JSONType: "string", Format: "email", Required: true, Title: "E-Mail", Autocomplete: "email"},
		{Name: "traits.name.first", Type: schema.InputText, JSONType: "string", Title: "First Name"},
		{Name: "traits.name.last", Type: schema.InputText, JSONType: "string", Title: "Last Name"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Fields = %+v\nwant %+v", got, want)
	}
}

// An object that contains itself is listed once, not again inside itself.
func TestFieldsRecursive(t *testing.T) {
	r := inline(t, `{"definitions":{"node":{"type":"object","properties":{"id":{"type":"string"},"next":{"$ref":"#/definitions/node"}}}},
		"properties":{"traits":{"type":"object","properties":{"root":{"$ref":"#/definitions/node"}}}}}`)
	got, err := r.Fields("")
	if err != nil {
		t.Fatal(err)
	}
	if want := []schema.Field{{Name: "traits.root.id", Type: schema.InputText, JSONType: "string"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Fields = %+v, want %+v", got, want)
	}
}
