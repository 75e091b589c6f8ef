package schema_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/wardhq/ward/identity/schema"
)

func TestExtract(t *testing.T) {
	r := fromFile(t, "extension.schema.json")
	email := func(v string) schema.Address { return schema.Address{Via: schema.ViaEmail, Value: v} }
	sms := func(v string) schema.Address { return schema.Address{Via: schema.ViaSMS, Value: v} }
	// byEmail is what the schema says of traits whose email is addr (folded), changed by edit.
	byEmail := func(addr string, edit func(*schema.Extracted)) schema.Extracted {
		x := schema.Extracted{
			Identifiers: map[schema.CredentialType][]string{
				schema.CredentialPassword: {addr},
				schema.CredentialWebAuthn: {addr},
				schema.CredentialCode:     {addr},
			},
			CodeAddresses:       []schema.Address{email(addr)},
			VerifiableAddresses: []schema.Address{email(addr)},
			RecoveryAddresses:   []schema.Address{email(addr)},
			TOTPAccountName:     addr,
			PasskeyDisplayName:  addr, // no display_name trait: the webauthn identifier
		}
		if edit != nil {
			edit(&x)
		}
		return x
	}

	for _, tc := range []struct {
		name   string
		traits string
		want   schema.Extracted
	}{{
		name:   "email is lower-cased for every use",
		traits: `{"email":"Foo@Example.COM"}`,
		want: byEmail("foo@example.com", func(x *schema.Extracted) {
			x.TOTPAccountName = "Foo@Example.COM" // as written
		}),
	}, {
		// Kratos lower-cases every password identifier, whatever its format, and trims it
		// when it saves it.
		name:   "a username without format is folded too",
		traits: `{"email":"a@b.io","username":"  Jane.Doe "}`,
		want: byEmail("a@b.io", func(x *schema.Extracted) {
			x.Identifiers[schema.CredentialPassword] = []string{"a@b.io", "jane.doe"}
			x.PasskeyDisplayName = "  Jane.Doe " // the display_name trait, as written
		}),
	}, {
		name:   "duplicates collapse across traits and array items",
		traits: `{"email":"a@b.io","emails":["A@B.io","c@d.io","C@D.IO"]}`,
		want: byEmail("a@b.io", func(x *schema.Extracted) {
			x.Identifiers[schema.CredentialPassword] = []string{"a@b.io", "c@d.io"}
			x.VerifiableAddresses = []schema.Address{email("a@b.io"), email("c@d.io")}
		}),
	}, {
		// Kratos's code identifier by SMS is E.164; its verification address is only trimmed.
		name:   "phone by sms",
		traits: `{"email":"z@b.io","phone":"+49 176 671 11 638"}`,
		want: byEmail("z@b.io", func(x *schema.Extracted) {
			x.Identifiers[schema.CredentialCode] = []string{"+4917667111638", "z@b.io"}
			x.CodeAddresses = []schema.Address{sms("+4917667111638"), email("z@b.io")} // sorted by value
			x.VerifiableAddresses = []schema.Address{email("z@b.io"), sms("+49 176 671 11 638")}
		}),
	}, {
		name:   "extension reached through a $ref in a nested object",
		traits: `{"email":"a@b.io","contact":{"backup":"Backup@B.io","notes":"x"}}`,
		want: byEmail("a@b.io", func(x *schema.Extracted) {
			x.RecoveryAddresses = []schema.Address{email("a@b.io"), email("backup@b.io")}
		}),
	}, {
		name:   "empty values are left out",
		traits: `{"email":"a@b.io","username":"   ","emails":[]}`,
		want: byEmail("a@b.io", func(x *schema.Extracted) {
			x.PasskeyDisplayName = "   "
		}),
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Extract(context.Background(), "", []byte(tc.traits))
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("Extract =\n%+v\nwant\n%+v", *got, tc.want)
			}
		})
	}
}

// The extension checks some values itself, as Kratos's does, and reports them as violations.
func TestExtractViolations(t *testing.T) {
	r := fromFile(t, "extension.schema.json")
	for _, tc := range []struct {
		name   string
		traits string
		want   []schema.Violation
	}{{
		name:   "a code identifier by sms must be a phone number",
		traits: `{"email":"a@b.io","phone":"0176 123"}`,
		want: []schema.Violation{
			reason("/traits/phone", "format", `"0176 123" is not valid "tel"`),
			reason("/traits/phone", "format", "the provided number is not a valid phone number"),
		},
	}, {
		name:   "a recovery address must be an email address even without format",
		traits: `{"email":"a@b.io","recovery_only":"not-an-email"}`,
		want:   []schema.Violation{reason("/traits/recovery_only", "format", `"not-an-email" is not valid "email"`)},
	}, {
		name:   "an email verification address without format is checked",
		traits: `{"email":"a@b.io","verify_unformatted":"nope"}`,
		want:   []schema.Violation{reason("/traits/verify_unformatted", "format", `"nope" is not valid "email"`)},
	}, {
		// The schema's own format check and the extension's say the same: reported once.
		name:   "the same complaint is reported once",
		traits: `{"email":"nope"}`,
		want:   []schema.Violation{reason("/traits/email", "format", `"nope" is not valid "email"`)},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Extract(context.Background(), "", []byte(tc.traits))
			if got != nil {
				t.Errorf("Extract returned %+v with its error", got)
			}
			if vs := violations(t, err); !reflect.DeepEqual(vs, tc.want) {
				t.Errorf("violations =\n%+v\nwant\n%+v", vs, tc.want)
			}
		})
	}
}

func TestExtractAllOfAndNoExtension(t *testing.T) {
	r := inline(t, traitsSchema(`{"type":"object",
		"allOf":[{"properties":{"login":{"type":"string","ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}}}}],
		"properties":{"login":{"type":"string"},"plain":{"type":"string"}}}`))
	got, err := r.Extract(context.Background(), "", []byte(`{"login":"ME","plain":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"me"}; !reflect.DeepEqual(got.Identifiers[schema.CredentialPassword], want) {
		t.Errorf("password identifiers = %q, want %q", got.Identifiers[schema.CredentialPassword], want)
	}

	plain := inline(t, traitsSchema(`{"type":"object","properties":{"a":{"type":"string"}}}`))
	got, err = plain.Extract(context.Background(), "", []byte(`{"a":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, schema.Extracted{}) {
		t.Errorf("a schema without the extension extracted %+v", *got)
	}
}

// A schema that refers to itself must not make extraction loop.
func TestExtractRecursiveSchema(t *testing.T) {
	r := inline(t, `{"definitions":{"node":{"type":"object","properties":{
			"id":{"type":"string","ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}},
			"child":{"$ref":"#/definitions/node"}}}},
		"properties":{"traits":{"type":"object","properties":{"root":{"$ref":"#/definitions/node"}}}}}`)
	got, err := r.Extract(context.Background(), "", []byte(`{"root":{"id":"A","child":{"id":"B","child":{"id":"a"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b"}; !reflect.DeepEqual(got.Identifiers[schema.CredentialPassword], want) {
		t.Errorf("password identifiers = %q, want %q", got.Identifiers[schema.CredentialPassword], want)
	}
}

func reason(ptr, keyword, msg string) schema.Violation {
	return schema.Violation{Pointer: ptr, Keyword: keyword, Params: map[string]any{"reason": msg}, Message: msg}
}
