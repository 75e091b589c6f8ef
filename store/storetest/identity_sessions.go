package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// tokenKey is the token key of fixture session n: 43 characters, as a base64url SHA-256 is.
func tokenKey(n int) string { return fmt.Sprintf("tok%040d", n) }

// newSession returns session n of identity identity.
func newSession(n, identity int) *store.Session {
	return &store.Session{
		ID:              uid(sessionBase + n),
		TokenKey:        tokenKey(n),
		LogoutTokenKey:  fmt.Sprintf("out%040d", n),
		IdentityID:      uid(identity),
		Active:          true,
		AuthenticatedAt: at(0),
		IssuedAt:        at(0),
		ExpiresAt:       at(24 * time.Hour),
		AAL:             "aal1",
		AuthenticationMethods: []store.AuthenticationMethod{
			{Method: "password", AAL: "aal1", CompletedAt: at(0)},
		},
		Devices: []store.SessionDevice{
			{ID: uid(sessionBase + 1000 + n), IPAddress: "192.0.2.1", UserAgent: "Mozilla/5.0", Location: "Paris, FR"},
		},
		CreatedAt: at(0),
		UpdatedAt: at(0),
	}
}

func mustCreateSession(t testing.TB, s store.IdentityStore, sess *store.Session) {
	t.Helper()
	if err := s.CreateSession(context.Background(), sess); err != nil {
		t.Fatalf("CreateSession(%s): %v", sess.ID, err)
	}
}

func getSession(t testing.TB, s store.IdentityStore, id string) *store.Session {
	t.Helper()
	sess, err := s.GetSession(context.Background(), id)
	if err != nil {
		t.Fatalf("GetSession(%s): %v", id, err)
	}
	return sess
}

func testSessionRoundTrip(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	a := newIdentity(1, "a@example.com")
	mustCreateIdentity(t, s, a)
	sess := newSession(1, 1)
	sess.AuthenticationMethods = append(sess.AuthenticationMethods,
		store.AuthenticationMethod{Method: "oidc", AAL: "aal1", Provider: "google", CompletedAt: at(time.Second)})
	sess.IdentityID = strings.ToUpper(uid(1))
	mustCreateSession(t, s, sess)
	want := sess.Clone()
	want.IdentityID = uid(1)
	sess.Devices[0].UserAgent, sess.AuthenticationMethods[0].Method = "changed", "changed" // the store keeps copies

	got := getSession(t, s, uid(sessionBase+1))
	same(t, "GetSession", got, want)
	got.Devices[0].UserAgent = "changed"
	same(t, "GetSession after changing what it returned", getSession(t, s, strings.ToUpper(uid(sessionBase+1))), want)

	ls, li, err := s.LookupSession(ctx, tokenKey(1))
	if err != nil {
		t.Fatalf("LookupSession: %v", err)
	}
	same(t, "LookupSession session", ls, want)
	sameIdentity(t, "LookupSession identity", li, stored(a))
	lo, err := s.LookupSessionByLogoutToken(ctx, want.LogoutTokenKey)
	if err != nil {
		t.Fatalf("LookupSessionByLogoutToken: %v", err)
	}
	same(t, "LookupSessionByLogoutToken", lo, want)

	_, err = s.GetSession(ctx, uid(sessionBase+2))
	wantCode(t, err, fault.NotFound)
	_, err = s.GetSession(ctx, "nope")
	wantCode(t, err, fault.NotFound)
	for _, key := range []string{tokenKey(2), want.LogoutTokenKey, ""} {
		_, _, err = s.LookupSession(ctx, key)
		wantCode(t, err, fault.NotFound)
	}
	for _, key := range []string{tokenKey(1), ""} {
		_, err = s.LookupSessionByLogoutToken(ctx, key)
		wantCode(t, err, fault.NotFound)
	}

	// Sessions without a logout token do not clash on it, nor with each other.
	for n := 2; n <= 3; n++ {
		bare := newSession(n, 1)
		bare.LogoutTokenKey, bare.AuthenticationMethods, bare.Devices = "", nil, nil
		mustCreateSession(t, s, bare)
		same(t, "session without logout token", getSession(t, s, bare.ID), bare)
	}
}

func testCreateSessionInvalid(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	mustCreateIdentity(t, s, newIdentity(1, "a@example.com"))
	mustCreateSession(t, s, newSession(1, 1))
	for _, tc := range []struct {
		name   string
		change func(sess *store.Session)
		code   fault.Code
		field  string
	}{
		{"id", func(sess *store.Session) { sess.ID = "s1" }, fault.InvalidArgument, "id"},
		{"identity id", func(sess *store.Session) { sess.IdentityID = "" }, fault.InvalidArgument, "identity_id"},
		{"token key", func(sess *store.Session) { sess.TokenKey = "" }, fault.InvalidArgument, "token_key"},
		{"no identity", func(sess *store.Session) { sess.IdentityID = uid(9) }, fault.NotFound, "identity_id"},
		{"taken id", func(sess *store.Session) { sess.ID = uid(sessionBase + 1) }, fault.AlreadyExists, "id"},
		{"taken token", func(sess *store.Session) { sess.TokenKey = tokenKey(1) }, fault.AlreadyExists, "token_key"},
		{"taken logout token", func(sess *store.Session) { sess.LogoutTokenKey = newSession(1, 1).LogoutTokenKey },
			fault.AlreadyExists, "logout_token_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sess := newSession(2, 1)
			tc.change(sess)
			err := s.CreateSession(ctx, sess)
			wantFault(t, err, tc.code, tc.field)
			_, err = s.GetSession(ctx, uid(sessionBase+2))
			wantCode(t, err, fault.NotFound)
		})
	}
	same(t, "the first session", getSession(t, s, uid(sessionBase+1)), newSession(1, 1))
}

func testListSessions(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	mustCreateIdentity(t, s, newIdentity(1, "a@example.com"))
	mustCreateIdentity(t, s, newIdentity(2, "b@example.com"))
	// Sessions 1-20 of identity 1, 21-30 of identity 2; every third is expired at at(time.Hour),
	// every fifth revoked.
	var all, one, active, inactive []string
	for n := 1; n <= 30; n++ {
		identity := 1
		if n > 20 {
			identity = 2
		}
		sess := newSession(n, identity)
		if n%3 == 0 {
			sess.ExpiresAt = at(time.Minute)
		}
		if n == 30 {
			sess.ExpiresAt = time.Time{} // never expires
		}
		mustCreateSession(t, s, sess)
		if n%5 == 0 {
			if err := s.RevokeSession(ctx, sess.ID, at(time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		all = append(all, sess.ID)
		if identity == 1 {
			one = append(one, sess.ID)
		}
		if n%5 != 0 && (n%3 != 0 || n == 30) {
			active = append(active, sess.ID)
		} else if identity == 1 {
			inactive = append(inactive, sess.ID)
		}
	}
	yes, no := true, false
	for _, tc := range []struct {
		name string
		f    store.SessionFilter
		want []string
	}{
		{"all", store.SessionFilter{}, all},
		{"identity", store.SessionFilter{IdentityID: strings.ToUpper(uid(1))}, one},
		{"active", store.SessionFilter{Active: &yes, At: at(time.Hour)}, active},
		{"inactive of identity", store.SessionFilter{IdentityID: uid(1), Active: &no, At: at(time.Hour)}, inactive},
		{"none", store.SessionFilter{IdentityID: uid(3)}, nil},
	} {
		got, err := s.ListSessions(ctx, tc.f, "", 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		equal(t, tc.name, sessionIDs(got), tc.want)
		for _, limit := range []int{1, 4} {
			paged := paginate(t, len(tc.want), limit, func(after string) ([]string, error) {
				page, err := s.ListSessions(ctx, tc.f, after, limit)
				return sessionIDs(page), err
			})
			equal(t, fmt.Sprintf("%s in pages of %d", tc.name, limit), paged, tc.want)
		}
	}
	_, err := s.ListSessions(ctx, store.SessionFilter{}, "x", 0)
	wantInvalid(t, err, "after")
	_, err = s.ListSessions(ctx, store.SessionFilter{IdentityID: "x"}, "", 0)
	wantInvalid(t, err, "identity_id")
}

func sessionIDs(sessions []*store.Session) []string {
	return idsOf(sessions, func(s *store.Session) string { return s.ID })
}

func testUpdateSession(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	mustCreateIdentity(t, s, newIdentity(1, "a@example.com"))
	mustCreateIdentity(t, s, newIdentity(2, "b@example.com"))
	mustCreateSession(t, s, newSession(1, 1))
	since := clockReading(t, s)

	// A step-up: the fixed fields (ID, identity, tokens, CreatedAt) stay.
	u := newSession(1, 1)
	u.IdentityID, u.TokenKey, u.LogoutTokenKey, u.CreatedAt = uid(2), "other", "other-out", at(time.Hour)
	u.AAL, u.AuthenticatedAt, u.ExpiresAt, u.UpdatedAt = "aal2", at(time.Minute), at(48*time.Hour), at(time.Minute)
	u.AuthenticationMethods = append(u.AuthenticationMethods, store.AuthenticationMethod{Method: "totp", AAL: "aal2", CompletedAt: at(time.Minute)})
	u.Devices = append(u.Devices, store.SessionDevice{ID: uid(sessionBase + 2000), IPAddress: "2001:db8::1"})
	if err := s.UpdateSession(ctx, u); err != nil {
		t.Fatal(err)
	}
	want := u.Clone()
	orig := newSession(1, 1)
	want.IdentityID, want.TokenKey, want.LogoutTokenKey, want.CreatedAt = orig.IdentityID, orig.TokenKey, orig.LogoutTokenKey, orig.CreatedAt
	same(t, "session after UpdateSession", getSession(t, s, orig.ID), want)
	if _, _, err := s.LookupSession(ctx, "other"); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("UpdateSession changed the token key: %v", err)
	}
	wantInvalidated(t, s, since, orig.ID, uid(1))

	since = clockReading(t, s)
	if err := s.ExtendSession(ctx, strings.ToUpper(orig.ID), at(72*time.Hour), at(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	want.ExpiresAt, want.UpdatedAt = at(72*time.Hour), at(2*time.Minute)
	same(t, "session after ExtendSession", getSession(t, s, orig.ID), want)
	wantInvalidated(t, s, since, orig.ID, uid(1))

	missing := newSession(9, 1)
	wantCode(t, s.UpdateSession(ctx, missing), fault.NotFound)
	wantCode(t, s.ExtendSession(ctx, missing.ID, at(time.Hour), at(time.Hour)), fault.NotFound)
	wantCode(t, s.RevokeSession(ctx, missing.ID, at(time.Hour)), fault.NotFound)
}

// testUpdateSessionAfterRevoke checks that no update resurrects a revoked session, also when
// updates race the revocation.
func testUpdateSessionAfterRevoke(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	mustCreateIdentity(t, s, newIdentity(1, "a@example.com"))
	mustCreateSession(t, s, newSession(1, 1))
	since := clockReading(t, s)
	if err := s.RevokeSession(ctx, uid(sessionBase+1), at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantInvalidated(t, s, since, uid(sessionBase+1), uid(1))
	if err := s.RevokeSession(ctx, uid(sessionBase+1), at(time.Hour)); err != nil {
		t.Errorf("revoking a revoked session: %v", err)
	}
	got := getSession(t, s, uid(sessionBase+1))
	if got.Active || !got.UpdatedAt.Equal(at(time.Minute)) {
		t.Errorf("revoked session: active %v, updated at %v; want inactive since %v", got.Active, got.UpdatedAt, at(time.Minute))
	}
	u := newSession(1, 1) // based on a read before the revocation
	u.AAL = "aal2"
	if err := s.UpdateSession(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got := getSession(t, s, uid(sessionBase+1)); got.Active || got.AAL != "aal2" {
		t.Errorf("after UpdateSession of a revoked session: active %v, AAL %q; want inactive, aal2", got.Active, got.AAL)
	}

	mustCreateSession(t, s, newSession(2, 1))
	errs := race(8, func(k int) error {
		if k == 0 {
			return s.RevokeSession(ctx, uid(sessionBase+2), at(time.Minute))
		}
		u := newSession(2, 1)
		u.ExpiresAt = at(time.Duration(k) * time.Hour)
		return s.UpdateSession(ctx, u)
	})
	for k, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", k, err)
		}
	}
	if getSession(t, s, uid(sessionBase+2)).Active {
		t.Error("a session revoked while updates raced it is active")
	}
}

func testRevokeSessions(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	mustCreateIdentity(t, s, newIdentity(1, "a@example.com"))
	mustCreateIdentity(t, s, newIdentity(2, "b@example.com"))
	for n := 1; n <= 4; n++ {
		mustCreateSession(t, s, newSession(n, 1))
	}
	mustCreateSession(t, s, newSession(5, 2))
	if err := s.RevokeSession(ctx, uid(sessionBase+4), at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	since := clockReading(t, s)
	n, err := s.RevokeSessions(ctx, strings.ToUpper(uid(1)), strings.ToUpper(uid(sessionBase+2)), at(time.Hour))
	wantCount(t, "RevokeSessions", n, err, 2) // 1 and 3; 4 was revoked already
	for k, active := range []bool{false, true, false, false, true} {
		got := getSession(t, s, uid(sessionBase+k+1))
		if got.Active != active {
			t.Errorf("session %d: active %v, want %v", k+1, got.Active, active)
		}
	}
	if got := getSession(t, s, uid(sessionBase+1)); !got.UpdatedAt.Equal(at(time.Hour)) {
		t.Errorf("revoked session updated at %v, want %v", got.UpdatedAt, at(time.Hour))
	}
	got, _ := invalidationsSince(t, s, since)
	var revoked []string
	for _, v := range got {
		revoked = append(revoked, v.SessionID)
	}
	slices.Sort(revoked)
	equal(t, "sessions invalidated by RevokeSessions", revoked, []string{uid(sessionBase + 1), uid(sessionBase + 3)})

	n, err = s.RevokeSessions(ctx, uid(1), "", at(time.Hour))
	wantCount(t, "RevokeSessions without exception", n, err, 1)
	n, err = s.RevokeSessions(ctx, uid(1), "", at(time.Hour))
	wantCount(t, "RevokeSessions again", n, err, 0)
	n, err = s.RevokeSessions(ctx, uid(9), "", at(time.Hour))
	wantCount(t, "RevokeSessions of an unknown identity", n, err, 0)
	if !getSession(t, s, uid(sessionBase+5)).Active {
		t.Error("RevokeSessions revoked another identity's session")
	}
}

// testSessionsInvalidatedSince checks the feed: every kind of write appears, within the
// readings of the feed's clock, and polling from a later reading sees none of it again.
func testSessionsInvalidatedSince(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	got, r0 := invalidationsSince(t, s, time.Time{})
	if len(got) != 0 {
		t.Fatalf("SessionsInvalidatedSince on an empty store = %+v", got)
	}
	if d := time.Since(r0).Abs(); d > time.Minute {
		t.Errorf("SessionsInvalidatedSince's clock reads %v, %v from this process's", r0, d)
	}
	for n := 1; n <= 3; n++ {
		mustCreateIdentity(t, s, newIdentity(n, fmt.Sprintf("u%d@example.com", n)))
		mustCreateSession(t, s, newSession(n, n))
	}
	// Creations record nothing: nobody can have cached what did not exist.
	if got, _ := invalidationsSince(t, s, r0); len(got) != 0 {
		t.Fatalf("creations recorded invalidations %+v", got)
	}
	if err := s.RevokeSession(ctx, uid(sessionBase+1), at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	deactivated := getIdentity(t, s, uid(2))
	deactivated.State = store.IdentityInactive
	if err := s.UpdateIdentity(ctx, deactivated); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIdentity(ctx, uid(3)); err != nil {
		t.Fatal(err)
	}
	got, r1 := invalidationsSince(t, s, r0)
	if r1.Before(r0) {
		t.Errorf("the feed's clock went back from %v to %v", r0, r1)
	}
	var kinds []store.SessionInvalidation
	for _, v := range got {
		if v.At.Before(r0) || v.At.After(r1) {
			t.Errorf("invalidation %+v recorded outside [%v, %v]", v, r0, r1)
		}
		kinds = append(kinds, store.SessionInvalidation{SessionID: v.SessionID, IdentityID: v.IdentityID})
	}
	slices.SortFunc(kinds, func(a, b store.SessionInvalidation) int { return strings.Compare(a.IdentityID, b.IdentityID) })
	want := []store.SessionInvalidation{
		{SessionID: uid(sessionBase + 1), IdentityID: uid(1)},
		{IdentityID: uid(2)},
		{IdentityID: uid(3)},
	}
	same(t, "SessionsInvalidatedSince", kinds, want)

	// Polling from a reading after them sees none of them; since is inclusive.
	if got, _ := invalidationsSince(t, s, r1.Add(time.Millisecond)); len(got) != 0 {
		t.Errorf("SessionsInvalidatedSince(after the last) = %+v", got)
	}
	last := got[0].At
	for _, v := range got[1:] {
		if v.At.After(last) {
			last = v.At
		}
	}
	if again, _ := invalidationsSince(t, s, last); len(again) == 0 {
		t.Errorf("SessionsInvalidatedSince(the last invalidation's time) is empty")
	}
}

func testDeleteExpiredSessions(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	mustCreateIdentity(t, s, newIdentity(1, "a@example.com"))
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := 1; n <= 4; n++ {
		sess := newSession(n, 1)
		switch n {
		case 1, 2:
			sess.ExpiresAt = past
		case 3:
			sess.ExpiresAt = time.Time{}
		}
		mustCreateSession(t, s, sess)
	}
	if err := s.RevokeSession(ctx, uid(sessionBase+4), at(0)); err != nil {
		t.Fatal(err)
	}
	// Only sessions expired before before go; invalidations recorded before before go too.
	n, err := s.DeleteExpiredSessions(ctx, past)
	wantCount(t, "DeleteExpiredSessions(at their expiry)", n, err, 0)
	n, err = s.DeleteExpiredSessions(ctx, past.Add(time.Second))
	wantCount(t, "DeleteExpiredSessions", n, err, 2)
	for _, id := range []int{1, 2} {
		_, err := s.GetSession(ctx, uid(sessionBase+id))
		wantCode(t, err, fault.NotFound)
	}
	getSession(t, s, uid(sessionBase+3))
	getSession(t, s, uid(sessionBase+4))
	// Their tokens are free again.
	mustCreateSession(t, s, &store.Session{ID: uid(sessionBase + 5), TokenKey: tokenKey(1), IdentityID: uid(1), Active: true})

	got, now := invalidationsSince(t, s, time.Time{})
	if len(got) != 1 {
		t.Fatalf("invalidations = %+v, want the revocation's", got)
	}
	n, err = s.DeleteExpiredSessions(ctx, now.Add(time.Second))
	wantCount(t, "DeleteExpiredSessions of the invalidations", n, err, 1)
	if got, _ := invalidationsSince(t, s, time.Time{}); len(got) != 0 {
		t.Errorf("invalidations after DeleteExpiredSessions = %+v", got)
	}
}
