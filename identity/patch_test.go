package identity_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
)

func TestPatchIdentity(t *testing.T) {
	cases := []struct {
		name  string
		patch string
		ok    bool
		check func(t *testing.T, i *identity.Identity)
	}{
		{"replace trait", `[{"op":"replace","path":"/traits/email","value":"grace@example.com"}]`, true, func(t *testing.T, i *identity.Identity) {
			if i.Credentials["password"].Identifiers[0] != "grace@example.com" || i.VerifiableAddresses[0].Value != "grace@example.com" {
				t.Errorf("identifiers and addresses do not follow the patched traits: %+v", i)
			}
		}},
		{"replace of a missing member adds it", `[{"op":"replace","path":"/metadata_public/plan","value":"pro"}]`, true, func(t *testing.T, i *identity.Identity) {
			if string(i.MetadataPublic) != `{"plan":"pro"}` {
				t.Errorf("metadata_public %s", i.MetadataPublic)
			}
		}},
		{"state", `[{"op":"replace","path":"/state","value":"inactive"}]`, true, func(t *testing.T, i *identity.Identity) {
			if i.State != identity.StateInactive {
				t.Errorf("state %q", i.State)
			}
		}},
		{"verify an address", `[{"op":"replace","path":"/verifiable_addresses/0/verified","value":true}]`, true, func(t *testing.T, i *identity.Identity) {
			if !i.VerifiableAddresses[0].Verified || i.VerifiableAddresses[0].Status != identity.AddressCompleted {
				t.Errorf("address %+v", i.VerifiableAddresses[0])
			}
		}},
		{"remove a trait", `[{"op":"remove","path":"/traits/name"}]`, true, nil},
		{"id", `[{"op":"replace","path":"/id","value":"6f1e2c1e-2c8a-4a57-a2b4-3b8c1c7d3e55"}]`, false, nil},
		{"credentials", `[{"op":"add","path":"/credentials","value":{}}]`, false, nil},
		{"below credentials", `[{"op":"add","path":"/credentials/password/config/hashed_password","value":"x"}]`, false, nil},
		{"state_changed_at", `[{"op":"replace","path":"/state_changed_at","value":"2020-01-01T00:00:00Z"}]`, false, nil},
		{"created_at", `[{"op":"replace","path":"/created_at","value":"2020-01-01T00:00:00Z"}]`, false, nil},
		{"whole document", `[{"op":"replace","path":"","value":{}}]`, false, nil},
		{"move", `[{"op":"move","from":"/traits/email","path":"/metadata_public"}]`, false, nil},
		{"copy", `[{"op":"copy","from":"/traits","path":"/metadata_admin"}]`, false, nil},
		{"test", `[{"op":"test","path":"/state","value":"active"}]`, false, nil},
		{"invalid traits after", `[{"op":"replace","path":"/traits/email","value":"nope"}]`, false, nil},
		{"invalid state after", `[{"op":"replace","path":"/state","value":"gone"}]`, false, nil},
		{"not a patch", `{"op":"replace"}`, false, nil},
		{"remove a missing member", `[{"op":"remove","path":"/traits/nothing"}]`, false, nil},
		{"wrong type", `[{"op":"replace","path":"/traits","value":"text"}]`, false, nil},
		{"schema", `[{"op":"replace","path":"/schema_id","value":"nope"}]`, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			i := e.create("ada@example.com", "correct horse battery staple")
			before := e.snapshot()
			got, err := e.svc.PatchIdentity(context.Background(), i.ID, []byte(c.patch))
			if !c.ok {
				var ve *identity.ValidationError
				if fault.CodeOf(err) != fault.InvalidArgument || !errors.As(err, &ve) {
					t.Fatalf("error %v; want a ValidationError", err)
				}
				if !reflect.DeepEqual(before, e.snapshot()) {
					t.Error("a refused patch changed the store")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != 2 || got.ID != i.ID || !got.CreatedAt.Equal(i.CreatedAt) {
				t.Errorf("patched %+v", got)
			}
			stored, _ := e.svc.GetIdentity(context.Background(), i.ID)
			if !reflect.DeepEqual(stored, got) {
				t.Errorf("stored %+v\n; returned %+v", stored, got)
			}
			if c.check != nil {
				c.check(t, got)
			}
		})
	}
}

func TestDeleteIdentityAndCredential(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	i := e.create("ada@example.com", "correct horse battery staple")
	if err := e.svc.DeleteCredential(ctx, i.ID, "password", ""); fault.CodeOf(err) != fault.InvalidArgument {
		t.Errorf("deleting the password: %v; want InvalidArgument (a first factor)", err)
	}
	if err := e.svc.DeleteCredential(ctx, i.ID, "totp", ""); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("deleting a missing totp: %v; want NotFound", err)
	}
	if err := e.svc.DeleteCredential(ctx, i.ID, "magic", ""); fault.CodeOf(err) != fault.InvalidArgument {
		t.Errorf("unknown type: %v; want InvalidArgument", err)
	}
	// Give the identity a totp credential through the store, as a settings flow would.
	rec, _ := e.st.GetIdentity(ctx, i.ID)
	totp := rec.Credentials["password"]
	totp.Identifiers, totp.Config = []string{i.ID}, []byte(`{}`)
	rec.Credentials["totp"] = totp
	if err := e.st.UpdateIdentity(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteCredential(ctx, i.ID, "totp", ""); err != nil {
		t.Fatal(err)
	}
	got, _ := e.svc.GetIdentity(ctx, i.ID)
	if _, ok := got.Credentials["totp"]; ok {
		t.Error("totp credential still there")
	}
	if err := e.svc.DeleteIdentity(ctx, i.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetIdentity(ctx, i.ID); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("deleted identity: %v; want NotFound", err)
	}
	if err := e.svc.DeleteIdentity(ctx, i.ID); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("deleting twice: %v; want NotFound", err)
	}
}
