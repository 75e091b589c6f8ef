package schema_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/wardhq/ward/identity/schema"
)

// BenchmarkValidate measures Validate on the traits of a typical registration, against the
// built-in schema (email and name) and against a schema with every extension keyword, for valid
// traits and for traits with several violations; and in parallel, as the service calls it.
func BenchmarkValidate(b *testing.B) {
	builtin, err := schema.NewRegistry(schema.Config{})
	if err != nil {
		b.Fatal(err)
	}
	rich := fromFile(b, "extension.schema.json")
	b.Run("baseline/json-decode", func(b *testing.B) {
		b.ReportAllocs()
		traits := []byte(`{"email":"jane.doe@example.com","name":{"first":"Jane","last":"Doe"}}`)
		for b.Loop() {
			var v any
			if err := json.Unmarshal(traits, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, bc := range []struct {
		name   string
		r      *schema.Registry
		traits string
		valid  bool
	}{
		{"builtin/valid", builtin, `{"email":"jane.doe@example.com","name":{"first":"Jane","last":"Doe"}}`, true},
		{"builtin/invalid", builtin, `{"email":"jane","name":{"first":1},"extra":true}`, false},
		{"extensions/valid", rich, `{"email":"jane.doe@example.com","phone":"+49 176 671 11 638","username":"jane",
			"emails":["jane@example.org","j.doe@example.net"],"contact":{"backup":"backup@example.com","notes":"n"}}`, true},
		{"extensions/invalid", rich, `{"email":"jane","phone":"0176","emails":["x",1],"recovery_only":"y"}`, false},
	} {
		traits := []byte(bc.traits)
		check := func(err error) {
			if (err == nil) != bc.valid {
				b.Fatalf("Validate = %v, want valid=%v", err, bc.valid)
			}
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				check(bc.r.Validate(context.Background(), "", traits))
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					check(bc.r.Validate(context.Background(), "", traits))
				}
			})
		})
	}
}
