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

// newSelfServiceFlow returns flow n of this kind, without an identity.
func newSelfServiceFlow(n int, kind store.SelfServiceFlowKind) *store.SelfServiceFlow {
	return &store.SelfServiceFlow{
		ID:        uid(flowBase + n),
		Kind:      kind,
		Data:      []byte(`{"ui":{"action":"/self-service/` + string(kind) + `"},"n":` + fmt.Sprint(n) + `}`),
		ExpiresAt: at(time.Hour),
		CreatedAt: at(0),
		UpdatedAt: at(0),
	}
}

func mustCreateSelfServiceFlow(t testing.TB, s store.IdentityStore, f *store.SelfServiceFlow) {
	t.Helper()
	if err := s.CreateSelfServiceFlow(context.Background(), f); err != nil {
		t.Fatalf("CreateSelfServiceFlow(%s): %v", f.ID, err)
	}
}

func getSelfServiceFlow(t testing.TB, s store.IdentityStore, kind store.SelfServiceFlowKind, id string) *store.SelfServiceFlow {
	t.Helper()
	f, err := s.GetSelfServiceFlow(context.Background(), kind, id)
	if err != nil {
		t.Fatalf("GetSelfServiceFlow(%s, %s): %v", kind, id, err)
	}
	return f
}

func testSelfServiceFlowRoundTrip(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	mustCreateIdentity(t, s, newIdentity(1, "a@example.com"))
	for n, kind := range []store.SelfServiceFlowKind{store.LoginFlow, store.RegistrationFlow, store.SettingsFlow,
		store.RecoveryFlow, store.VerificationFlow} {
		f := newSelfServiceFlow(n+1, kind)
		if kind == store.SettingsFlow {
			f.IdentityID = strings.ToUpper(uid(1))
		}
		f.Version = 5 // ignored
		mustCreateSelfServiceFlow(t, s, f)
		want := f.Clone()
		want.Version = 1
		if kind == store.SettingsFlow {
			want.IdentityID = uid(1)
		}
		f.Data[0] = 'X' // the store keeps a copy
		got := getSelfServiceFlow(t, s, kind, strings.ToUpper(want.ID))
		same(t, fmt.Sprintf("%s flow", kind), got, want)
		got.Data[0] = 'X'
		same(t, fmt.Sprintf("%s flow after changing what was returned", kind), getSelfServiceFlow(t, s, kind, want.ID), want)
	}
	// A flow of another kind is not found.
	_, err := s.GetSelfServiceFlow(ctx, store.RegistrationFlow, uid(flowBase+1))
	wantCode(t, err, fault.NotFound)
	_, err = s.GetSelfServiceFlow(ctx, store.LoginFlow, uid(flowBase+9))
	wantCode(t, err, fault.NotFound)
	_, err = s.GetSelfServiceFlow(ctx, store.LoginFlow, "nope")
	wantCode(t, err, fault.NotFound)

	for _, tc := range []struct {
		name   string
		change func(f *store.SelfServiceFlow)
		code   fault.Code
		field  string
	}{
		{"id", func(f *store.SelfServiceFlow) { f.ID = "f1" }, fault.InvalidArgument, "id"},
		{"kind", func(f *store.SelfServiceFlow) { f.Kind = "logout" }, fault.InvalidArgument, "kind"},
		{"identity id", func(f *store.SelfServiceFlow) { f.IdentityID = "me" }, fault.InvalidArgument, "identity_id"},
		{"no identity", func(f *store.SelfServiceFlow) { f.IdentityID = uid(9) }, fault.NotFound, "identity_id"},
		{"taken id", func(f *store.SelfServiceFlow) { f.ID = uid(flowBase + 1) }, fault.AlreadyExists, "id"},
		{"taken id, other kind", func(f *store.SelfServiceFlow) { f.ID, f.Kind = uid(flowBase+1), store.RecoveryFlow },
			fault.AlreadyExists, "id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSelfServiceFlow(10, store.LoginFlow)
			tc.change(f)
			err := s.CreateSelfServiceFlow(ctx, f)
			wantFault(t, err, tc.code, tc.field)
		})
	}
	same(t, "login flow after failed creations", getSelfServiceFlow(t, s, store.LoginFlow, uid(flowBase+1)),
		&store.SelfServiceFlow{ID: uid(flowBase + 1), Kind: store.LoginFlow, Data: newSelfServiceFlow(1, store.LoginFlow).Data,
			Version: 1, ExpiresAt: at(time.Hour), CreatedAt: at(0), UpdatedAt: at(0)})
}

func testUpdateSelfServiceFlow(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	mustCreateIdentity(t, s, newIdentity(1, "a@example.com"))
	f := newSelfServiceFlow(1, store.LoginFlow)
	mustCreateSelfServiceFlow(t, s, f)

	u := getSelfServiceFlow(t, s, store.LoginFlow, f.ID)
	u.Data, u.IdentityID, u.ExpiresAt, u.UpdatedAt = []byte(`{"state":"passed_challenge"}`), uid(1), at(2*time.Hour), at(time.Minute)
	u.CreatedAt = at(time.Hour) // kept
	if err := s.UpdateSelfServiceFlow(ctx, u); err != nil {
		t.Fatal(err)
	}
	want := u.Clone()
	want.Version, want.CreatedAt = 2, at(0)
	same(t, "flow after update", getSelfServiceFlow(t, s, store.LoginFlow, f.ID), want)

	// From the old version: refused, nothing changes.
	stale := u.Clone()
	stale.Data = []byte(`{"state":"replayed"}`)
	wantCode(t, s.UpdateSelfServiceFlow(ctx, stale), fault.FailedPrecondition)
	same(t, "flow after a stale update", getSelfServiceFlow(t, s, store.LoginFlow, f.ID), want)

	next := want.Clone()
	next.Kind = store.RegistrationFlow
	wantCode(t, s.UpdateSelfServiceFlow(ctx, next), fault.NotFound)
	next.Kind, next.IdentityID = store.LoginFlow, uid(9)
	wantCode(t, s.UpdateSelfServiceFlow(ctx, next), fault.NotFound)
	next.IdentityID = "x"
	wantInvalid(t, s.UpdateSelfServiceFlow(ctx, next), "identity_id")
	missing := newSelfServiceFlow(9, store.LoginFlow)
	wantCode(t, s.UpdateSelfServiceFlow(ctx, missing), fault.NotFound)
	same(t, "flow after failed updates", getSelfServiceFlow(t, s, store.LoginFlow, f.ID), want)

	// Dropping the identity again.
	next = want.Clone()
	next.IdentityID = ""
	if err := s.UpdateSelfServiceFlow(ctx, next); err != nil {
		t.Fatal(err)
	}
	if got := getSelfServiceFlow(t, s, store.LoginFlow, f.ID); got.IdentityID != "" || got.Version != 3 {
		t.Errorf("flow after dropping its identity: %+v", got)
	}
}

// testUpdateSelfServiceFlowConcurrent races submissions of one flow: one wins.
func testUpdateSelfServiceFlowConcurrent(t *testing.T, s store.IdentityStore) {
	f := newSelfServiceFlow(1, store.RecoveryFlow)
	mustCreateSelfServiceFlow(t, s, f)
	base := getSelfServiceFlow(t, s, store.RecoveryFlow, f.ID)
	errs := race(8, func(k int) error {
		u := base.Clone()
		u.Data = []byte(fmt.Sprintf(`{"submitted_by":%d}`, k))
		return s.UpdateSelfServiceFlow(context.Background(), u)
	})
	winner := oneWinner(t, "UpdateSelfServiceFlow", errs, fault.FailedPrecondition)
	got := getSelfServiceFlow(t, s, store.RecoveryFlow, f.ID)
	if want := fmt.Sprintf(`{"submitted_by":%d}`, winner); string(got.Data) != want || got.Version != 2 {
		t.Errorf("flow has %s at version %d; want the winner's %s at 2", got.Data, got.Version, want)
	}
}

func testDeleteSelfServiceFlows(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := 1; n <= 4; n++ {
		f := newSelfServiceFlow(n, store.VerificationFlow)
		switch n {
		case 1, 2:
			f.ExpiresAt = past
		case 3:
			f.ExpiresAt = time.Time{}
		}
		mustCreateSelfServiceFlow(t, s, f)
	}
	wantCode(t, s.DeleteSelfServiceFlow(ctx, store.LoginFlow, uid(flowBase+4)), fault.NotFound)
	if err := s.DeleteSelfServiceFlow(ctx, store.VerificationFlow, strings.ToUpper(uid(flowBase+4))); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteSelfServiceFlow(ctx, store.VerificationFlow, uid(flowBase+4)), fault.NotFound)
	n, err := s.DeleteExpiredSelfServiceFlows(ctx, past)
	wantCount(t, "DeleteExpiredSelfServiceFlows(at their expiry)", n, err, 0)
	n, err = s.DeleteExpiredSelfServiceFlows(ctx, past.Add(time.Second))
	wantCount(t, "DeleteExpiredSelfServiceFlows", n, err, 2)
	for _, k := range []int{1, 2, 4} {
		_, err := s.GetSelfServiceFlow(ctx, store.VerificationFlow, uid(flowBase+k))
		wantCode(t, err, fault.NotFound)
	}
	getSelfServiceFlow(t, s, store.VerificationFlow, uid(flowBase+3))
}
