package flow_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/schema"
)

func TestParseSubmission(t *testing.T) {
	fields := []schema.Field{
		{Name: "traits.email", JSONType: "string"},
		{Name: "traits.age", JSONType: "integer"},
		{Name: "traits.news", JSONType: "boolean"},
		{Name: "traits.tags", JSONType: "array"},
	}
	for _, tc := range []struct {
		name, contentType, body string
		identifier, password    string
		traits                  string
		bad                     bool
	}{
		{name: "form", contentType: "application/x-www-form-urlencoded",
			body:       "method=password&identifier=a%40b.c&password=p%20w&traits.email=a%40b.c&traits.age=42&traits.news=on&traits.tags=x",
			identifier: "a@b.c", password: "p w", traits: `{"age":42,"email":"a@b.c","news":true,"tags":["x"]}`},
		{name: "form, not a number", contentType: "application/x-www-form-urlencoded; charset=utf-8",
			body: "traits.age=NaN", traits: `{"age":"NaN"}`},
		{name: "legacy identifier", contentType: "application/x-www-form-urlencoded", body: "password_identifier=u", identifier: "u", traits: `{}`},
		{name: "json", contentType: "application/json",
			body:       `{"method":"password","identifier":"a@b.c","password":"pw","traits":{"email":"a@b.c","age":7,"name":{"first":"A"}}}`,
			identifier: "a@b.c", password: "pw", traits: `{"age":7,"email":"a@b.c","name":{"first":"A"}}`},
		{name: "json in form names", contentType: "application/json", body: `{"traits.email":"a@b.c","traits.name.first":"A"}`,
			traits: `{"email":"a@b.c","name":{"first":"A"}}`},
		{name: "json dotted key", contentType: "application/json", body: `{"traits":{"a.b":1}}`, traits: `{"a.b":1}`},
		{name: "json not an object", contentType: "application/json", body: `[1]`, bad: true},
		{name: "json trailing data", contentType: "application/json", body: `{} {}`, bad: true},
		{name: "json password not a string", contentType: "application/json", body: `{"password":1}`, bad: true},
		{name: "json traits not an object", contentType: "application/json", body: `{"traits":"x"}`, bad: true},
		{name: "trait twice", contentType: "application/json", body: `{"traits":{"a":1},"traits.a":2}`, bad: true},
		{name: "value and object", contentType: "application/x-www-form-urlencoded", body: "traits.a=1&traits.a.b=2", bad: true},
		{name: "empty trait name", contentType: "application/x-www-form-urlencoded", body: "traits..a=1", bad: true},
		{name: "multipart", contentType: "multipart/form-data; boundary=x", body: "", bad: true},
		{name: "bad form", contentType: "application/x-www-form-urlencoded", body: "a=%zz", bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := flow.ParseSubmission(tc.contentType, []byte(tc.body))
			if tc.bad {
				if fe := flow.AsError(err); fe == nil || fe.Code != http.StatusBadRequest {
					t.Fatalf("err = %v, want a 400", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Identifier != tc.identifier || s.Password != tc.password {
				t.Fatalf("identifier %q password %q", s.Identifier, s.Password)
			}
			if got := string(s.Traits(fields)); got != tc.traits {
				t.Fatalf("traits %s, want %s", got, tc.traits)
			}
		})
	}
}

// FuzzSubmitBody feeds form and JSON bodies to the submission parser: it never panics, refuses
// with a 400 *Error, and what it accepts gives traits that are one JSON object.
func FuzzSubmitBody(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", []byte("method=password&identifier=a%40b.c&password=x&csrf_token=t"))
	f.Add("application/json", []byte(`{"method":"password","traits":{"email":"a@b.c"},"password":"x"}`))
	f.Add("application/json", []byte(`{"method":"totp","totp_code":"123456","totp_unlink":"true","lookup_secret_reveal":true}`))
	f.Add("application/x-www-form-urlencoded", []byte("method=lookup_secret&lookup_secret=abcd1234&lookup_secret_confirm=true"))
	fields := []schema.Field{{Name: "traits.age", JSONType: "number"}, {Name: "traits.ok", JSONType: "boolean"}, {Name: "traits.l", JSONType: "array"}}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		s, err := flow.ParseSubmission(contentType, body)
		if err != nil {
			if fe := flow.AsError(err); fe == nil || fe.Code != http.StatusBadRequest {
				t.Fatalf("err = %v, want a 400 *flow.Error", err)
			}
			return
		}
		var traits map[string]any
		dec := json.NewDecoder(bytes.NewReader(s.Traits(fields)))
		dec.UseNumber()
		if err := dec.Decode(&traits); err != nil || traits == nil || dec.More() {
			t.Fatalf("traits %s are not a JSON object: %v", s.Traits(fields), err)
		}
		if s.TransientPayload != nil && !json.Valid(s.TransientPayload) {
			t.Fatalf("transient_payload %q is not JSON", s.TransientPayload)
		}
	})
}

// TestParseVerificationSubmission reads the code method's email and code from forms and JSON,
// and refuses a code that is not a string.
func TestParseVerificationSubmission(t *testing.T) {
	for _, tc := range []struct{ contentType, body string }{
		{"application/x-www-form-urlencoded", "method=code&email=ada%40example.com&code=012345"},
		{"application/json", `{"method":"code","email":"ada@example.com","code":"012345"}`},
	} {
		s, err := flow.ParseSubmission(tc.contentType, []byte(tc.body))
		if err != nil || s.Method != "code" || s.Email != "ada@example.com" || s.Code != "012345" {
			t.Errorf("%s: %+v %v", tc.body, s, err)
		}
	}
	if _, err := flow.ParseSubmission("application/json", []byte(`{"method":"code","code":12345}`)); err == nil {
		t.Error("a numeric code was accepted; Kratos's code is a string")
	}
}
