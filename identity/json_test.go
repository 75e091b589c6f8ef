package identity_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	client "github.com/ory/client-go"

	"github.com/wardhq/ward/identity"
)

// canonical decodes JSON into generic values without null members, for comparing documents:
// Kratos writes absent values as null (a device's location), client-go leaves them out.
func canonical(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return dropNulls(v)
}

func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, m := range x {
			if m == nil {
				delete(x, k)
			} else {
				x[k] = dropNulls(m)
			}
		}
	case []any:
		for k := range x {
			x[k] = dropNulls(x[k])
		}
	}
	return v
}

// TestJSONClientGo checks that Ory client-go's models decode ward's identities and sessions
// losslessly: decoded and encoded again, the document is the same, and nothing lands in
// AdditionalProperties (a field client-go does not know).
func TestJSONClientGo(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	i, err := e.svc.CreateIdentity(ctx, identity.CreateIdentityBody{
		Traits: traits("ada@example.com"), Credentials: pw(goodPassword), ExternalID: "crm-1",
		MetadataPublic: json.RawMessage(`{"plan":"pro"}`), MetadataAdmin: json.RawMessage(`{"note":"x"}`),
		VerifiableAddresses: []identity.VerifiableAddress{{Via: "email", Value: "ada@example.com", Verified: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.poll(zeroTime)
	_, tok := e.login(i.ID)
	sess, err := e.svc.Whoami(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	admin := identity.AdminView{Identity: i, Credentials: true, IncludeCredential: []string{"password"}}
	for name, doc := range map[string]any{"identity": i, "admin identity": admin, "session": sess} {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			var again []byte
			if name == "session" {
				var s client.Session
				if err := json.Unmarshal(b, &s); err != nil {
					t.Fatal(err)
				}
				if len(s.AdditionalProperties) > 0 || len(s.Identity.AdditionalProperties) > 0 {
					t.Errorf("fields client-go does not know: %v %v", s.AdditionalProperties, s.Identity.AdditionalProperties)
				}
				if s.Identity.Id != i.ID || *s.AuthenticatorAssuranceLevel != client.AUTHENTICATORASSURANCELEVEL_AAL1 || !*s.Active {
					t.Errorf("decoded %+v", s)
				}
				again, err = json.Marshal(s)
			} else {
				var c client.Identity
				if err := json.Unmarshal(b, &c); err != nil {
					t.Fatal(err)
				}
				if len(c.AdditionalProperties) > 0 {
					t.Errorf("fields client-go does not know: %v", c.AdditionalProperties)
				}
				if c.Id != i.ID || c.SchemaUrl != i.SchemaURL || *c.ExternalId != "crm-1" || !c.VerifiableAddresses[0].Verified {
					t.Errorf("decoded %+v", c)
				}
				again, err = json.Marshal(c)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := canonical(t, again), canonical(t, b); !reflect.DeepEqual(got, want) {
				t.Errorf("client-go round trip lost data:\n ward %s\n back %s", b, again)
			}
			if strings.Contains(string(b), "$argon2id$") || strings.Contains(string(b), "hashed_password") {
				t.Errorf("a password hash in the JSON: %s", b)
			}
			hasAdmin := strings.Contains(string(b), "metadata_admin")
			if hasAdmin != (name == "admin identity") {
				t.Errorf("metadata_admin shown: %v in %s", hasAdmin, b)
			}
		})
	}
	b, _ := json.Marshal(identity.AdminView{Identity: i, Credentials: true})
	if !strings.Contains(string(b), `"identifiers":["ada@example.com"]`) || strings.Contains(string(b), `"config"`) {
		t.Errorf("credentials without include_credential: %s; want identifiers and no config", b)
	}
}
