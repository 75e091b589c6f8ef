package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

func testGrantRoundTrip(t *testing.T, s store.OAuth2Store) {
	g := newGrant("g1", "app", "alice")
	at1, rt1 := newToken(store.AccessTokenKind, "k1"), newToken(store.RefreshTokenKind, "k2")
	// The same key under another kind is another token.
	code := newToken(store.AuthorizeCodeKind, "k1")
	at1.GrantID = "ignored" // tokens belong to the grant they are created with
	mustCreateGrant(t, s, g, at1, rt1, code)
	g.Scopes[0], at1.Data[0] = "admin", 'X' // the store keeps copies

	wantGrant := newGrant("g1", "app", "alice")
	for _, want := range []*store.TokenRecord{
		newToken(store.AccessTokenKind, "k1"), newToken(store.RefreshTokenKind, "k2"), newToken(store.AuthorizeCodeKind, "k1"),
	} {
		want.GrantID = "g1"
		tok, gr := lookup(t, s, want.Kind, want.Key)
		same(t, fmt.Sprintf("LookupToken(%v, %q) token", want.Kind, want.Key), tok, want)
		same(t, fmt.Sprintf("LookupToken(%v, %q) grant", want.Kind, want.Key), gr, wantGrant)
		tok.Data[0], gr.Session[0] = 'X', 'X'
	}
	tok, gr := lookup(t, s, store.AccessTokenKind, "k1")
	if tok.Data[0] == 'X' || gr.Session[0] == 'X' {
		t.Error("changing what LookupToken returned changed the stored records")
	}
	wantNoToken(t, s, store.RefreshTokenKind, "k1")
	wantNoToken(t, s, store.AccessTokenKind, "nope")

	// A grant without tokens (its tokens come later, by ConsumeToken) and with empty fields.
	bare := &store.Grant{ID: "g2", ClientID: "svc", CreatedAt: at(0), ExpiresAt: at(time.Hour)}
	mustCreateGrant(t, s, bare)
	if err := s.ConsumeToken(context.Background(), store.AccessTokenKind, "nope", at(0)); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("ConsumeToken of a missing token: %v, want NotFound", err)
	}
}

func testCreateGrantExisting(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	mustCreateGrant(t, s, newGrant("g1", "app", "alice"), newToken(store.AccessTokenKind, "taken"))
	wantCode(t, s.CreateGrant(ctx, newGrant("g1", "app", "bob")), fault.AlreadyExists)
	// A taken token key fails the whole grant.
	wantCode(t, s.CreateGrant(ctx, newGrant("g2", "app", "bob"),
		newToken(store.RefreshTokenKind, "fresh"), newToken(store.AccessTokenKind, "taken")), fault.AlreadyExists)
	wantNoToken(t, s, store.RefreshTokenKind, "fresh")
	// As does a key given twice.
	wantCode(t, s.CreateGrant(ctx, newGrant("g3", "app", "bob"),
		newToken(store.RefreshTokenKind, "twice"), newToken(store.RefreshTokenKind, "twice")), fault.AlreadyExists)
	wantNoToken(t, s, store.RefreshTokenKind, "twice")
	// g2 and g3 were not created: their IDs are free.
	mustCreateGrant(t, s, newGrant("g2", "app", "bob"), newToken(store.RefreshTokenKind, "fresh"))
	mustCreateGrant(t, s, newGrant("g3", "app", "bob"))
	_, g := lookup(t, s, store.AccessTokenKind, "taken")
	if g.Subject != "alice" {
		t.Errorf("grant g1 has subject %q after failed creations, want alice", g.Subject)
	}
}

func testConsumeToken(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	mustCreateGrant(t, s, newGrant("g1", "app", "alice"),
		newToken(store.AuthorizeCodeKind, "code"), newToken(store.AccessTokenKind, "other"))
	// Next tokens with a taken key: nothing changes.
	wantCode(t, s.ConsumeToken(ctx, store.AuthorizeCodeKind, "code", at(time.Minute),
		newToken(store.AccessTokenKind, "fresh"), newToken(store.AccessTokenKind, "other")), fault.AlreadyExists)
	if tok, _ := lookup(t, s, store.AuthorizeCodeKind, "code"); !tok.UsedAt.IsZero() {
		t.Fatalf("a failed ConsumeToken set UsedAt to %v", tok.UsedAt)
	}
	wantNoToken(t, s, store.AccessTokenKind, "fresh")

	usedAt := at(time.Minute)
	next := []*store.TokenRecord{newToken(store.AccessTokenKind, "at"), newToken(store.RefreshTokenKind, "rt")}
	next[0].GrantID = "ignored"
	if err := s.ConsumeToken(ctx, store.AuthorizeCodeKind, "code", usedAt, next...); err != nil {
		t.Fatalf("ConsumeToken: %v", err)
	}
	want := newToken(store.AuthorizeCodeKind, "code")
	want.GrantID, want.UsedAt = "g1", usedAt
	tok, _ := lookup(t, s, store.AuthorizeCodeKind, "code")
	same(t, "consumed code", tok, want)
	for _, n := range []*store.TokenRecord{newToken(store.AccessTokenKind, "at"), newToken(store.RefreshTokenKind, "rt")} {
		n.GrantID = "g1"
		tok, g := lookup(t, s, n.Kind, n.Key)
		same(t, "token issued in exchange", tok, n)
		if g.ID != "g1" {
			t.Errorf("token issued in exchange has grant %q, want g1", g.ID)
		}
	}
	// A refresh token rotates the same way, without next tokens too.
	if err := s.ConsumeToken(ctx, store.RefreshTokenKind, "rt", at(2*time.Minute)); err != nil {
		t.Fatalf("ConsumeToken(refresh token): %v", err)
	}
	if tok, _ := lookup(t, s, store.RefreshTokenKind, "rt"); !tok.UsedAt.Equal(at(2 * time.Minute)) {
		t.Errorf("refresh token UsedAt = %v, want %v", tok.UsedAt, at(2*time.Minute))
	}
	wantCode(t, s.ConsumeToken(ctx, store.AccessTokenKind, "code", usedAt), fault.NotFound)
}

func testConsumeTokenReplay(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	_, since, err := s.RevokedSince(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	mustCreateGrant(t, s, newGrant("g1", "app", "alice"),
		newToken(store.RefreshTokenKind, "rt1"), newToken(store.AccessTokenKind, "at1"))
	mustCreateGrant(t, s, newGrant("g2", "app", "alice"), newToken(store.RefreshTokenKind, "g2-rt"))
	if err := s.ConsumeToken(ctx, store.RefreshTokenKind, "rt1", at(time.Minute),
		newToken(store.RefreshTokenKind, "rt2"), newToken(store.AccessTokenKind, "at2")); err != nil {
		t.Fatal(err)
	}
	// The replay: the stolen rt1 again. It stores nothing and revokes the family.
	wantCode(t, s.ConsumeToken(ctx, store.RefreshTokenKind, "rt1", at(2*time.Minute),
		newToken(store.RefreshTokenKind, "rt3")), fault.FailedPrecondition)
	for _, k := range []struct {
		kind store.TokenKind
		key  string
	}{
		{store.RefreshTokenKind, "rt1"}, {store.AccessTokenKind, "at1"},
		{store.RefreshTokenKind, "rt2"}, {store.AccessTokenKind, "at2"}, {store.RefreshTokenKind, "rt3"},
	} {
		wantNoToken(t, s, k.kind, k.key)
	}
	wantCode(t, s.ConsumeToken(ctx, store.RefreshTokenKind, "rt2", at(3*time.Minute)), fault.NotFound)
	lookup(t, s, store.RefreshTokenKind, "g2-rt") // another grant of the same subject stays
	revs, _, err := s.RevokedSince(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	wantRevoked(t, revs, "g1")
}

func testConsumeTokenConcurrent(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	mustCreateGrant(t, s, newGrant("g1", "app", "alice"), newToken(store.RefreshTokenKind, "rt"))
	const n = 8
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.ConsumeToken(ctx, store.RefreshTokenKind, "rt", at(time.Duration(i)*time.Second),
				newToken(store.RefreshTokenKind, fmt.Sprintf("rt-%d", i)))
		})
	}
	close(start)
	wg.Wait()
	won, replays := 0, 0
	for i, err := range errs {
		switch fault.CodeOf(err) {
		case fault.Internal:
			if err == nil {
				won++
				continue
			}
			t.Errorf("ConsumeToken %d: %v", i, err)
		case fault.FailedPrecondition:
			replays++
		case fault.NotFound: // after a replay revoked the grant
		default:
			t.Errorf("ConsumeToken %d: %v", i, err)
		}
	}
	if won != 1 || replays == 0 {
		t.Fatalf("of %d concurrent ConsumeToken calls, %d succeeded and %d saw a replay; want 1 and at least 1: %v", n, won, replays, errs)
	}
	// The replays revoked the grant, with the winner's new refresh token.
	wantNoToken(t, s, store.RefreshTokenKind, "rt")
	for i := range n {
		wantNoToken(t, s, store.RefreshTokenKind, fmt.Sprintf("rt-%d", i))
	}
}

func testRevokeToken(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	_, since, err := s.RevokedSince(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	mustCreateGrant(t, s, newGrant("g1", "app", "alice"),
		newToken(store.AccessTokenKind, "at"), newToken(store.RefreshTokenKind, "rt"))
	mustCreateGrant(t, s, newGrant("g2", "app", "alice"), newToken(store.AccessTokenKind, "g2-at"))
	if err := s.RevokeToken(ctx, store.AccessTokenKind, "at"); err != nil {
		t.Fatal(err)
	}
	wantNoToken(t, s, store.AccessTokenKind, "at")
	lookup(t, s, store.RefreshTokenKind, "rt")
	// RFC 7009: unknown tokens, and a token of the wrong kind, are no error.
	for _, k := range []store.TokenKind{store.AccessTokenKind, store.RefreshTokenKind, store.AuthorizeCodeKind} {
		if err := s.RevokeToken(ctx, k, "unknown"); err != nil {
			t.Errorf("RevokeToken(%v, unknown): %v", k, err)
		}
	}
	if err := s.RevokeToken(ctx, store.AuthorizeCodeKind, "rt"); err != nil {
		t.Errorf("RevokeToken of a token under another kind: %v", err)
	}
	lookup(t, s, store.RefreshTokenKind, "rt")

	if err := s.RevokeGrant(ctx, "g1"); err != nil {
		t.Fatal(err)
	}
	wantNoToken(t, s, store.RefreshTokenKind, "rt")
	lookup(t, s, store.AccessTokenKind, "g2-at")
	if err := s.RevokeGrant(ctx, "g1"); err != nil {
		t.Errorf("RevokeGrant of a revoked grant: %v", err)
	}
	if err := s.RevokeGrant(ctx, "unknown"); err != nil {
		t.Errorf("RevokeGrant(unknown): %v", err)
	}
	// A revoked grant's ID does not come back to life with new tokens.
	wantCode(t, s.ConsumeToken(ctx, store.RefreshTokenKind, "rt", at(0)), fault.NotFound)

	revs, _, err := s.RevokedSince(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	var tokenRevs []store.Revocation
	for _, r := range revs {
		if r.TokenKey != "" {
			tokenRevs = append(tokenRevs, store.Revocation{GrantID: r.GrantID, TokenKey: r.TokenKey})
		}
	}
	same(t, "token revocations", tokenRevs, []store.Revocation{{GrantID: "g1", TokenKey: "at"}})
	wantRevoked(t, revs, "g1")
}

func testRevokeGrants(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	for _, g := range []struct{ id, client, subject string }{
		{"a1", "app", "alice"}, {"a2", "app", "alice"}, {"a3", "other", "alice"},
		{"b1", "app", "bob"}, {"cc", "app", ""},
	} {
		mustCreateGrant(t, s, newGrant(g.id, g.client, g.subject), newToken(store.AccessTokenKind, g.id+"-at"))
	}
	n, err := s.RevokeGrants(ctx, "alice", "app")
	wantCount(t, "RevokeGrants(alice, app)", n, err, 2)
	wantNoToken(t, s, store.AccessTokenKind, "a1-at")
	wantNoToken(t, s, store.AccessTokenKind, "a2-at")
	lookup(t, s, store.AccessTokenKind, "a3-at")
	n, err = s.RevokeGrants(ctx, "alice", "app")
	wantCount(t, "RevokeGrants(alice, app) again", n, err, 0)
	n, err = s.RevokeGrants(ctx, "alice", "")
	wantCount(t, "RevokeGrants(alice, any client)", n, err, 1)
	wantNoToken(t, s, store.AccessTokenKind, "a3-at")
	lookup(t, s, store.AccessTokenKind, "b1-at")
	n, err = s.RevokeGrants(ctx, "", "app")
	wantCount(t, "RevokeGrants(no subject, app)", n, err, 1)
	wantNoToken(t, s, store.AccessTokenKind, "cc-at")
	lookup(t, s, store.AccessTokenKind, "b1-at")
}

func testRevokedSince(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	revs, r0, err := s.RevokedSince(ctx, time.Time{})
	if err != nil || len(revs) != 0 {
		t.Fatalf("RevokedSince on an empty store = %v, %v", revs, err)
	}
	if d := time.Since(r0).Abs(); d > time.Minute {
		t.Errorf("RevokedSince's clock reads %v, %v from this process's", r0, d)
	}
	mustCreateGrant(t, s, newGrant("g1", "app", "alice"), newToken(store.AccessTokenKind, "at1"))
	mustCreateGrant(t, s, newGrant("g2", "app", "alice"), newToken(store.AccessTokenKind, "at2"))
	if err := s.RevokeGrant(ctx, "g1"); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, store.AccessTokenKind, "at2"); err != nil {
		t.Fatal(err)
	}
	revs, r1, err := s.RevokedSince(ctx, r0)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Before(r0) {
		t.Errorf("RevokedSince's clock went back from %v to %v", r0, r1)
	}
	recorded := revs
	var got []store.Revocation
	for _, r := range revs {
		if r.At.Before(r0) || r.At.After(r1) {
			t.Errorf("revocation %+v recorded outside [%v, %v]", r, r0, r1)
		}
		got = append(got, store.Revocation{GrantID: r.GrantID, TokenKey: r.TokenKey})
	}
	want := []store.Revocation{{GrantID: "g1"}, {GrantID: "g2", TokenKey: "at2"}}
	if len(got) != 2 || !(got[0] == want[0] && got[1] == want[1] || got[0] == want[1] && got[1] == want[0]) {
		t.Fatalf("RevokedSince = %+v, want %+v", got, want)
	}
	// Polling from a reading after them sees none of them.
	revs, r2, err := s.RevokedSince(ctx, r1.Add(time.Millisecond))
	if err != nil || len(revs) != 0 {
		t.Errorf("RevokedSince(after the last) = %+v, %v; want none", revs, err)
	}
	if r2.Before(r1) {
		t.Errorf("RevokedSince's clock went back from %v to %v", r1, r2)
	}
	// since is inclusive: from the later revocation's own time, RevokedSince reports it.
	last := recorded[0].At
	for _, r := range recorded[1:] {
		if r.At.After(last) {
			last = r.At
		}
	}
	revs, _, err = s.RevokedSince(ctx, last)
	if err != nil || len(revs) == 0 {
		t.Errorf("RevokedSince(the last revocation's time) = %+v, %v; want it", revs, err)
	}
}

func testDeleteExpired(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	expiredToken := func(kind store.TokenKind, key string) *store.TokenRecord {
		tok := newToken(kind, key)
		tok.ExpiresAt = past
		return tok
	}
	old := newGrant("old", "app", "alice")
	old.ExpiresAt = past
	mustCreateGrant(t, s, old, expiredToken(store.AccessTokenKind, "old-at"), newToken(store.RefreshTokenKind, "old-rt"))
	mustCreateGrant(t, s, newGrant("live", "app", "alice"),
		expiredToken(store.AccessTokenKind, "live-at"), newToken(store.RefreshTokenKind, "live-rt"))
	forever := newGrant("forever", "svc", "")
	forever.ExpiresAt = time.Time{}
	neverToken := newToken(store.AccessTokenKind, "forever-at")
	neverToken.ExpiresAt = time.Time{}
	mustCreateGrant(t, s, forever, neverToken)
	mustCreateGrant(t, s, newGrant("revoked", "app", "alice"))
	if err := s.RevokeGrant(ctx, "revoked"); err != nil {
		t.Fatal(err)
	}

	oldFlow, liveFlow := newFlow("old-flow", "old-lc"), newFlow("live-flow", "live-lc")
	oldFlow.ExpiresAt = past
	oldConsent, foreverConsent := newConsent("alice", "old"), newConsent("alice", "forever")
	oldConsent.ExpiresAt, foreverConsent.ExpiresAt = past, time.Time{}
	oldSession, liveSession := newLoginSession("old-ls", "alice"), newLoginSession("live-ls", "alice")
	oldSession.ExpiresAt = past
	oldDevice, liveDevice := newDevice("old-dc", "old-uc"), newDevice("live-dc", "live-uc")
	oldDevice.ExpiresAt = past
	for _, err := range []error{
		s.CreateFlow(ctx, oldFlow), s.CreateFlow(ctx, liveFlow),
		s.RememberConsent(ctx, oldConsent), s.RememberConsent(ctx, foreverConsent),
		s.CreateLoginSession(ctx, oldSession), s.CreateLoginSession(ctx, liveSession),
		s.CreateDeviceAuthorization(ctx, oldDevice), s.CreateDeviceAuthorization(ctx, liveDevice),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}

	// Everything that expired before the database's now, and the revocation recorded before it.
	_, now, err := s.RevokedSince(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	before := now.Add(time.Second)
	n, err := s.DeleteExpired(ctx, before)
	// The old grant and its two tokens, the live grant's expired token, the revocation, a flow, a
	// consent, a login session and a device authorization.
	wantCount(t, "DeleteExpired", n, err, 9)
	n, err = s.DeleteExpired(ctx, before)
	wantCount(t, "DeleteExpired again", n, err, 0)

	wantNoToken(t, s, store.AccessTokenKind, "old-at")
	wantNoToken(t, s, store.RefreshTokenKind, "old-rt")
	wantNoToken(t, s, store.AccessTokenKind, "live-at")
	lookup(t, s, store.RefreshTokenKind, "live-rt")
	lookup(t, s, store.AccessTokenKind, "forever-at")
	if revs, _, err := s.RevokedSince(ctx, time.Time{}); err != nil || len(revs) != 0 {
		t.Errorf("revocations after DeleteExpired: %+v, %v; want none", revs, err)
	}
	// The old grant's ID is free again.
	mustCreateGrant(t, s, newGrant("old", "app", "alice"))

	_, err = s.GetFlow(ctx, store.ByLoginChallenge, "old-lc")
	wantCode(t, err, fault.NotFound)
	if _, err := s.GetFlow(ctx, store.ByLoginChallenge, "live-lc"); err != nil {
		t.Error(err)
	}
	if err := s.CreateFlow(ctx, newFlow("reuse", "old-lc")); err != nil {
		t.Errorf("CreateFlow with a deleted flow's handle: %v", err)
	}
	_, err = s.GetConsent(ctx, "alice", "old")
	wantCode(t, err, fault.NotFound)
	if _, err := s.GetConsent(ctx, "alice", "forever"); err != nil {
		t.Error(err)
	}
	_, err = s.GetLoginSession(ctx, "old-ls")
	wantCode(t, err, fault.NotFound)
	if _, err := s.GetLoginSession(ctx, "live-ls"); err != nil {
		t.Error(err)
	}
	_, err = s.GetDeviceByDeviceCode(ctx, "old-dc")
	wantCode(t, err, fault.NotFound)
	_, err = s.GetDeviceByUserCode(ctx, "old-uc")
	wantCode(t, err, fault.NotFound)
	if _, err := s.GetDeviceByUserCode(ctx, "live-uc"); err != nil {
		t.Error(err)
	}
}
