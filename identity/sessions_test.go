package identity_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/store/memory"
)

var pwMethod = identity.AuthenticationMethod{Method: "password", AAL: identity.AAL1}

func (e *env) login(id string) (*identity.Session, string) {
	e.t.Helper()
	s, tok, err := e.svc.IssueSession(context.Background(), id, pwMethod, identity.Device{IPAddress: "10.0.0.1", UserAgent: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	return s, tok
}

func (e *env) poll(reading time.Time) time.Time {
	e.t.Helper()
	r, err := e.svc.PollInvalidations(context.Background(), reading)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func TestIssueSessionAndWhoami(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	i := e.create("ada@example.com", goodPassword)
	s1, tok1 := e.login(i.ID)
	s2, tok2 := e.login(i.ID)
	if s1.ID == s2.ID || tok1 == tok2 {
		t.Fatal("two logins share a session ID or token")
	}
	if _, ok := identity.ParseSessionToken(tok1); !ok || !strings.HasPrefix(tok1, "ory_st_") {
		t.Errorf("token %q does not parse", tok1)
	}
	if !s1.ExpiresAt.Equal(e.clock.Now().Add(24*time.Hour)) || s1.AAL != "aal1" || len(s1.Devices) != 1 || !s1.Active {
		t.Errorf("session %+v", s1)
	}
	// The store holds the token's hash only.
	rec, err := e.st.GetSession(ctx, s1.ID)
	if err != nil || rec.TokenKey == tok1 || strings.Contains(rec.TokenKey, tok1[7:]) {
		t.Errorf("stored token key %q: %v", rec.TokenKey, err)
	}
	e.poll(time.Time{})
	for range 2 { // a miss, then a hit
		got, err := e.svc.Whoami(ctx, tok1)
		if err != nil || got.ID != s1.ID || got.Identity.ID != i.ID || got.Identity.Credentials != nil {
			t.Fatalf("whoami: %+v, %v", got, err)
		}
	}
	if st := e.svc.SessionStats(); st.CacheHits != 1 || st.StoreLookups != 1 {
		t.Errorf("stats %+v; want one lookup, one hit", st)
	}
	for _, bad := range []string{"", "ory_st_", tok1[:len(tok1)-1], tok1 + "A", strings.Replace(tok1, "ory_st_", "ory_xx_", 1), tok1[:len(tok1)-1] + "!"} {
		if _, err := e.svc.Whoami(ctx, bad); !errors.Is(err, identity.ErrNoActiveSession) {
			t.Errorf("whoami(%q): %v; want ErrNoActiveSession", bad, err)
		}
	}
	if st := e.svc.SessionStats(); st.StoreLookups != 1 {
		t.Errorf("malformed tokens reached the store: %+v", st)
	}
	// Expiry.
	e.clock.Add(24 * time.Hour)
	e.poll(time.Time{})
	if _, err := e.svc.Whoami(ctx, tok2); !errors.Is(err, identity.ErrNoActiveSession) {
		t.Errorf("expired: %v", err)
	}
	if _, err := e.svc.Whoami(ctx, tok1); !errors.Is(err, identity.ErrNoActiveSession) {
		t.Errorf("expired, cached: %v", err)
	}
}

func TestIssueSessionInactiveIdentity(t *testing.T) {
	e := newEnv(t, nil)
	i := e.create("ada@example.com", "")
	if _, err := e.svc.UpdateIdentity(context.Background(), i.ID, identity.UpdateIdentityBody{Traits: traits("ada@example.com"), State: identity.StateInactive}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.IssueSession(context.Background(), i.ID, pwMethod, identity.Device{}); !errors.Is(err, identity.ErrIdentityDisabled) {
		t.Errorf("inactive: %v", err)
	}
}

func TestRevokeSessions(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	i := e.create("ada@example.com", goodPassword)
	other := e.create("grace@example.com", goodPassword)
	e.poll(time.Time{})
	cur, curTok := e.login(i.ID)
	s2, tok2 := e.login(i.ID)
	_, tok3 := e.login(i.ID)
	os, osTok := e.login(other.ID)
	for _, tok := range []string{curTok, tok2, tok3, osTok} {
		if _, err := e.svc.Whoami(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	// Own revocation by ID: not the current one, not another identity's.
	if err := e.svc.RevokeOwnSession(ctx, cur, cur.ID); fault.CodeOf(err) != fault.InvalidArgument {
		t.Errorf("revoking the current session by id: %v", err)
	}
	if err := e.svc.RevokeOwnSession(ctx, cur, os.ID); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("revoking another identity's session: %v", err)
	}
	if err := e.svc.RevokeOwnSession(ctx, cur, s2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Whoami(ctx, tok2); !errors.Is(err, identity.ErrNoActiveSession) {
		t.Errorf("revoked (cached) session still answers: %v", err)
	}
	list, next, err := e.svc.ListOwnSessions(ctx, cur, identity.SessionListParams{})
	if err != nil || len(list) != 1 || next != "" {
		t.Errorf("own sessions: %d, %q, %v; want the third only", len(list), next, err)
	}
	n, err := e.svc.RevokeOtherSessions(ctx, cur)
	if err != nil || n != 1 {
		t.Errorf("revoke others: %d, %v; want 1", n, err)
	}
	if _, err := e.svc.Whoami(ctx, tok3); !errors.Is(err, identity.ErrNoActiveSession) {
		t.Errorf("third session after revoke-others: %v", err)
	}
	if _, err := e.svc.Whoami(ctx, curTok); err != nil {
		t.Errorf("current session after revoke-others: %v", err)
	}
	if err := e.svc.RevokeSessionByToken(ctx, curTok); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Whoami(ctx, curTok); !errors.Is(err, identity.ErrNoActiveSession) {
		t.Errorf("logged out session: %v", err)
	}
	if err := e.svc.RevokeSessionByToken(ctx, "ory_st_nope"); !errors.Is(err, identity.ErrNoActiveSession) {
		t.Errorf("logout with a bad token: %v", err)
	}
	// Admin.
	if n, err := e.svc.RevokeIdentitySessions(ctx, other.ID); err != nil || n != 1 {
		t.Errorf("admin revoke of the identity's sessions: %d, %v", n, err)
	}
	if _, err := e.svc.Whoami(ctx, osTok); !errors.Is(err, identity.ErrNoActiveSession) {
		t.Errorf("after admin revoke: %v", err)
	}
	all, _, err := e.svc.ListIdentitySessions(ctx, i.ID, identity.SessionListParams{ExpandIdentity: true})
	if err != nil || len(all) != 3 {
		t.Fatalf("identity's sessions: %d, %v", len(all), err)
	}
	for _, s := range all {
		if s.Active || s.Identity == nil || s.Identity.ID != i.ID {
			t.Errorf("listed %+v: want inactive, with its identity", s)
		}
	}
	page, next, err := e.svc.ListSessions(ctx, identity.SessionListParams{PageSize: 3})
	if err != nil || len(page) != 3 || next == "" {
		t.Errorf("admin list page: %d, %q, %v", len(page), next, err)
	}
	page, next, _ = e.svc.ListSessions(ctx, identity.SessionListParams{PageSize: 3, PageToken: next})
	if len(page) != 1 || next != "" {
		t.Errorf("second page: %d, %q", len(page), next)
	}
}

// TestIdentityChangeEndsCachedSessions checks that deactivating or deleting an identity ends
// its cached sessions at once on this node.
func TestIdentityChangeEndsCachedSessions(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	i := e.create("ada@example.com", goodPassword)
	e.poll(time.Time{})
	_, tok := e.login(i.ID)
	if _, err := e.svc.Whoami(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PatchIdentity(ctx, i.ID, []byte(`[{"op":"replace","path":"/state","value":"inactive"}]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Whoami(ctx, tok); !errors.Is(err, identity.ErrNoActiveSession) {
		t.Errorf("session of a deactivated identity: %v", err)
	}
	j := e.create("grace@example.com", goodPassword)
	_, tok2 := e.login(j.ID)
	if _, err := e.svc.Whoami(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateTraits(ctx, j.ID, traits("grace@example.org")); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Whoami(ctx, tok2)
	if err != nil || !strings.Contains(string(got.Identity.Traits), "grace@example.org") {
		t.Errorf("whoami after a traits change: %v, %v; want the new traits", got, err)
	}
	if err := e.svc.DeleteIdentity(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Whoami(ctx, tok2); !errors.Is(err, identity.ErrNoActiveSession) {
		t.Errorf("session of a deleted identity: %v", err)
	}
}

// TestCrossNodeRevocation checks that a revocation through one Service is honoured by another
// over the same store once it polls: within the bound, and never from a cache older than it.
func TestCrossNodeRevocation(t *testing.T) {
	st := memory.NewIdentityStore()
	a := newEnvOver(t, st, nil)
	b := newEnvOver(t, st, func(c *identity.Config) { c.Clock = a.clock.Now })
	ctx := context.Background()
	i := a.create("ada@example.com", goodPassword)
	s, tok := a.login(i.ID)
	readingB := b.poll(time.Time{})
	if _, err := b.svc.Whoami(ctx, tok); err != nil { // cached on b
		t.Fatal(err)
	}
	if err := a.svc.RevokeSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Whoami(ctx, tok); err != nil {
		t.Errorf("b answered %v from its cache before polling; the test expects the cached answer", err)
	}
	b.poll(readingB)
	if _, err := b.svc.Whoami(ctx, tok); !errors.Is(err, identity.ErrNoActiveSession) {
		t.Fatalf("after b polled: %v; want ErrNoActiveSession", err)
	}
	// Without a poll within the bound, b does not trust its cache: it reads the store.
	_, tok2 := a.login(i.ID)
	if _, err := b.svc.Whoami(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	a.clock.Add(2 * time.Second) // past b's bound (1 s) with no poll
	if _, err := a.svc.RevokeIdentitySessions(ctx, i.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Whoami(ctx, tok2); !errors.Is(err, identity.ErrNoActiveSession) {
		t.Errorf("b answered from a cache it had not refreshed within the bound: %v", err)
	}
}

func TestExtendSession(t *testing.T) {
	e := newEnv(t, func(c *identity.Config) { c.SessionLifespan, c.EarliestPossibleExtend = 10*time.Hour, time.Hour })
	ctx := context.Background()
	i := e.create("ada@example.com", goodPassword)
	s, tok := e.login(i.ID)
	e.poll(time.Time{})
	if _, err := e.svc.Whoami(ctx, tok); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(8 * time.Hour) // expires in 2 h: too early to extend
	got, err := e.svc.ExtendSession(ctx, s.ID)
	if err != nil || !got.ExpiresAt.Equal(s.ExpiresAt) {
		t.Fatalf("early extend: %v, %v; want unchanged", got, err)
	}
	e.clock.Add(90 * time.Minute) // expires in 30 min
	got, err = e.svc.ExtendSession(ctx, s.ID)
	if want := e.clock.Now().Add(10 * time.Hour); err != nil || !got.ExpiresAt.Equal(want) {
		t.Fatalf("extend: %v, %v; want expiry %v", got, err, want)
	}
	e.poll(time.Time{})
	w, err := e.svc.Whoami(ctx, tok)
	if err != nil || !w.ExpiresAt.Equal(got.ExpiresAt) {
		t.Errorf("whoami after extend: %v, %v; want the new expiry", w, err)
	}
	if _, err := e.svc.ExtendSession(ctx, "6f1e2c1e-2c8a-4a57-a2b4-3b8c1c7d3e55"); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("unknown session: %v", err)
	}
}

func TestRefreshSession(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	i := e.create("ada@example.com", goodPassword)
	s, tok := e.login(i.ID)
	e.clock.Add(time.Hour)
	got, err := e.svc.RefreshSession(ctx, s.ID, identity.AuthenticationMethod{Method: "totp", AAL: identity.AAL2}, identity.Device{IPAddress: "10.0.0.2", UserAgent: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if !got.AuthenticatedAt.Equal(e.clock.Now()) || got.AAL != "aal2" || len(got.AuthenticationMethods) != 2 || len(got.Devices) != 2 {
		t.Errorf("refreshed %+v", got)
	}
	e.poll(time.Time{})
	w, err := e.svc.Whoami(ctx, tok)
	if err != nil || w.AAL != "aal2" {
		t.Errorf("whoami after refresh: %+v, %v", w, err)
	}
}

var zeroTime time.Time

// TestWhoamiJSON checks that the JSON whoami answers with is the session's encoding on a miss and
// on a hit, that a change of the identity ends the cached JSON with the entry, and that an
// expired or revoked session gets no JSON from the cache.
func TestWhoamiJSON(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	i := e.create("ada@example.com", goodPassword)
	s, tok := e.login(i.ID)
	e.poll(time.Time{})
	check := func(what, email string) {
		t.Helper()
		got, body, err := e.svc.WhoamiJSON(ctx, tok)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		want, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if string(body) != string(want) || !strings.Contains(string(body), `"email":"`+email+`"`) {
			t.Errorf("%s: JSON %s, want %s with email %s", what, body, want, email)
		}
	}
	check("miss", "ada@example.com")
	check("hit", "ada@example.com")
	if st := e.svc.SessionStats(); st.CacheHits != 1 || st.StoreLookups != 1 {
		t.Errorf("stats %+v; want one lookup, one hit", st)
	}
	if _, err := e.svc.UpdateIdentity(ctx, i.ID, identity.UpdateIdentityBody{Traits: traits("ada@example.org"), State: identity.StateActive}); err != nil {
		t.Fatal(err)
	}
	check("after the identity changed", "ada@example.org")
	check("hit after the change", "ada@example.org")

	_, tok2 := e.login(i.ID)
	if _, _, err := e.svc.WhoamiJSON(ctx, tok2); err != nil { // cached
		t.Fatal(err)
	}
	if err := e.svc.RevokeSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, body, err := e.svc.WhoamiJSON(ctx, tok); !errors.Is(err, identity.ErrNoActiveSession) || body != nil {
		t.Errorf("revoked: %s, %v", body, err)
	}
	e.clock.Add(24 * time.Hour)
	e.poll(time.Time{})
	hits := e.svc.SessionStats().CacheHits
	if _, body, err := e.svc.WhoamiJSON(ctx, tok2); !errors.Is(err, identity.ErrNoActiveSession) || body != nil {
		t.Errorf("expired, cached: %s, %v", body, err)
	}
	if st := e.svc.SessionStats(); st.CacheHits != hits {
		t.Errorf("an expired session was answered from the cache: %+v", st)
	}
}
