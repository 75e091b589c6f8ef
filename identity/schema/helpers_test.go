package schema_test

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wardhq/ward/identity/schema"
)

// inline returns a registry of one inline schema under id "test".
func inline(t testing.TB, doc string) *schema.Registry {
	t.Helper()
	r, err := schema.NewRegistry(schema.Config{DefaultSchemaID: "test", Schemas: []schema.Source{{ID: "test", URL: doc}}})
	if err != nil {
		t.Fatalf("NewRegistry: %v", err)
	}
	return r
}

// fromFile returns a registry of one schema file of testdata under id "test".
func fromFile(t testing.TB, name string) *schema.Registry {
	t.Helper()
	return inline(t, "file://"+filepath.Join("testdata", name))
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func b64(s string) string { return "base64://" + base64.StdEncoding.EncodeToString([]byte(s)) }

// violations returns the violations of err, failing the test when err is not a ValidationError.
func violations(t *testing.T, err error) []schema.Violation {
	t.Helper()
	var ve *schema.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v (%T), want a *schema.ValidationError", err, err)
	}
	return ve.Violations
}

// traitsSchema wraps the properties and extra keywords of the traits object in a whole identity
// schema document.
func traitsSchema(traits string) string {
	return `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"traits":` + traits + `}}`
}
