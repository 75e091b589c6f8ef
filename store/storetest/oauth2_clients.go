package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

func testClientRoundTrip(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	c := newClient("app")
	mustCreateClient(t, s, c)
	want := newClient("app")
	// The caller's record is not the store's: changing it, or what GetClient returned, changes
	// nothing stored.
	c.RedirectURIs[0], c.JWKS[0] = "https://evil.example/cb", 'X'
	got, err := s.GetClient(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "GetClient", got, want)
	got.Scopes[0] = "admin"
	got, _ = s.GetClient(ctx, "app")
	same(t, "GetClient after changing the last result", got, want)

	// A public client: no secret, no JWKS, empty lists.
	pub := &store.OAuth2Client{ID: "public", AuthMethod: "none", CreatedAt: at(0), UpdatedAt: at(0)}
	mustCreateClient(t, s, pub)
	got, err = s.GetClient(ctx, "public")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "GetClient(public)", got, pub)

	wantCode(t, s.CreateClient(ctx, newClient("app")), fault.AlreadyExists)
	_, err = s.GetClient(ctx, "nope")
	wantCode(t, err, fault.NotFound)
}

func testListClients(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	// Bytewise order: upper case before lower case, ASCII before UTF-8.
	ids := []string{"b", "a", "B", "a-1", "é", "a/1", "ab", "0"}
	for _, id := range ids {
		mustCreateClient(t, s, newClient(id))
	}
	sorted := slices.Sorted(slices.Values(ids))
	list := func(after string, limit int) []string {
		t.Helper()
		cs, err := s.ListClients(ctx, after, limit)
		if err != nil {
			t.Fatalf("ListClients(%q, %d): %v", after, limit, err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	equal(t, "ListClients(all)", list("", 0), sorted)
	equal(t, "ListClients(all, -1)", list("", -1), sorted)
	// Page through, three at a time.
	var paged []string
	after := ""
	for range len(ids) {
		page := list(after, 3)
		if len(page) > 3 {
			t.Fatalf("a page of %d clients, limit 3", len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1]
	}
	equal(t, "clients paged 3 at a time", paged, sorted)
	equal(t, "ListClients after a missing ID", list("a.", 2), []string{"a/1", "ab"})
	equal(t, "ListClients after the last", list("é", 0), nil)

	cs, err := s.ListClients(ctx, "a", 1)
	if err != nil || len(cs) != 1 {
		t.Fatalf("ListClients(a, 1) = %v, %v", cs, err)
	}
	want := newClient("a-1")
	same(t, "listed client", cs[0], want)
}

func testUpdateClient(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	mustCreateClient(t, s, newClient("app"))
	c := newClient("app")
	c.Name, c.SecretHash, c.JWKS = "Renamed", "", nil
	c.RedirectURIs = []string{"https://new.example/cb"}
	c.Scopes = nil
	c.AccessTokenFormat = ""
	c.CreatedAt = at(time.Hour) // ignored: the stored CreatedAt stays
	c.UpdatedAt = at(2 * time.Hour)
	if err := s.UpdateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	want := *c
	want.CreatedAt = at(0)
	got, err := s.GetClient(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "GetClient after UpdateClient", got, &want)
	wantCode(t, s.UpdateClient(ctx, newClient("nope")), fault.NotFound)
	if _, err := s.GetClient(ctx, "nope"); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("UpdateClient of a missing client created it: %v", err)
	}
}

func testDeleteClient(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	_, since, err := s.RevokedSince(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"gone", "kept"} {
		mustCreateClient(t, s, newClient(id))
		mustCreateGrant(t, s, newGrant(id+"-g1", id, "alice"),
			newToken(store.AccessTokenKind, id+"-at1"), newToken(store.RefreshTokenKind, id+"-rt1"))
		mustCreateGrant(t, s, newGrant(id+"-g2", id, ""), newToken(store.AccessTokenKind, id+"-at2"))
		if err := s.RememberConsent(ctx, newConsent("alice", id)); err != nil {
			t.Fatal(err)
		}
		if err := s.RememberConsent(ctx, newConsent("bob", id)); err != nil {
			t.Fatal(err)
		}
		d := newDevice(id+"-dc", id+"-uc")
		d.ClientID = id
		if err := s.CreateDeviceAuthorization(ctx, d); err != nil {
			t.Fatal(err)
		}
	}

	if err := s.DeleteClient(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetClient(ctx, "gone")
	wantCode(t, err, fault.NotFound)
	wantNoToken(t, s, store.AccessTokenKind, "gone-at1")
	wantNoToken(t, s, store.RefreshTokenKind, "gone-rt1")
	wantNoToken(t, s, store.AccessTokenKind, "gone-at2")
	for _, sub := range []string{"alice", "bob"} {
		_, err = s.GetConsent(ctx, sub, "gone")
		wantCode(t, err, fault.NotFound)
	}
	_, err = s.GetDeviceByDeviceCode(ctx, "gone-dc")
	wantCode(t, err, fault.NotFound)
	_, err = s.GetDeviceByUserCode(ctx, "gone-uc")
	wantCode(t, err, fault.NotFound)
	// A new authorization may take the deleted one's user code.
	if err := s.CreateDeviceAuthorization(ctx, newDevice("new-dc", "gone-uc")); err != nil {
		t.Errorf("CreateDeviceAuthorization with a deleted authorization's user code: %v", err)
	}
	revs, _, err := s.RevokedSince(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	wantRevoked(t, revs, "gone-g1", "gone-g2")

	// The other client keeps everything.
	if _, err := s.GetClient(ctx, "kept"); err != nil {
		t.Fatal(err)
	}
	lookup(t, s, store.AccessTokenKind, "kept-at1")
	lookup(t, s, store.RefreshTokenKind, "kept-rt1")
	lookup(t, s, store.AccessTokenKind, "kept-at2")
	if _, err := s.GetConsent(ctx, "alice", "kept"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetDeviceByUserCode(ctx, "kept-uc"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteClient(ctx, "gone"), fault.NotFound)
}

// wantRevoked fails the test unless revs records the revocation of each grant in grantIDs, and of
// no other grant (token revocations aside).
func wantRevoked(t testing.TB, revs []store.Revocation, grantIDs ...string) {
	t.Helper()
	got := map[string]bool{}
	for _, r := range revs {
		if r.TokenKey == "" {
			got[r.GrantID] = true
		}
	}
	for _, id := range grantIDs {
		if !got[id] {
			t.Errorf("no revocation of grant %q in %+v", id, revs)
		}
		delete(got, id)
	}
	for id := range got {
		t.Errorf("unexpected revocation of grant %q", id)
	}
}
