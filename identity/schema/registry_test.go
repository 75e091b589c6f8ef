package schema_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/schema"
)

const minimalSchema = `{"properties":{"traits":{"type":"object","properties":{"email":{"type":"string","format":"email"}}}}}`

func TestNewRegistrySources(t *testing.T) {
	file := readTestdata(t, "extension.schema.json")
	abs, err := filepath.Abs(filepath.Join("testdata", "extension.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, url string
		want      []byte
	}{
		{"relative file", "file://./testdata/extension.schema.json", file},
		{"absolute file", "file://" + abs, file},
		{"base64 standard", "base64://" + base64.StdEncoding.EncodeToString(file), file},
		{"base64 url unpadded", "base64://" + base64.RawURLEncoding.EncodeToString(file), file},
		{"inline", minimalSchema, []byte(minimalSchema)},
		{"inline with blanks around it", "\n  " + minimalSchema + "\n", []byte(minimalSchema)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := inline(t, tc.url)
			doc, err := r.Get("test")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(doc.Schema, tc.want) {
				t.Errorf("Get returned %d bytes, not the source's %d", len(doc.Schema), len(tc.want))
			}
			if err := r.Validate(context.Background(), "test", []byte(`{"email":"no"}`)); err == nil {
				t.Error("the compiled schema accepts a bad email address")
			}
		})
	}
}

func TestNewRegistryBuiltin(t *testing.T) {
	for _, tc := range []struct {
		name, defaultID, wantID string
	}{
		{"no config", "", schema.DefaultSchemaID},
		{"own default id", "preset://email", "preset://email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := schema.NewRegistry(schema.Config{DefaultSchemaID: tc.defaultID})
			if err != nil {
				t.Fatal(err)
			}
			if r.DefaultID() != tc.wantID {
				t.Errorf("DefaultID = %q, want %q", r.DefaultID(), tc.wantID)
			}
			list := r.List()
			if len(list) != 1 || list[0].ID != tc.wantID {
				t.Fatalf("List = %+v, want the built-in schema as %q", list, tc.wantID)
			}
			ex, err := r.Extract(context.Background(), "", []byte(`{"email":"Jane@Example.com","name":{"first":"Jane"}}`))
			if err != nil {
				t.Fatal(err)
			}
			if got := ex.Identifiers[schema.CredentialPassword]; len(got) != 1 || got[0] != "jane@example.com" {
				t.Errorf("password identifiers = %q", got)
			}
			if len(ex.VerifiableAddresses) != 1 || len(ex.RecoveryAddresses) != 1 {
				t.Errorf("addresses = %+v %+v, want the email for verification and recovery", ex.VerifiableAddresses, ex.RecoveryAddresses)
			}
		})
	}
}

func TestNewRegistryErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, []byte(`{"x":"`+strings.Repeat("a", schema.MaxSchemaBytes)+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	withTraits := func(traitProps string) string {
		return `{"properties":{"traits":{"type":"object","properties":` + traitProps + `}}}`
	}
	withExt := func(ext string) string {
		return withTraits(`{"email":{"type":"string","format":"email","ory.sh/kratos":` + ext + `}}`)
	}
	one := func(url string) []schema.Source { return []schema.Source{{ID: "customer", URL: url}} }

	for _, tc := range []struct {
		name    string
		cfg     schema.Config
		field   string
		message string // a part of the message
	}{
		{"http refused", schema.Config{Schemas: one("http://example.com/s.json")}, "identity.schemas[0].url", "use file://PATH"},
		{"https refused", schema.Config{Schemas: one("https://example.com/s.json")}, "identity.schemas[0].url", "fetches nothing over the network"},
		{"unknown scheme", schema.Config{Schemas: one("ftp://example.com/s.json")}, "identity.schemas[0].url", `unsupported url scheme "ftp"`},
		{"no scheme", schema.Config{Schemas: one("schema.json")}, "identity.schemas[0].url", "file://PATH, base64://DATA or an inline"},
		{"missing file", schema.Config{Schemas: one("file://" + filepath.Join(dir, "nope.json"))}, "identity.schemas[0].url", "no such file"},
		{"directory", schema.Config{Schemas: one("file://" + dir)}, "identity.schemas[0].url", "is a directory"},
		{"file too large", schema.Config{Schemas: one("file://" + big)}, "identity.schemas[0].url", "larger than 1048576 bytes"},
		{"bad base64", schema.Config{Schemas: one("base64://not*base64")}, "identity.schemas[0].url", "bad base64"},
		{"bad JSON", schema.Config{Schemas: one(`{"properties":`)}, "identity.schemas[0]", "not valid JSON"},
		{"trailing data", schema.Config{Schemas: one(minimalSchema + ` {}`)}, "identity.schemas[0]", "after the top-level value"},
		{"duplicate key", schema.Config{Schemas: one(`{"properties":{},"properties":{}}`)}, "identity.schemas[0]", `duplicate key "properties"`},
		{"too deep", schema.Config{Schemas: one(`{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`)}, "identity.schemas[0]", "nested deeper than 128"},
		{"not an object", schema.Config{Schemas: one(b64(`[]`))}, "identity.schemas[0]", "must be a JSON object"},
		{"no traits", schema.Config{Schemas: one(`{"type":"object"}`)}, "identity.schemas[0]", "no properties.traits"},
		{"traits not an object schema", schema.Config{Schemas: one(`{"properties":{"traits":{"type":"string"}}}`)}, "identity.schemas[0]", `must have type "object"`},
		{"traits without properties", schema.Config{Schemas: one(`{"properties":{"traits":{"type":"object"}}}`)}, "identity.schemas[0]", "at least one trait"},
		{"boolean trait", schema.Config{Schemas: one(withTraits(`{"email":true}`))}, "identity.schemas[0]", "/properties/traits/properties/email must be a schema object"},
		{"bad keyword value", schema.Config{Schemas: one(withTraits(`{"email":{"type":5}}`))}, "identity.schemas[0]", "not a valid JSON Schema: /properties/traits/properties/email/type: "},
		{"bad regex", schema.Config{Schemas: one(withTraits(`{"email":{"type":"string","pattern":"(?=a)"}}`))}, "identity.schemas[0]", `/email/pattern: "(?=a)" is not valid "regex"`},
		{"external ref", schema.Config{Schemas: one(withTraits(`{"email":{"$ref":"other.json"}}`))}, "identity.schemas[0]", "loads no document but the schema itself"},
		{"unknown $schema", schema.Config{Schemas: one(`{"$schema":"https://example.com/meta","properties":{"traits":{"properties":{"a":{}}}}}`)}, "identity.schemas[0]", "loads no document but the schema itself"},
		{"extension not an object", schema.Config{Schemas: one(withExt(`true`))}, "identity.schemas[0]", "ory.sh~1kratos: must be an object"},
		{"extension unknown key", schema.Config{Schemas: one(withExt(`{"credentials":{"pasword":{}}}`))}, "identity.schemas[0]", `unknown key "pasword"`},
		{"identifier not a boolean", schema.Config{Schemas: one(withExt(`{"credentials":{"password":{"identifier":"yes"}}}`))}, "identity.schemas[0]", "/credentials/password/identifier: must be true or false"},
		{"bad verification channel", schema.Config{Schemas: one(withExt(`{"verification":{"via":"pigeon"}}`))}, "identity.schemas[0]", `/verification/via: must be one of "email", "sms"`},
		{"recovery by sms", schema.Config{Schemas: one(withExt(`{"recovery":{"via":"sms"}}`))}, "identity.schemas[0]", `/recovery/via: must be one of "email"`},
		{"code identifier without channel", schema.Config{Schemas: one(withExt(`{"credentials":{"code":{"identifier":true}}}`))}, "identity.schemas[0]", "needs credentials.code.via"},
		{"verification by sms without format", schema.Config{Schemas: one(withTraits(`{"phone":{"type":"string","ory.sh/kratos":{"verification":{"via":"sms"}}}}`))}, "identity.schemas[0]", `verification via "sms" needs a format`},
		{"verification with another format", schema.Config{Schemas: one(withTraits(`{"site":{"type":"string","format":"uri","ory.sh/kratos":{"verification":{"via":"email"}}}}`))}, "identity.schemas[0]", `not "uri"`},
		{"nested extension checked too", schema.Config{Schemas: one(withTraits(`{"a":{"type":"object","properties":{"b":{"type":"string","ory.sh/kratos":{"recovery":{"via":1}}}}}}`))}, "identity.schemas[0]", "/recovery/via"},
		{"empty id", schema.Config{Schemas: []schema.Source{{URL: minimalSchema}}}, "identity.schemas[0].id", "needs an id"},
		{"duplicate id", schema.Config{DefaultSchemaID: "a", Schemas: []schema.Source{{ID: "a", URL: minimalSchema}, {ID: "a", URL: minimalSchema}}}, "identity.schemas[1].id", `"a" is used twice`},
		{"default not configured", schema.Config{DefaultSchemaID: "staff", Schemas: []schema.Source{{ID: "customer", URL: minimalSchema}}}, "identity.default_schema_id", `"staff" is not among identity.schemas ("customer")`},
		{"implicit default not configured", schema.Config{Schemas: []schema.Source{{ID: "customer", URL: minimalSchema}}}, "identity.default_schema_id", `"default" is not among`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := schema.NewRegistry(tc.cfg)
			if err == nil {
				t.Fatalf("NewRegistry = %v, want an error", r)
			}
			var f *fault.Error
			if !errors.As(err, &f) || f.Code != fault.InvalidArgument {
				t.Fatalf("error = %v (%T), want InvalidArgument", err, err)
			}
			if f.Field != tc.field || !strings.Contains(f.Message, tc.message) {
				t.Errorf("error = %q on %q, want %q containing %q", f.Message, f.Field, tc.field, tc.message)
			}
			if strings.HasPrefix(tc.field, "identity.schemas") && !strings.HasSuffix(tc.field, ".id") && !strings.Contains(f.Message, `schema "customer"`) {
				t.Errorf("error %q does not name the schema", f.Message)
			}
		})
	}
}

func TestListAndGet(t *testing.T) {
	second := traitsSchema(`{"type":"object","properties":{"name":{"type":"string"}}}`)
	r, err := schema.NewRegistry(schema.Config{
		DefaultSchemaID: "customer",
		Schemas: []schema.Source{
			{ID: "customer", URL: "file://testdata/extension.schema.json"},
			{ID: "preset://staff", URL: second},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	list := r.List()
	if len(list) != 2 || list[0].ID != "customer" || list[1].ID != "preset://staff" {
		t.Fatalf("List = %v, want config order", list)
	}
	if !bytes.Equal(list[1].Schema, []byte(second)) {
		t.Errorf("List()[1].Schema = %s, want the source", list[1].Schema)
	}
	body, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	var shape []map[string]json.RawMessage
	if err := json.Unmarshal(body, &shape); err != nil || len(shape) != 2 || string(shape[0]["id"]) != `"customer"` || shape[0]["schema"][0] != '{' {
		t.Errorf("GET /schemas body = %s, want [{\"id\":…,\"schema\":{…}},…]", body)
	}

	// Kratos v1.3.1 finds a schema by its ID or by the base64url encoding of it.
	if got := schema.EncodeID("default"); got != "ZGVmYXVsdA" {
		t.Errorf("EncodeID(default) = %q", got)
	}
	for _, id := range []string{"preset://staff", schema.EncodeID("preset://staff"), "cHJlc2V0Oi8vc3RhZmY"} {
		doc, err := r.Get(id)
		if err != nil || doc.ID != "preset://staff" {
			t.Errorf("Get(%q) = %v, %v", id, doc.ID, err)
		}
	}
	if _, err := r.Get("nope"); fault.CodeOf(err) != fault.NotFound || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Get(nope) error = %v, want NotFound naming it", err)
	}

	// What callers get is theirs to change.
	list[0].Schema[0] = 'X'
	if doc, _ := r.Get("customer"); doc.Schema[0] != '{' {
		t.Error("changing a listed document changed the registry's")
	}
}

func TestIdentifierLabel(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"one identifier", traitsSchema(`{"type":"object","properties":{
			"email":{"type":"string","title":"E-Mail","ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}},
			"name":{"type":"string","title":"Name"}}}`), "E-Mail"},
		{"two identifiers", "file://testdata/extension.schema.json", ""},
		{"untitled identifier", traitsSchema(`{"type":"object","properties":{
			"email":{"type":"string","ory.sh/kratos":{"credentials":{"totp":{"account_name":true}}}}}}`), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := inline(t, tc.doc).IdentifierLabel("")
			if err != nil || got != tc.want {
				t.Errorf("IdentifierLabel = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
