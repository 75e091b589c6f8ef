package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

func testIdentityRoundTrip(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	i := newIdentity(1, "ada@example.com")
	i.ExternalID = "crm-17"
	i.MetadataAdmin = []byte(`{"note": "vip"}`)
	i.StateChangedAt = at(-time.Hour)
	i.Credentials["oidc"] = store.Credential{
		Identifiers: []string{"google:1234", "github:99"}, Config: []byte(`{"providers":[]}`), Version: 0,
		CreatedAt: at(time.Second), UpdatedAt: at(2 * time.Second),
	}
	i.VerifiableAddresses[0].Verified, i.VerifiableAddresses[0].VerifiedAt = true, at(time.Minute)
	i.VerifiableAddresses[0].Status = "completed"
	i.Version = 99 // ignored: a new identity is at Version 1
	mustCreateIdentity(t, s, i)
	want := stored(i)
	// The store keeps copies.
	i.Traits[0], i.Credentials["password"].Identifiers[0], i.RecoveryAddresses[0].Value = 'X', "x", "x"
	i.Credentials["totp"] = store.Credential{}

	got := getIdentity(t, s, uid(1))
	sameIdentity(t, "GetIdentity", got, want)
	got.Traits[0], got.Credentials["password"].Config[0] = 'X', 'X'
	delete(got.Credentials, "oidc")
	sameIdentity(t, "GetIdentity after changing what it returned", getIdentity(t, s, uid(1)), want)

	// IDs are found in any form and returned in canonical form.
	sameIdentity(t, "GetIdentity(upper case)", getIdentity(t, s, strings.ToUpper(uid(1))), want)
	sameIdentity(t, "GetIdentity(no hyphens)", getIdentity(t, s, strings.ReplaceAll(uid(1), "-", "")), want)
	wantNoIdentity(t, s, uid(2))
	wantNoIdentity(t, s, "not-a-uuid")

	got, err := s.GetIdentityByExternalID(ctx, "crm-17")
	if err != nil {
		t.Fatalf("GetIdentityByExternalID: %v", err)
	}
	sameIdentity(t, "GetIdentityByExternalID", got, want)
	for _, ext := range []string{"crm-18", "CRM-17", ""} {
		_, err := s.GetIdentityByExternalID(ctx, ext)
		wantCode(t, err, fault.NotFound)
	}

	// An identity with nothing optional, given an upper-case ID.
	bare := &store.Identity{ID: strings.ToUpper(uid(2)), SchemaID: "default", Traits: []byte(`{}`), State: store.IdentityInactive}
	mustCreateIdentity(t, s, bare)
	wantBare := stored(bare)
	wantBare.ID = uid(2)
	sameIdentity(t, "bare identity", getIdentity(t, s, uid(2)), wantBare)
	// No external ID is not an external ID: a second identity without one is fine.
	mustCreateIdentity(t, s, &store.Identity{ID: uid(3), Traits: []byte(`{}`), State: store.IdentityActive})
	n, err := s.CountIdentities(ctx)
	wantCount(t, "CountIdentities", n, err, 3)
}

func testCreateIdentityInvalid(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	long := strings.Repeat("a", store.MaxIdentifierLength+1)
	for _, tc := range []struct {
		name   string
		change func(i *store.Identity)
		field  string
	}{
		{"id", func(i *store.Identity) { i.ID = "user-1" }, "id"},
		{"empty id", func(i *store.Identity) { i.ID = "" }, "id"},
		{"state", func(i *store.Identity) { i.State = "banned" }, "state"},
		{"empty state", func(i *store.Identity) { i.State = "" }, "state"},
		{"external id", func(i *store.Identity) { i.ExternalID = long }, "external_id"},
		{"credential type", func(i *store.Identity) { i.Credentials[""] = store.Credential{} }, "credentials"},
		{"empty identifier", func(i *store.Identity) {
			i.Credentials["code"] = store.Credential{Identifiers: []string{"a@example.com", ""}}
		}, "credentials.code.identifiers[1]"},
		{"long identifier", func(i *store.Identity) {
			i.Credentials["code"] = store.Credential{Identifiers: []string{long}}
		}, "credentials.code.identifiers[0]"},
		{"repeated identifier", func(i *store.Identity) {
			i.Credentials["oidc"] = store.Credential{Identifiers: []string{"google:1", "github:1", "google:1"}}
		}, "credentials.oidc.identifiers[2]"},
		{"address id", func(i *store.Identity) { i.VerifiableAddresses[0].ID = "a1" }, "verifiable_addresses[0].id"},
		{"address via", func(i *store.Identity) { i.RecoveryAddresses[0].Via = "" }, "recovery_addresses[0].via"},
		{"address value", func(i *store.Identity) { i.VerifiableAddresses[0].Value = "" }, "verifiable_addresses[0].value"},
		{"long address", func(i *store.Identity) { i.RecoveryAddresses[0].Value = long }, "recovery_addresses[0]"},
		{"repeated address", func(i *store.Identity) {
			a := i.VerifiableAddresses[0]
			a.ID = uid(verifiableBase + 99)
			i.VerifiableAddresses = append(i.VerifiableAddresses, a)
		}, "verifiable_addresses[1]"},
		{"repeated address id", func(i *store.Identity) { i.RecoveryAddresses[0].ID = i.VerifiableAddresses[0].ID }, "recovery_addresses[0].id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := newIdentity(1, "a@example.com")
			tc.change(i)
			wantInvalid(t, s.CreateIdentity(ctx, i), tc.field)
			errs, err := s.CreateIdentities(ctx, []*store.Identity{i})
			if err != nil || len(errs) != 1 {
				t.Fatalf("CreateIdentities = %v, %v", errs, err)
			}
			wantInvalid(t, errs[0], tc.field)
		})
	}
	n, err := s.CountIdentities(ctx)
	wantCount(t, "CountIdentities after invalid creations", n, err, 0)
	// The same address in both lists, and the same identifier under two types, are fine.
	i := newIdentity(1, "a@example.com")
	i.Credentials["code"] = store.Credential{Identifiers: []string{"a@example.com"}}
	mustCreateIdentity(t, s, i)
}

func testCreateIdentityConflicts(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	a := newIdentity(1, "a@example.com")
	a.ExternalID = "ext-a"
	a.Credentials["oidc"] = store.Credential{Identifiers: []string{"google:a"}}
	mustCreateIdentity(t, s, a)
	for _, tc := range []struct {
		name         string
		change       func(b *store.Identity)
		field, value string
	}{
		{"id", func(b *store.Identity) { b.ID = uid(1) }, "id", uid(1)},
		{"id in another form", func(b *store.Identity) { b.ID = strings.ToUpper(uid(1)) }, "id", uid(1)},
		{"external id", func(b *store.Identity) { b.ExternalID = "ext-a" }, "external_id", "ext-a"},
		{"password identifier", func(b *store.Identity) {
			b.Credentials["password"] = store.Credential{Identifiers: []string{"b@example.com", "a@example.com"}}
		}, "credentials.password.identifiers", "a@example.com"},
		{"oidc identifier", func(b *store.Identity) {
			b.Credentials["oidc"] = store.Credential{Identifiers: []string{"google:a"}}
		}, "credentials.oidc.identifiers", "google:a"},
		{"verifiable address", func(b *store.Identity) { b.VerifiableAddresses[0].Value = "a@example.com" },
			"verifiable_addresses", "email:a@example.com"},
		{"recovery address", func(b *store.Identity) { b.RecoveryAddresses[0].Value = "a@example.com" },
			"recovery_addresses", "email:a@example.com"},
		// The first clash in the documented order is the one named.
		{"several", func(b *store.Identity) {
			b.ExternalID = "ext-a"
			b.Credentials["password"] = store.Credential{Identifiers: []string{"a@example.com"}}
		}, "external_id", "ext-a"},
		{"several identifiers", func(b *store.Identity) {
			b.Credentials["password"] = store.Credential{Identifiers: []string{"a@example.com"}}
			b.Credentials["oidc"] = store.Credential{Identifiers: []string{"google:a"}}
		}, "credentials.oidc.identifiers", "google:a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newIdentity(2, "b@example.com")
			tc.change(b)
			wantConflict(t, s.CreateIdentity(ctx, b), tc.field, tc.value)
			// Nothing of b was stored.
			if b.ID != uid(1) && !strings.EqualFold(b.ID, uid(1)) {
				wantNoIdentity(t, s, b.ID)
			}
			_, _, err := s.FindByCredentialIdentifier(ctx, "password", "b@example.com")
			wantCode(t, err, fault.NotFound)
			_, _, err = s.FindVerifiableAddress(ctx, "email", "b@example.com")
			wantCode(t, err, fault.NotFound)
		})
	}
	sameIdentity(t, "the first identity after failed creations", getIdentity(t, s, uid(1)), stored(a))
	// b itself is free to create.
	mustCreateIdentity(t, s, newIdentity(2, "b@example.com"))
}

// testCreateIdentityConcurrent creates identities with one identifier at once: one wins.
func testCreateIdentityConcurrent(t *testing.T, s store.IdentityStore) {
	errs := race(8, func(k int) error {
		return s.CreateIdentity(context.Background(), newIdentity(k+1, "same@example.com"))
	})
	winner := oneWinner(t, "CreateIdentity", errs, fault.AlreadyExists)
	for k, err := range errs {
		if k != winner {
			wantNoIdentity(t, s, uid(k+1))
			if fault.CodeOf(err) == fault.AlreadyExists {
				wantConflict(t, err, "credentials.password.identifiers", "same@example.com")
			}
		}
	}
	i, _, err := s.FindByCredentialIdentifier(context.Background(), "password", "same@example.com")
	if err != nil || i.ID != uid(winner+1) {
		t.Fatalf("FindByCredentialIdentifier = %v, %v; want the winner %s", i, err, uid(winner+1))
	}
}

func testCreateIdentities(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	mustCreateIdentity(t, s, newIdentity(1, "taken@example.com"))
	invalid := newIdentity(3, "c@example.com")
	invalid.State = "unknown"
	batch := []*store.Identity{
		newIdentity(2, "b@example.com"),
		invalid,
		newIdentity(4, "taken@example.com"), // clashes with a stored identity
		newIdentity(5, "e@example.com"),
		newIdentity(6, "e@example.com"), // clashes with an earlier one of the batch
		newIdentity(2, "f@example.com"), // so does its ID
		newIdentity(7, "g@example.com"),
	}
	errs, err := s.CreateIdentities(ctx, batch)
	if err != nil || len(errs) != len(batch) {
		t.Fatalf("CreateIdentities = %v, %v; want one error per identity", errs, err)
	}
	for _, k := range []int{0, 3, 6} {
		if errs[k] != nil {
			t.Errorf("identity %d of the batch: %v", k, errs[k])
		}
		sameIdentity(t, fmt.Sprintf("identity %d of the batch", k), getIdentity(t, s, batch[k].ID), stored(batch[k]))
	}
	wantInvalid(t, errs[1], "state")
	wantConflict(t, errs[2], "credentials.password.identifiers", "taken@example.com")
	wantConflict(t, errs[4], "credentials.password.identifiers", "e@example.com")
	wantConflict(t, errs[5], "id", uid(2))
	for _, id := range []string{uid(3), uid(4), uid(6)} {
		wantNoIdentity(t, s, id)
	}
	if _, _, err := s.FindByCredentialIdentifier(ctx, "password", "f@example.com"); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("the identifier of a failed batch item was stored: %v", err)
	}
	n, err := s.CountIdentities(ctx)
	wantCount(t, "CountIdentities", n, err, 4)

	if errs, err := s.CreateIdentities(ctx, nil); err != nil || len(errs) != 0 {
		t.Errorf("CreateIdentities(nil) = %v, %v", errs, err)
	}
	tooMany := make([]*store.Identity, store.MaxIdentityBatch+1)
	for k := range tooMany {
		tooMany[k] = newIdentity(1000+k, fmt.Sprintf("u%d@example.com", k))
	}
	errs, err = s.CreateIdentities(ctx, tooMany)
	wantCode(t, err, fault.InvalidArgument)
	if errs != nil {
		t.Errorf("CreateIdentities of too many returned item errors %v", errs[:3])
	}
	n, err = s.CountIdentities(ctx)
	wantCount(t, "CountIdentities after too big a batch", n, err, 4)
}

// testCreateIdentitiesFullBatch creates MaxIdentityBatch identities in one call, some of which
// clash, as an import does.
func testCreateIdentitiesFullBatch(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	mustCreateIdentity(t, s, newIdentity(1, "u500@example.com"))
	batch := make([]*store.Identity, store.MaxIdentityBatch)
	for k := range batch {
		batch[k] = newIdentity(10+k, fmt.Sprintf("u%d@example.com", k))
		batch[k].ExternalID = fmt.Sprintf("ext-%d", k)
	}
	batch[999].ExternalID = "ext-0"
	errs, err := s.CreateIdentities(ctx, batch)
	if err != nil || len(errs) != len(batch) {
		t.Fatalf("CreateIdentities = %d errors, %v", len(errs), err)
	}
	for k, err := range errs {
		switch k {
		case 500:
			wantConflict(t, err, "credentials.password.identifiers", "u500@example.com")
		case 999:
			wantConflict(t, err, "external_id", "ext-0")
		default:
			if err != nil {
				t.Fatalf("identity %d of the batch: %v", k, err)
			}
		}
	}
	n, err := s.CountIdentities(ctx)
	wantCount(t, "CountIdentities", n, err, 1+store.MaxIdentityBatch-2)
	i, c, err := s.FindByCredentialIdentifier(ctx, "password", "u998@example.com")
	if err != nil {
		t.Fatal(err)
	}
	sameIdentity(t, "identity 998 of the batch", i, stored(batch[998]))
	same(t, "its credential", *c, batch[998].Credentials["password"])
}

func testFindByCredentialIdentifier(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	a := newIdentity(1, "a@example.com")
	a.Credentials["oidc"] = store.Credential{Identifiers: []string{"google:1", "github:7"}, Config: []byte(`{"p":1}`)}
	mustCreateIdentity(t, s, a)
	mustCreateIdentity(t, s, newIdentity(2, "b@example.com"))
	for _, tc := range []struct{ typ, identifier string }{
		{"password", "a@example.com"}, {"oidc", "google:1"}, {"oidc", "github:7"},
	} {
		i, c, err := s.FindByCredentialIdentifier(ctx, tc.typ, tc.identifier)
		if err != nil {
			t.Fatalf("FindByCredentialIdentifier(%s, %s): %v", tc.typ, tc.identifier, err)
		}
		sameIdentity(t, "FindByCredentialIdentifier identity", i, stored(a))
		same(t, "FindByCredentialIdentifier credential", *c, a.Credentials[tc.typ])
		c.Config[0] = 'X'
		if i.Credentials[tc.typ].Config[0] == 'X' {
			t.Error("the credential returned shares its Config with the identity returned")
		}
	}
	for _, tc := range []struct{ typ, identifier string }{
		{"oidc", "a@example.com"},      // another type's identifier
		{"password", "A@example.com"},  // matched bytewise
		{"password", "a@example.com "}, // the domain trims, not the store
		{"password", "c@example.com"},
		{"password", ""},
	} {
		_, _, err := s.FindByCredentialIdentifier(ctx, tc.typ, tc.identifier)
		wantCode(t, err, fault.NotFound)
	}
}

func testFindAddresses(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	a := newIdentity(1, "a@example.com")
	a.VerifiableAddresses = append(a.VerifiableAddresses, store.VerifiableAddress{
		ID: uid(verifiableBase + 50), Via: "sms", Value: "+15550100", Status: "sent", CreatedAt: at(0), UpdatedAt: at(0),
	})
	a.RecoveryAddresses[0].Value = "recover@example.com"
	mustCreateIdentity(t, s, a)
	mustCreateIdentity(t, s, newIdentity(2, "b@example.com"))

	i, v, err := s.FindVerifiableAddress(ctx, "sms", "+15550100")
	if err != nil {
		t.Fatal(err)
	}
	sameIdentity(t, "FindVerifiableAddress identity", i, stored(a))
	same(t, "FindVerifiableAddress address", *v, a.VerifiableAddresses[1])
	i, r, err := s.FindRecoveryAddress(ctx, "email", "recover@example.com")
	if err != nil {
		t.Fatal(err)
	}
	sameIdentity(t, "FindRecoveryAddress identity", i, stored(a))
	same(t, "FindRecoveryAddress address", *r, a.RecoveryAddresses[0])

	for _, tc := range []struct{ via, value string }{{"email", "+15550100"}, {"email", "recover@example.com"}, {"email", "c@example.com"}} {
		_, _, err := s.FindVerifiableAddress(ctx, tc.via, tc.value)
		wantCode(t, err, fault.NotFound)
	}
	for _, tc := range []struct{ via, value string }{{"email", "a@example.com"}, {"sms", "+15550100"}} {
		_, _, err := s.FindRecoveryAddress(ctx, tc.via, tc.value)
		wantCode(t, err, fault.NotFound)
	}
}
