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

func newFlow(id, loginChallenge string) *store.AuthFlow {
	return &store.AuthFlow{
		ID:             id,
		LoginChallenge: loginChallenge,
		ClientID:       "app",
		State:          store.FlowLoginRequested,
		CreatedAt:      at(0),
		ExpiresAt:      at(10 * time.Minute),
		Data:           []byte(`{"scope":"openid"}`),
	}
}

func newConsent(subject, clientID string) *store.RememberedConsent {
	return &store.RememberedConsent{
		Subject:   subject,
		ClientID:  clientID,
		Scopes:    []string{"openid", "profile"},
		Audiences: []string{"https://api.example"},
		GrantedAt: at(0),
		ExpiresAt: at(24 * time.Hour),
	}
}

func newLoginSession(id, subject string) *store.LoginSession {
	return &store.LoginSession{ID: id, Subject: subject, AuthenticatedAt: at(0), ExpiresAt: at(time.Hour)}
}

func getFlow(t testing.TB, s store.OAuth2Store, key store.FlowKey, value string) *store.AuthFlow {
	t.Helper()
	f, err := s.GetFlow(context.Background(), key, value)
	if err != nil {
		t.Fatalf("GetFlow(%v, %q): %v", key, value, err)
	}
	return f
}

func testFlow(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	f := newFlow("f1", "lc1")
	if err := s.CreateFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	f.Data[0] = 'X'
	got := getFlow(t, s, store.ByLoginChallenge, "lc1")
	same(t, "GetFlow", got, newFlow("f1", "lc1"))
	got.Data[0] = 'X'
	same(t, "GetFlow after changing the last result", getFlow(t, s, store.ByLoginChallenge, "lc1"), newFlow("f1", "lc1"))

	// Handles are looked up by their own kind only, and "" is never a handle.
	for _, k := range []struct {
		key   store.FlowKey
		value string
	}{
		{store.ByLoginVerifier, "lc1"}, {store.ByConsentChallenge, "lc1"}, {store.ByLoginChallenge, "nope"},
		{store.ByLoginVerifier, ""}, {store.ByConsentChallenge, ""}, {store.ByConsentVerifier, ""},
	} {
		_, err := s.GetFlow(ctx, k.key, k.value)
		wantCode(t, err, fault.NotFound)
	}

	_, err := s.GetFlow(ctx, store.FlowKey(0), "lc1")
	wantCode(t, err, fault.InvalidArgument)

	wantCode(t, s.CreateFlow(ctx, newFlow("f1", "lc2")), fault.AlreadyExists)
	wantCode(t, s.CreateFlow(ctx, newFlow("f2", "lc1")), fault.AlreadyExists)
	// Every handle is unique on its own.
	full := newFlow("f3", "lc3")
	full.LoginVerifier, full.ConsentChallenge, full.ConsentVerifier = "lv3", "cc3", "cv3"
	if err := s.CreateFlow(ctx, full); err != nil {
		t.Fatal(err)
	}
	for i, clash := range []func(f *store.AuthFlow){
		func(f *store.AuthFlow) { f.LoginVerifier = "lv3" },
		func(f *store.AuthFlow) { f.ConsentChallenge = "cc3" },
		func(f *store.AuthFlow) { f.ConsentVerifier = "cv3" },
	} {
		f := newFlow(fmt.Sprintf("clash%d", i), fmt.Sprintf("clash-lc%d", i))
		clash(f)
		wantCode(t, s.CreateFlow(ctx, f), fault.AlreadyExists)
		_, err := s.GetFlow(ctx, store.ByLoginChallenge, f.LoginChallenge)
		wantCode(t, err, fault.NotFound)
	}
	// Two flows with no consent handles yet do not clash on "".
	if err := s.CreateFlow(ctx, newFlow("f4", "lc4")); err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		key   store.FlowKey
		value string
	}{{store.ByLoginChallenge, "lc3"}, {store.ByLoginVerifier, "lv3"}, {store.ByConsentChallenge, "cc3"}, {store.ByConsentVerifier, "cv3"}} {
		same(t, fmt.Sprintf("GetFlow(%v)", k.key), getFlow(t, s, k.key, k.value), full)
	}
}

func testUpdateFlow(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	if err := s.CreateFlow(ctx, newFlow("f1", "lc1")); err != nil {
		t.Fatal(err)
	}
	other := newFlow("f2", "lc2")
	other.LoginVerifier = "lv2"
	if err := s.CreateFlow(ctx, other); err != nil {
		t.Fatal(err)
	}

	accepted := newFlow("f1", "lc1")
	accepted.LoginVerifier, accepted.Subject, accepted.State = "lv1", "alice", store.FlowLoginAccepted
	accepted.Data = []byte(`{"login":"accepted"}`)
	if err := s.UpdateFlow(ctx, accepted, store.FlowLoginRequested); err != nil {
		t.Fatal(err)
	}
	same(t, "GetFlow by the new verifier", getFlow(t, s, store.ByLoginVerifier, "lv1"), accepted)
	same(t, "GetFlow by the challenge", getFlow(t, s, store.ByLoginChallenge, "lc1"), accepted)
	// Accepting the same challenge again fails: the flow has moved on.
	again := *accepted
	again.Subject = "mallory"
	wantCode(t, s.UpdateFlow(ctx, &again, store.FlowLoginRequested), fault.FailedPrecondition)
	same(t, "flow after a failed update", getFlow(t, s, store.ByLoginChallenge, "lc1"), accepted)

	// A handle taken by another flow.
	clash := *accepted
	clash.ConsentChallenge, clash.State = "cc1", store.FlowConsentRequested
	clash.LoginVerifier = "lv2"
	wantCode(t, s.UpdateFlow(ctx, &clash, store.FlowLoginAccepted), fault.AlreadyExists)
	same(t, "flow after a clashing update", getFlow(t, s, store.ByLoginChallenge, "lc1"), accepted)
	same(t, "the other flow", getFlow(t, s, store.ByLoginVerifier, "lv2"), other)

	// Replacing drops a handle set to "".
	consent := *accepted
	consent.LoginVerifier, consent.ConsentChallenge, consent.State = "", "cc1", store.FlowConsentRequested
	if err := s.UpdateFlow(ctx, &consent, store.FlowLoginAccepted); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetFlow(ctx, store.ByLoginVerifier, "lv1")
	wantCode(t, err, fault.NotFound)
	same(t, "GetFlow by the consent challenge", getFlow(t, s, store.ByConsentChallenge, "cc1"), &consent)

	missing := newFlow("nope", "lc-nope")
	wantCode(t, s.UpdateFlow(ctx, missing, store.FlowLoginRequested), fault.NotFound)
}

func testUpdateFlowConcurrent(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	f := newFlow("f1", "lc1")
	f.LoginVerifier, f.ConsentChallenge, f.State = "lv1", "cc1", store.FlowConsentRequested
	if err := s.CreateFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			g := *f
			g.ConsentVerifier, g.State = fmt.Sprintf("cv%d", i), store.FlowConsentAccepted
			errs[i] = s.UpdateFlow(ctx, &g, store.FlowConsentRequested)
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner < 0:
			winner = i
		case err == nil:
			t.Fatalf("UpdateFlow %d and %d both succeeded", winner, i)
		case fault.CodeOf(err) != fault.FailedPrecondition:
			t.Errorf("UpdateFlow %d: %v, want FailedPrecondition", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no UpdateFlow succeeded: %v", errs)
	}
	got := getFlow(t, s, store.ByConsentChallenge, "cc1")
	if want := fmt.Sprintf("cv%d", winner); got.ConsentVerifier != want || got.State != store.FlowConsentAccepted {
		t.Errorf("flow has verifier %q in state %v; want the winner's %q, %v", got.ConsentVerifier, got.State, want, store.FlowConsentAccepted)
	}
}

func testConsent(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	_, err := s.GetConsent(ctx, "alice", "app")
	wantCode(t, err, fault.NotFound)
	for _, c := range []*store.RememberedConsent{
		newConsent("alice", "b"), newConsent("alice", "a"), newConsent("alice", "C"), newConsent("bob", "a"),
	} {
		if err := s.RememberConsent(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.GetConsent(ctx, "alice", "a")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "GetConsent", got, newConsent("alice", "a"))

	// Remembering again replaces.
	wider := newConsent("alice", "a")
	wider.Scopes, wider.Audiences, wider.ExpiresAt = []string{"openid", "profile", "email"}, nil, time.Time{}
	if err := s.RememberConsent(ctx, wider); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetConsent(ctx, "alice", "a")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "GetConsent after replacing", got, wider)

	list, err := s.ListConsents(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "ListConsents(alice)", list, []*store.RememberedConsent{newConsent("alice", "C"), wider, newConsent("alice", "b")})
	list, err = s.ListConsents(ctx, "nobody")
	if err != nil || len(list) != 0 {
		t.Errorf("ListConsents(nobody) = %v, %v; want none", list, err)
	}

	n, err := s.DeleteConsent(ctx, "alice", "b")
	wantCount(t, "DeleteConsent(alice, b)", n, err, 1)
	n, err = s.DeleteConsent(ctx, "alice", "b")
	wantCount(t, "DeleteConsent(alice, b) again", n, err, 0)
	n, err = s.DeleteConsent(ctx, "alice", "")
	wantCount(t, "DeleteConsent(alice, every client)", n, err, 2)
	if _, err := s.GetConsent(ctx, "bob", "a"); err != nil {
		t.Errorf("bob's consent after deleting alice's: %v", err)
	}
}

func testLoginSession(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	for _, ls := range []*store.LoginSession{
		newLoginSession("s1", "alice"), newLoginSession("s2", "alice"), newLoginSession("s3", "alice"), newLoginSession("s4", "bob"),
	} {
		if err := s.CreateLoginSession(ctx, ls); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.GetLoginSession(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "GetLoginSession", got, newLoginSession("s1", "alice"))
	wantCode(t, s.CreateLoginSession(ctx, newLoginSession("s1", "mallory")), fault.AlreadyExists)
	_, err = s.GetLoginSession(ctx, "nope")
	wantCode(t, err, fault.NotFound)

	n, err := s.DeleteLoginSessions(ctx, "s1", "")
	wantCount(t, "DeleteLoginSessions(s1)", n, err, 1)
	_, err = s.GetLoginSession(ctx, "s1")
	wantCode(t, err, fault.NotFound)
	n, err = s.DeleteLoginSessions(ctx, "s1", "")
	wantCount(t, "DeleteLoginSessions(s1) again", n, err, 0)
	n, err = s.DeleteLoginSessions(ctx, "", "alice")
	wantCount(t, "DeleteLoginSessions(every session of alice)", n, err, 2)
	if _, err := s.GetLoginSession(ctx, "s4"); err != nil {
		t.Errorf("bob's session after deleting alice's: %v", err)
	}
}
