package store_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

func TestCanonicalID(t *testing.T) {
	const canonical = "0190f3a2-7b1c-7d4e-9f00-1234567890ab"
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{canonical, true},
		{"0190F3A2-7B1C-7D4E-9F00-1234567890AB", true},
		{"0190f3a27b1c7d4e9f001234567890ab", true},
		{"{0190f3a2-7b1c-7d4e-9f00-1234567890ab}", true},
		{"urn:uuid:0190f3a2-7b1c-7d4e-9f00-1234567890ab", true},
		{"", false},
		{"0190f3a2-7b1c-7d4e-9f00-1234567890a", false},
		{"0190f3a2-7b1c-7d4e-9f00-1234567890ag", false},
		{"user-1", false},
	} {
		got, ok := store.CanonicalID(tc.in)
		if ok != tc.ok || ok && got != canonical {
			t.Errorf("CanonicalID(%q) = %q, %v; want %v", tc.in, got, ok, tc.ok)
		}
	}
}

func TestIdentityKeys(t *testing.T) {
	i := &store.Identity{
		ID:         "0190f3a2-7b1c-7d4e-9f00-1234567890ab",
		ExternalID: "crm-1",
		Credentials: map[string]store.Credential{
			"password": {Identifiers: []string{"a@example.com", "ada"}},
			"oidc":     {Identifiers: []string{"google:1"}},
			"totp":     {},
		},
		VerifiableAddresses: []store.VerifiableAddress{{Via: "email", Value: "a@example.com"}},
		RecoveryAddresses:   []store.RecoveryAddress{{Via: "sms", Value: "+15550100"}},
	}
	want := []store.IdentityKey{
		{Kind: store.IdentityIDKey, Value: i.ID},
		{Kind: store.ExternalIDKey, Value: "crm-1"},
		{Kind: store.IdentifierKey, Scope: "oidc", Value: "google:1"},
		{Kind: store.IdentifierKey, Scope: "password", Value: "a@example.com"},
		{Kind: store.IdentifierKey, Scope: "password", Value: "ada"},
		{Kind: store.VerifiableAddressKey, Scope: "email", Value: "a@example.com"},
		{Kind: store.RecoveryAddressKey, Scope: "sms", Value: "+15550100"},
	}
	if got := i.Keys(); !slices.Equal(got, want) {
		t.Errorf("Keys() =\n %v\nwant\n %v", got, want)
	}
	i.ExternalID = ""
	if got := i.Keys(); len(got) != len(want)-1 || got[1].Kind != store.IdentifierKey {
		t.Errorf("Keys() without an external ID = %v", got)
	}

	for _, tc := range []struct {
		key          store.IdentityKey
		field, value string
	}{
		{want[0], "id", i.ID},
		{want[1], "external_id", "crm-1"},
		{want[3], "credentials.password.identifiers", "a@example.com"},
		{want[5], "verifiable_addresses", "email:a@example.com"},
		{want[6], "recovery_addresses", "sms:+15550100"},
	} {
		err := tc.key.Conflict()
		var fe *fault.Error
		var c *store.IdentityConflict
		if !errors.As(err, &fe) || fe.Code != fault.AlreadyExists || fe.Field != tc.field {
			t.Errorf("%v.Conflict() = %v; want AlreadyExists in field %s", tc.key, err, tc.field)
		}
		if !errors.As(err, &c) || c.Field != tc.field || c.Value != tc.value {
			t.Errorf("%v.Conflict() has cause %+v; want field %s, value %s", tc.key, c, tc.field, tc.value)
		}
	}
}

func TestCanonicalIdentityCopies(t *testing.T) {
	i := &store.Identity{
		ID:          "0190F3A2-7B1C-7D4E-9F00-1234567890AB",
		State:       store.IdentityActive,
		Traits:      []byte(`{}`),
		Credentials: map[string]store.Credential{"password": {Identifiers: []string{"a"}, Config: []byte(`{}`)}},
		VerifiableAddresses: []store.VerifiableAddress{
			{ID: "0190F3A2-7B1C-7D4E-9F00-1234567890AC", Via: "email", Value: "a@example.com"},
		},
	}
	n, err := store.CanonicalIdentity(i)
	if err != nil {
		t.Fatal(err)
	}
	if n.ID != "0190f3a2-7b1c-7d4e-9f00-1234567890ab" || n.VerifiableAddresses[0].ID != "0190f3a2-7b1c-7d4e-9f00-1234567890ac" {
		t.Errorf("CanonicalIdentity kept IDs %s, %s", n.ID, n.VerifiableAddresses[0].ID)
	}
	n.Traits[0], n.Credentials["password"].Identifiers[0], n.Credentials["password"].Config[0] = 'x', "x", 'x'
	n.VerifiableAddresses[0].Value = "x"
	if string(i.Traits) != `{}` || i.Credentials["password"].Identifiers[0] != "a" ||
		string(i.Credentials["password"].Config) != `{}` || i.VerifiableAddresses[0].Value != "a@example.com" ||
		i.ID != "0190F3A2-7B1C-7D4E-9F00-1234567890AB" {
		t.Errorf("the canonical copy shares memory with the original: %+v", i)
	}
}
