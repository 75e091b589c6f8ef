package schema_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/schema"
)

// FuzzValidate feeds arbitrary traits to a schema that uses every part of the extension: the
// answer is nil or violations, never a panic or another error. Seeds: testdata/fuzz/FuzzValidate.
func FuzzValidate(f *testing.F) {
	r := fromFile(f, "extension.schema.json")
	f.Fuzz(func(t *testing.T, traits []byte) {
		ex, err := r.Extract(context.Background(), "", traits)
		if err == nil {
			if ex == nil {
				t.Fatal("Extract returned neither a result nor an error")
			}
			return
		}
		checkViolations(t, err, "/traits")
		if verr := r.Validate(context.Background(), "", traits); verr == nil {
			t.Fatalf("Extract failed (%v) but Validate accepts the traits", err)
		}
	})
}

// FuzzLoad feeds arbitrary schema documents to NewRegistry: it refuses them with an
// InvalidArgument error or loads them, and a loaded schema serves its document, lists its fields
// and validates traits without a panic. Seeds: testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc []byte) {
		r, err := schema.NewRegistry(schema.Config{Schemas: []schema.Source{
			{ID: schema.DefaultSchemaID, URL: "base64://" + base64.StdEncoding.EncodeToString(doc)},
		}})
		if err != nil {
			if fault.CodeOf(err) != fault.InvalidArgument {
				t.Fatalf("NewRegistry error %v has code %v, want invalid_argument", err, fault.CodeOf(err))
			}
			return
		}
		if got := r.List(); len(got) != 1 || !bytes.Equal(got[0].Schema, doc) {
			t.Fatal("List does not serve the document as loaded")
		}
		fields, err := r.Fields("")
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range fields {
			if !strings.HasPrefix(fd.Name, "traits.") || fd.Type == "" {
				t.Fatalf("field %+v has no traits name or no type", fd)
			}
		}
		if _, err := r.IdentifierLabel(""); err != nil {
			t.Fatal(err)
		}
		for _, traits := range []string{`{}`, `{"email":"a@b.io","a":[1,{"b":null}]}`, `"x"`} {
			if err := r.Validate(context.Background(), "", []byte(traits)); err != nil {
				checkViolations(t, err, "")
			}
		}
	})
}

// checkViolations fails t unless err is a ValidationError of well-formed violations whose pointers
// start with prefix.
func checkViolations(t *testing.T, err error, prefix string) {
	t.Helper()
	var ve *schema.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *schema.ValidationError", err, err)
	}
	if len(ve.Violations) == 0 {
		t.Fatal("a ValidationError without violations")
	}
	for _, v := range ve.Violations {
		wellFormed := v.Pointer == "" || strings.HasPrefix(v.Pointer, "/")
		if !wellFormed || !strings.HasPrefix(v.Pointer, prefix) || v.Keyword == "" || v.Message == "" || v.Params == nil {
			t.Fatalf("malformed violation %+v", v)
		}
	}
}
