package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

func testListIdentities(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	// Random IDs, v4 and v7, created in random order.
	var want []string
	for k := range 25 {
		id := uuid.New()
		if k%2 == 0 {
			id = uuid.Must(uuid.NewV7())
		}
		i := newIdentity(0, fmt.Sprintf("u%d@example.com", k))
		i.ID = strings.ToUpper(id.String()) // stored and listed in canonical form
		i.VerifiableAddresses, i.RecoveryAddresses = nil, nil
		mustCreateIdentity(t, s, i)
		want = append(want, id.String())
	}
	slices.Sort(want)

	all, err := s.ListIdentities(ctx, store.IdentityFilter{}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ListIdentities", ids(all), want)
	for _, limit := range []int{1, 7, 25, 30} {
		got := paginate(t, len(want), limit, func(after string) ([]string, error) {
			page, err := s.ListIdentities(ctx, store.IdentityFilter{}, after, limit)
			return ids(page), err
		})
		equal(t, fmt.Sprintf("pages of %d", limit), got, want)
	}
	// A page token in another form, or of an identity deleted since, still works.
	page, err := s.ListIdentities(ctx, store.IdentityFilter{}, strings.ToUpper(want[9]), 3)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "page after an upper-case token", ids(page), want[10:13])
	if err := s.DeleteIdentity(ctx, want[9]); err != nil {
		t.Fatal(err)
	}
	page, err = s.ListIdentities(ctx, store.IdentityFilter{}, want[9], 3)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "page after a deleted identity", ids(page), want[10:13])
	_, err = s.ListIdentities(ctx, store.IdentityFilter{}, "page-2", 3)
	wantInvalid(t, err, "after")
}

func testListIdentitiesFilters(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	for k := 1; k <= 6; k++ {
		i := newIdentity(k, fmt.Sprintf("u%d@example.com", k))
		if k == 4 {
			// u2@example.com under another credential type matches too.
			i.Credentials["code"] = store.Credential{Identifiers: []string{"u2@example.com"}}
		}
		mustCreateIdentity(t, s, i)
	}
	for _, tc := range []struct {
		name  string
		f     store.IdentityFilter
		after string
		limit int
		want  []string
	}{
		{"ids", store.IdentityFilter{IDs: []string{uid(5), strings.ToUpper(uid(2)), uid(99), uid(3)}}, "", 0,
			[]string{uid(2), uid(3), uid(5)}},
		{"ids paged", store.IdentityFilter{IDs: []string{uid(5), uid(2), uid(3)}}, uid(2), 1, []string{uid(3)}},
		{"identifier", store.IdentityFilter{CredentialsIdentifier: "u2@example.com"}, "", 0, []string{uid(2), uid(4)}},
		{"identifier paged", store.IdentityFilter{CredentialsIdentifier: "u2@example.com"}, uid(2), 5, []string{uid(4)}},
		{"identifier exact", store.IdentityFilter{CredentialsIdentifier: "u2@example"}, "", 0, nil},
		{"both", store.IdentityFilter{IDs: []string{uid(4), uid(5)}, CredentialsIdentifier: "u2@example.com"}, "", 0,
			[]string{uid(4)}},
		{"empty ids", store.IdentityFilter{IDs: []string{}}, uid(4), 0, []string{uid(5), uid(6)}},
	} {
		got, err := s.ListIdentities(ctx, tc.f, tc.after, tc.limit)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		equal(t, tc.name, ids(got), tc.want)
	}
	_, err := s.ListIdentities(ctx, store.IdentityFilter{IDs: []string{uid(1), "two"}}, "", 0)
	wantInvalid(t, err, "ids[1]")
}

func ids(identities []*store.Identity) []string {
	return idsOf(identities, func(i *store.Identity) string { return i.ID })
}

// idsOf returns the IDs of records.
func idsOf[T any](records []*T, id func(*T) string) []string {
	var out []string
	for _, r := range records {
		out = append(out, id(r))
	}
	return out
}

// paginate reads every page of size limit of a list of at most most items, each page starting
// after the last ID of the one before, and returns their IDs; it fails the test when a page is
// longer than limit or the pages do not end.
func paginate(t testing.TB, most, limit int, page func(after string) ([]string, error)) []string {
	t.Helper()
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		ids, err := page(after)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) > limit || pages > most {
			t.Fatalf("limit %d: a page of %d after %d pages", limit, len(ids), pages)
		}
		got = append(got, ids...)
		if len(ids) < limit {
			return got
		}
		after = ids[len(ids)-1]
	}
}

func testUpdateIdentity(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	since := clockReading(t, s)
	a := newIdentity(1, "old@example.com")
	a.ExternalID = "ext-old"
	mustCreateIdentity(t, s, a)

	u := getIdentity(t, s, uid(1))
	u.Traits = []byte(`{"email":"new@example.com"}`)
	u.State, u.StateChangedAt = store.IdentityInactive, at(time.Hour)
	u.MetadataPublic, u.MetadataAdmin = nil, []byte(`{"x":1}`)
	u.ExternalID = "ext-new"
	u.Credentials = map[string]store.Credential{
		"password": {Identifiers: []string{"new@example.com"}, Config: []byte(`{"hashed_password":"h2"}`), Version: 2},
		"totp":     {Identifiers: []string{uid(1)}, Config: []byte(`{"totp_url":"otpauth://"}`)},
	}
	u.VerifiableAddresses[0].Value = "new@example.com"
	u.RecoveryAddresses = nil
	u.AvailableAAL = "aal2"
	u.UpdatedAt = at(time.Hour)
	u.CreatedAt = at(time.Hour) // CreatedAt is kept
	if err := s.UpdateIdentity(ctx, u); err != nil {
		t.Fatalf("UpdateIdentity: %v", err)
	}
	want := u.Clone()
	want.Version, want.CreatedAt = 2, a.CreatedAt
	sameIdentity(t, "updated identity", getIdentity(t, s, uid(1)), want)
	wantInvalidated(t, s, since, "", uid(1))

	// The old unique values are free, the new ones found.
	if _, _, err := s.FindByCredentialIdentifier(ctx, "password", "old@example.com"); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("the old identifier is still found: %v", err)
	}
	if i, _, err := s.FindByCredentialIdentifier(ctx, "totp", uid(1)); err != nil || i.ID != uid(1) {
		t.Errorf("FindByCredentialIdentifier(totp) = %v, %v", i, err)
	}
	if i, err := s.GetIdentityByExternalID(ctx, "ext-new"); err != nil || i.ID != uid(1) {
		t.Errorf("GetIdentityByExternalID(ext-new) = %v, %v", i, err)
	}
	b := newIdentity(2, "old@example.com")
	b.ExternalID = "ext-old"
	mustCreateIdentity(t, s, b)

	// An update from the old version is refused and changes nothing.
	stale := u.Clone()
	stale.Traits = []byte(`{"lost":"update"}`)
	wantCode(t, s.UpdateIdentity(ctx, stale), fault.FailedPrecondition)
	sameIdentity(t, "identity after a stale update", getIdentity(t, s, uid(1)), want)
	// So is an update from a version never stored.
	stale.Version = 7
	wantCode(t, s.UpdateIdentity(ctx, stale), fault.FailedPrecondition)

	// An update that keeps its own unique values, given its ID in another form.
	again := want.Clone()
	again.ID = strings.ToUpper(uid(1))
	again.SchemaID = "v2"
	if err := s.UpdateIdentity(ctx, again); err != nil {
		t.Fatalf("UpdateIdentity keeping its identifiers: %v", err)
	}
	if got := getIdentity(t, s, uid(1)); got.Version != 3 || got.SchemaID != "v2" {
		t.Errorf("identity after the second update: version %d, schema %q", got.Version, got.SchemaID)
	}

	missing := newIdentity(9, "nine@example.com")
	wantCode(t, s.UpdateIdentity(ctx, missing), fault.NotFound)
	invalid := getIdentity(t, s, uid(1))
	invalid.State = "gone"
	wantInvalid(t, s.UpdateIdentity(ctx, invalid), "state")
	if got := getIdentity(t, s, uid(1)); got.Version != 3 || got.State != store.IdentityInactive {
		t.Errorf("an invalid update changed the identity: %+v", got)
	}
}

func testUpdateIdentityConflicts(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	a := newIdentity(1, "a@example.com")
	a.ExternalID = "ext-a"
	mustCreateIdentity(t, s, a)
	mustCreateIdentity(t, s, newIdentity(2, "b@example.com"))
	for _, tc := range []struct {
		name         string
		change       func(b *store.Identity)
		field, value string
	}{
		{"external id", func(b *store.Identity) { b.ExternalID = "ext-a" }, "external_id", "ext-a"},
		{"identifier", func(b *store.Identity) {
			b.Credentials["password"] = store.Credential{Identifiers: []string{"b@example.com", "a@example.com"}}
		}, "credentials.password.identifiers", "a@example.com"},
		{"verifiable address", func(b *store.Identity) { b.VerifiableAddresses[0].Value = "a@example.com" },
			"verifiable_addresses", "email:a@example.com"},
		{"recovery address", func(b *store.Identity) { b.RecoveryAddresses[0].Value = "a@example.com" },
			"recovery_addresses", "email:a@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := getIdentity(t, s, uid(2))
			before := b.Clone()
			b.Traits = []byte(`{"changed":true}`)
			tc.change(b)
			wantConflict(t, s.UpdateIdentity(ctx, b), tc.field, tc.value)
			sameIdentity(t, "identity after a failed update", getIdentity(t, s, uid(2)), before)
			if i, _, err := s.FindByCredentialIdentifier(ctx, "password", "b@example.com"); err != nil || i.ID != uid(2) {
				t.Fatalf("its identifier after a failed update: %v, %v", i, err)
			}
		})
	}
	sameIdentity(t, "the other identity", getIdentity(t, s, uid(1)), stored(a))
}

// testUpdateIdentityConcurrent races updates from one version: one wins.
func testUpdateIdentityConcurrent(t *testing.T, s store.IdentityStore) {
	mustCreateIdentity(t, s, newIdentity(1, "a@example.com"))
	base := getIdentity(t, s, uid(1))
	errs := race(8, func(k int) error {
		u := base.Clone()
		u.Traits = []byte(fmt.Sprintf(`{"writer":%d}`, k))
		u.Credentials["password"] = store.Credential{Identifiers: []string{fmt.Sprintf("w%d@example.com", k)}}
		return s.UpdateIdentity(context.Background(), u)
	})
	winner := oneWinner(t, "UpdateIdentity", errs, fault.FailedPrecondition)
	got := getIdentity(t, s, uid(1))
	if want := fmt.Sprintf(`{"writer":%d}`, winner); string(got.Traits) != want || got.Version != 2 {
		t.Errorf("identity has traits %s at version %d; want the winner's %s at 2", got.Traits, got.Version, want)
	}
	for k := range errs {
		_, _, err := s.FindByCredentialIdentifier(context.Background(), "password", fmt.Sprintf("w%d@example.com", k))
		if (k == winner) != (err == nil) {
			t.Errorf("identifier of writer %d (winner %d): %v", k, winner, err)
		}
	}
}

func testUpdateCredentialConfig(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	a := newIdentity(1, "a@example.com")
	mustCreateIdentity(t, s, a)
	since := clockReading(t, s)
	old, rehashed := a.Credentials["password"].Config, []byte(`{"hashed_password":"$argon2id$v=19$m=131072"}`)

	wantCode(t, s.UpdateCredentialConfig(ctx, uid(1), "password", []byte(`{"hashed_password":"other"}`), rehashed, at(time.Hour)),
		fault.FailedPrecondition)
	wantCode(t, s.UpdateCredentialConfig(ctx, uid(1), "webauthn", nil, rehashed, at(time.Hour)), fault.NotFound)
	wantCode(t, s.UpdateCredentialConfig(ctx, uid(2), "password", old, rehashed, at(time.Hour)), fault.NotFound)
	sameIdentity(t, "identity after failed config updates", getIdentity(t, s, uid(1)), stored(a))

	if err := s.UpdateCredentialConfig(ctx, strings.ToUpper(uid(1)), "password", old, rehashed, at(time.Hour)); err != nil {
		t.Fatalf("UpdateCredentialConfig: %v", err)
	}
	want := stored(a)
	c := want.Credentials["password"]
	c.Config, c.UpdatedAt = rehashed, at(time.Hour)
	want.Credentials["password"] = c
	want.Version, want.UpdatedAt = 2, at(time.Hour)
	sameIdentity(t, "identity after UpdateCredentialConfig", getIdentity(t, s, uid(1)), want)
	wantInvalidated(t, s, since, "", uid(1))
	// The same step again finds the config changed.
	wantCode(t, s.UpdateCredentialConfig(ctx, uid(1), "password", old, rehashed, at(time.Hour)), fault.FailedPrecondition)
	// An identity update based on the read before it is refused: the version moved.
	stale := stored(a)
	stale.Traits = []byte(`{}`)
	wantCode(t, s.UpdateIdentity(ctx, stale), fault.FailedPrecondition)
}

// testUpdateCredentialConfigConcurrent races re-hashes from one config: one wins.
func testUpdateCredentialConfigConcurrent(t *testing.T, s store.IdentityStore) {
	a := newIdentity(1, "a@example.com")
	mustCreateIdentity(t, s, a)
	old := a.Credentials["password"].Config
	errs := race(8, func(k int) error {
		return s.UpdateCredentialConfig(context.Background(), uid(1), "password", old, []byte(fmt.Sprintf(`{"h":%d}`, k)), at(time.Hour))
	})
	winner := oneWinner(t, "UpdateCredentialConfig", errs, fault.FailedPrecondition)
	got := getIdentity(t, s, uid(1))
	if want := fmt.Sprintf(`{"h":%d}`, winner); string(got.Credentials["password"].Config) != want || got.Version != 2 {
		t.Errorf("config %s at version %d; want the winner's %s at 2", got.Credentials["password"].Config, got.Version, want)
	}
}

func testDeleteCredential(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	a := newIdentity(1, "a@example.com")
	a.Credentials["oidc"] = store.Credential{Identifiers: []string{"google:1", "github:1"}, Config: []byte(`{"providers":2}`)}
	a.Credentials["totp"] = store.Credential{Identifiers: []string{uid(1)}, Config: []byte(`{}`)}
	mustCreateIdentity(t, s, a)
	since := clockReading(t, s)

	wantCode(t, s.DeleteCredential(ctx, uid(1), "webauthn", "", at(time.Hour)), fault.NotFound)
	wantCode(t, s.DeleteCredential(ctx, uid(1), "oidc", "apple:1", at(time.Hour)), fault.NotFound)
	wantCode(t, s.DeleteCredential(ctx, uid(2), "oidc", "", at(time.Hour)), fault.NotFound)
	sameIdentity(t, "identity after failed deletions", getIdentity(t, s, uid(1)), stored(a))

	if err := s.DeleteCredential(ctx, uid(1), "oidc", "google:1", at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	want := stored(a)
	want.Credentials["oidc"] = store.Credential{Identifiers: []string{"github:1"}, Config: []byte(`{"providers":2}`), UpdatedAt: at(time.Hour)}
	want.Version, want.UpdatedAt = 2, at(time.Hour)
	sameIdentity(t, "identity after deleting one identifier", getIdentity(t, s, uid(1)), want)
	wantInvalidated(t, s, since, "", uid(1))
	// The identifier is free for another identity.
	b := newIdentity(2, "b@example.com")
	b.Credentials["oidc"] = store.Credential{Identifiers: []string{"google:1"}}
	mustCreateIdentity(t, s, b)

	// The last identifier takes the credential with it.
	if err := s.DeleteCredential(ctx, uid(1), "oidc", "github:1", at(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCredential(ctx, uid(1), "totp", "", at(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got := getIdentity(t, s, uid(1))
	if _, ok := got.Credentials["oidc"]; ok || len(got.Credentials) != 1 || got.Version != 4 {
		t.Fatalf("credentials after deleting oidc and totp: %v at version %d", got.Credentials, got.Version)
	}
	for _, id := range []string{"github:1", uid(1)} {
		for _, typ := range []string{"oidc", "totp"} {
			if _, _, err := s.FindByCredentialIdentifier(ctx, typ, id); fault.CodeOf(err) != fault.NotFound {
				t.Errorf("deleted identifier %s:%s is still found: %v", typ, id, err)
			}
		}
	}
}

func testMarkAddressVerified(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	a := newIdentity(1, "a@example.com")
	mustCreateIdentity(t, s, a)
	wantCode(t, s.MarkAddressVerified(ctx, uid(1), uid(recoveryBase+1), at(time.Hour)), fault.NotFound) // a recovery address
	wantCode(t, s.MarkAddressVerified(ctx, uid(2), uid(verifiableBase+1), at(time.Hour)), fault.NotFound)
	if err := s.MarkAddressVerified(ctx, uid(1), strings.ToUpper(uid(verifiableBase+1)), at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	want := stored(a)
	v := &want.VerifiableAddresses[0]
	v.Verified, v.VerifiedAt, v.Status, v.UpdatedAt = true, at(time.Hour), "completed", at(time.Hour)
	want.Version, want.UpdatedAt = 2, at(time.Hour)
	sameIdentity(t, "identity after MarkAddressVerified", getIdentity(t, s, uid(1)), want)
	_, got, err := s.FindVerifiableAddress(ctx, "email", "a@example.com")
	if err != nil || !got.Verified {
		t.Errorf("FindVerifiableAddress after MarkAddressVerified = %+v, %v", got, err)
	}
}

func testDeleteIdentity(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	a := newIdentity(1, "a@example.com")
	a.ExternalID = "ext-a"
	mustCreateIdentity(t, s, a)
	mustCreateIdentity(t, s, newIdentity(2, "b@example.com"))
	mustCreateSession(t, s, newSession(1, 1))
	mustCreateSession(t, s, newSession(2, 1))
	mustCreateSession(t, s, newSession(3, 2))
	settings := newSelfServiceFlow(1, store.SettingsFlow)
	settings.IdentityID = uid(1)
	mustCreateSelfServiceFlow(t, s, settings)
	mustCreateSelfServiceFlow(t, s, newSelfServiceFlow(2, store.LoginFlow))
	since := clockReading(t, s)

	wantCode(t, s.DeleteIdentity(ctx, uid(9)), fault.NotFound)
	if err := s.DeleteIdentity(ctx, strings.ToUpper(uid(1))); err != nil {
		t.Fatal(err)
	}
	wantNoIdentity(t, s, uid(1))
	wantCode(t, s.DeleteIdentity(ctx, uid(1)), fault.NotFound)
	for _, n := range []int{1, 2} {
		_, err := s.GetSession(ctx, uid(sessionBase+n))
		wantCode(t, err, fault.NotFound)
		_, _, err = s.LookupSession(ctx, tokenKey(n))
		wantCode(t, err, fault.NotFound)
	}
	_, err := s.GetSelfServiceFlow(ctx, store.SettingsFlow, uid(flowBase+1))
	wantCode(t, err, fault.NotFound)
	wantInvalidated(t, s, since, "", uid(1))
	// What is not the identity's stays.
	getSession(t, s, uid(sessionBase+3))
	getSelfServiceFlow(t, s, store.LoginFlow, uid(flowBase+2))
	getIdentity(t, s, uid(2))
	// Its unique values are free.
	c := newIdentity(3, "a@example.com")
	c.ExternalID = "ext-a"
	mustCreateIdentity(t, s, c)
	mustCreateIdentity(t, s, newIdentity(1, "a2@example.com"))
	n, err := s.CountIdentities(ctx)
	wantCount(t, "CountIdentities", n, err, 3)
}
