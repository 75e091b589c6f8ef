package identity_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
)

func pw(p string) *identity.ImportCredentials {
	return &identity.ImportCredentials{Password: &identity.ImportPassword{Config: identity.ImportPasswordConfig{Password: p}}}
}

func hashed(h string) *identity.ImportCredentials {
	return &identity.ImportCredentials{Password: &identity.ImportPassword{Config: identity.ImportPasswordConfig{HashedPassword: h}}}
}

func TestCreateIdentity(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	i, err := e.svc.CreateIdentity(ctx, identity.CreateIdentityBody{
		Traits:         json.RawMessage(`{"email":"Ada@Example.COM"}`),
		Credentials:    pw("correct horse battery staple"),
		MetadataPublic: json.RawMessage(`{"plan":"pro"}`),
		MetadataAdmin:  json.RawMessage(`{"note":"vip"}`),
		ExternalID:     "crm-42",
		VerifiableAddresses: []identity.VerifiableAddress{
			{Via: "email", Value: "ADA@example.com", Verified: true},
			{Via: "email", Value: "other@example.com", Verified: true}, // not in the traits: dropped
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if i.SchemaID != "default" || i.State != identity.StateActive || i.Version != 1 {
		t.Errorf("schema %q state %q version %d", i.SchemaID, i.State, i.Version)
	}
	if want := "https://id.example.com/schemas/ZGVmYXVsdA"; i.SchemaURL != want {
		t.Errorf("schema_url %q; want %q", i.SchemaURL, want)
	}
	c := i.Credentials[identity.CredentialPassword]
	if !reflect.DeepEqual(c.Identifiers, []string{"ada@example.com"}) {
		t.Errorf("identifiers %v; want the folded email", c.Identifiers)
	}
	if strings.Contains(string(c.Config), "correct horse") || !strings.Contains(string(c.Config), "$argon2id$") {
		t.Errorf("config %s: want an argon2id hash, never the password", c.Config)
	}
	if len(i.VerifiableAddresses) != 1 || !i.VerifiableAddresses[0].Verified || i.VerifiableAddresses[0].Status != identity.AddressCompleted ||
		i.VerifiableAddresses[0].VerifiedAt.IsZero() {
		t.Errorf("verifiable addresses %+v; want the imported verified one only", i.VerifiableAddresses)
	}
	if len(i.RecoveryAddresses) != 1 || i.RecoveryAddresses[0].Value != "ada@example.com" {
		t.Errorf("recovery addresses %+v", i.RecoveryAddresses)
	}
	got, err := e.svc.GetIdentity(ctx, i.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, i) {
		t.Errorf("stored identity differs from the one returned:\n got %+v\nwant %+v", got, i)
	}
	byExt, err := e.svc.GetIdentityByExternalID(ctx, "crm-42")
	if err != nil || byExt.ID != i.ID {
		t.Errorf("by external id: %v, %v", byExt, err)
	}
	if _, err := e.svc.GetIdentityByExternalID(ctx, "crm-43"); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("unknown external id: %v; want NotFound", err)
	}
	if _, err := e.svc.GetIdentity(ctx, "not-a-uuid"); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("malformed id: %v; want NotFound", err)
	}
}

// TestCreateIdentityRefused checks that each kind of bad input is refused with an error naming
// what is wrong, and leaves the store as it was.
func TestCreateIdentityRefused(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.create("taken@example.com", "correct horse battery staple")
	if _, err := e.svc.CreateIdentity(ctx, identity.CreateIdentityBody{Traits: traits("ext@example.com"), ExternalID: "ext-1"}); err != nil {
		t.Fatal(err)
	}
	before := e.snapshot()
	hashesBefore := e.hasher.hashes.Load()
	cases := []struct {
		name    string
		body    identity.CreateIdentityBody
		code    fault.Code
		pointer string // of the first violation, for validation errors
		dup     string // the field of a duplicate
	}{
		{"missing email", identity.CreateIdentityBody{Traits: json.RawMessage(`{}`), Credentials: pw("correct horse battery staple")}, fault.InvalidArgument, "/traits/email", ""},
		{"bad email", identity.CreateIdentityBody{Traits: json.RawMessage(`{"email":"nope"}`)}, fault.InvalidArgument, "/traits/email", ""},
		{"extra trait", identity.CreateIdentityBody{Traits: json.RawMessage(`{"email":"a@example.com","x":1}`)}, fault.InvalidArgument, "/traits", ""},
		{"traits not json", identity.CreateIdentityBody{Traits: json.RawMessage(`{"email":`)}, fault.InvalidArgument, "/traits", ""},
		{"unknown schema", identity.CreateIdentityBody{SchemaID: "nope", Traits: traits("a@example.com")}, fault.InvalidArgument, "/schema_id", ""},
		{"bad state", identity.CreateIdentityBody{Traits: traits("a@example.com"), State: "banned"}, fault.InvalidArgument, "/state", ""},
		{"bad metadata", identity.CreateIdentityBody{Traits: traits("a@example.com"), MetadataPublic: json.RawMessage(`{`)}, fault.InvalidArgument, "/metadata_public", ""},
		{"unknown hash format", identity.CreateIdentityBody{Traits: traits("a@example.com"), Credentials: hashed("$unknown$abc")}, fault.InvalidArgument, "/credentials/password/config/hashed_password", ""},
		{"bcrypt cost over bound", identity.CreateIdentityBody{Traits: traits("a@example.com"), Credentials: hashed("$2a$31$" + strings.Repeat("a", 53))}, fault.InvalidArgument, "/credentials/password/config/hashed_password", ""},
		{"empty password config", identity.CreateIdentityBody{Traits: traits("a@example.com"), Credentials: hashed("")}, fault.InvalidArgument, "/credentials/password/config", ""},
		{"migration hook", identity.CreateIdentityBody{Traits: traits("a@example.com"), Credentials: &identity.ImportCredentials{Password: &identity.ImportPassword{Config: identity.ImportPasswordConfig{UsePasswordMigrationHook: true}}}}, fault.InvalidArgument, "/credentials/password/config/use_password_migration_hook", ""},
		{"oidc import", identity.CreateIdentityBody{Traits: traits("a@example.com"), Credentials: &identity.ImportCredentials{OIDC: json.RawMessage(`{"config":{}}`)}}, fault.InvalidArgument, "/credentials/oidc", ""},
		{"taken email", identity.CreateIdentityBody{Traits: traits("TAKEN@example.com"), Credentials: pw("correct horse battery staple")}, fault.AlreadyExists, "", "credentials.password.identifiers"},
		{"taken external id", identity.CreateIdentityBody{Traits: traits("b@example.com"), ExternalID: "ext-1"}, fault.AlreadyExists, "", "external_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.CreateIdentity(ctx, c.body)
			if got := fault.CodeOf(err); got != c.code {
				t.Fatalf("code %v (%v); want %v", got, err, c.code)
			}
			if c.pointer != "" {
				var ve *identity.ValidationError
				if !errors.As(err, &ve) || ve.Violations[0].Pointer != c.pointer {
					t.Fatalf("error %v; want a violation of %s", err, c.pointer)
				}
			}
			if c.dup != "" {
				var de *identity.DuplicateError
				if !errors.As(err, &de) || de.Field != c.dup {
					t.Fatalf("error %v; want a duplicate of %s", err, c.dup)
				}
			}
		})
	}
	if after := e.snapshot(); !reflect.DeepEqual(before, after) {
		t.Error("a refused create changed the store")
	}
	// Only the taken email's password was hashed: bad input costs no hash.
	if n := e.hasher.hashes.Load() - hashesBefore; n != 1 {
		t.Errorf("%d hashes for the refused creates; want 1 (the duplicate's, found by the store)", n)
	}
}

func TestCreateIdentityDuplicateNamesIdentifier(t *testing.T) {
	e := newEnv(t, nil)
	e.create("ada@example.com", "")
	_, err := e.svc.CreateIdentity(context.Background(), identity.CreateIdentityBody{Traits: traits("Ada@Example.com")})
	var de *identity.DuplicateError
	if !errors.As(err, &de) || de.Value != "ada@example.com" || de.CredentialType != "password" {
		t.Fatalf("error %#v; want a duplicate password identifier ada@example.com", err)
	}
}

func TestCreateIdentities(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.create("stored@example.com", "")
	body := func(email string) *identity.CreateIdentityBody {
		return &identity.CreateIdentityBody{Traits: traits(email)}
	}
	res, err := e.svc.CreateIdentities(ctx, []identity.IdentityPatch{
		{Create: body("one@example.com"), PatchID: "p1"},
		{Create: body("stored@example.com"), PatchID: "p2"},                                  // clashes with the store
		{Create: &identity.CreateIdentityBody{Traits: json.RawMessage(`{}`)}, PatchID: "p3"}, // invalid
		{Create: body("one@example.com"), PatchID: "p4"},                                     // clashes with p1
		{PatchID: "p5"}, // nothing to do
		{Create: &identity.CreateIdentityBody{Traits: traits("six@example.com"), State: "x"}}, // invalid state
		{Create: body("seven@example.com")},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		action string
		code   fault.Code
	}{{"create", 0}, {"error", fault.AlreadyExists}, {"error", fault.InvalidArgument}, {"error", fault.AlreadyExists}, {"", 0}, {"error", fault.InvalidArgument}, {"create", 0}}
	for k, w := range want {
		r := res[k]
		if r.Action != w.action {
			t.Errorf("[%d] action %q (%v); want %q", k, r.Action, r.Err, w.action)
		}
		if w.action == "error" && fault.CodeOf(r.Err) != w.code {
			t.Errorf("[%d] error %v; want %v", k, r.Err, w.code)
		}
		if w.action == "create" {
			if _, err := e.svc.GetIdentity(ctx, r.IdentityID); err != nil {
				t.Errorf("[%d] created identity %q: %v", k, r.IdentityID, err)
			}
		} else if r.IdentityID != "" {
			t.Errorf("[%d] identity %q for a failed entry", k, r.IdentityID)
		}
	}
	if res[0].PatchID != "p1" || res[3].PatchID != "p4" {
		t.Errorf("patch ids not repeated: %+v", res)
	}
	if n, _ := e.st.CountIdentities(ctx); n != 3 {
		t.Errorf("%d identities stored; want 3", n)
	}
	if _, err := e.svc.CreateIdentities(ctx, make([]identity.IdentityPatch, 1001)); fault.CodeOf(err) != fault.InvalidArgument {
		t.Errorf("1001 entries: %v; want InvalidArgument", err)
	}
}

func TestListIdentities(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	var ids []string
	for k := range 5 {
		ids = append(ids, e.create(fmt.Sprintf("u%d@example.com", k), "").ID)
	}
	var seen []string
	token := ""
	for pages := 0; ; pages++ {
		page, next, err := e.svc.ListIdentities(ctx, identity.ListParams{PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range page {
			seen = append(seen, i.ID)
		}
		if next == "" {
			if pages != 2 {
				t.Errorf("%d pages; want 3", pages+1)
			}
			break
		}
		token = next
	}
	if len(seen) != 5 {
		t.Errorf("listed %d identities across pages; want 5", len(seen))
	}
	page, _, err := e.svc.ListIdentities(ctx, identity.ListParams{CredentialsIdentifier: " U3@EXAMPLE.com"})
	if err != nil || len(page) != 1 || page[0].Credentials["password"].Identifiers[0] != "u3@example.com" {
		t.Errorf("by identifier: %v, %v", page, err)
	}
	page, _, err = e.svc.ListIdentities(ctx, identity.ListParams{IDs: []string{ids[1], ids[4]}})
	if err != nil || len(page) != 2 {
		t.Errorf("by ids: %d identities, %v; want 2", len(page), err)
	}
	for _, p := range []identity.ListParams{{PageSize: -1}, {PageSize: 1001}, {PageToken: "x"}, {IDs: []string{"x"}}} {
		if _, _, err := e.svc.ListIdentities(ctx, p); fault.CodeOf(err) != fault.InvalidArgument {
			t.Errorf("%+v: %v; want InvalidArgument", p, err)
		}
	}
}

func TestUpdateIdentity(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	i := e.create("ada@example.com", "correct horse battery staple")
	oldHash := string(i.Credentials["password"].Config)
	e.clock.Add(1e9)
	u, err := e.svc.UpdateIdentity(ctx, i.ID, identity.UpdateIdentityBody{
		Traits: traits("grace@example.com"), State: identity.StateInactive, MetadataPublic: json.RawMessage(`{"a":1}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := u.Credentials["password"]
	if c.Identifiers[0] != "grace@example.com" || string(c.Config) != oldHash {
		t.Errorf("credential %+v: want the new identifier and the old hash", c)
	}
	if u.State != identity.StateInactive || !u.StateChangedAt.Equal(e.clock.Now()) || u.Version != 2 || string(u.MetadataPublic) != `{"a":1}` {
		t.Errorf("updated %+v", u)
	}
	if u.VerifiableAddresses[0].Value != "grace@example.com" {
		t.Errorf("addresses %+v follow the traits", u.VerifiableAddresses)
	}
	// Refused updates change nothing.
	before := e.snapshot()
	for _, b := range []identity.UpdateIdentityBody{
		{Traits: json.RawMessage(`{"email":1}`)},
		{Traits: traits("x@example.com"), State: "gone"},
		{Traits: traits("x@example.com"), Credentials: hashed("plain")},
		{Traits: traits("x@example.com"), MetadataAdmin: json.RawMessage(`nope`)},
	} {
		if _, err := e.svc.UpdateIdentity(ctx, i.ID, b); fault.CodeOf(err) != fault.InvalidArgument {
			t.Errorf("%+v: %v; want InvalidArgument", b, err)
		}
	}
	if _, err := e.svc.UpdateIdentity(ctx, "6f1e2c1e-2c8a-4a57-a2b4-3b8c1c7d3e55", identity.UpdateIdentityBody{Traits: traits("x@example.com")}); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("unknown identity: %v; want NotFound", err)
	}
	if !reflect.DeepEqual(before, e.snapshot()) {
		t.Error("a refused update changed the store")
	}
}

// TestUpdateIdentityKeepsConcurrentWrite checks the lost-update protection: an update computed
// from a read that another write overtook is computed again, so the other write's effect stays.
func TestUpdateIdentityKeepsConcurrentWrite(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	i := e.create("ada@example.com", "correct horse battery staple")
	racer := &racingStore{IdentityStore: e.st}
	e2 := newEnvOver(t, e.st, nil)
	svc2 := e2.svc
	racer.before = func() {
		// Another node sets a new password between this update's read and its write.
		if err := svc2.SetPassword(ctx, i.ID, "a different long passphrase"); err != nil {
			t.Error(err)
		}
	}
	e3 := newEnvOver(t, racer, nil)
	if _, err := e3.svc.UpdateTraits(ctx, i.ID, traits("ada@example.com")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", "a different long passphrase", ""); err != nil {
		t.Errorf("the concurrent password change was lost: %v", err)
	}
}
