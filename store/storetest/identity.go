package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// TestIdentity runs the suite of [store.IdentityStore] against the stores newStore returns: the
// contract of store/identity.go written as tests. Each subtest asks for its own store, which must
// be empty; newStore arranges for it to be closed. Run with -race: some subtests race goroutines
// for compare-and-set steps.
func TestIdentity(t *testing.T, newStore func(t *testing.T) store.IdentityStore) {
	tests := []struct {
		name string
		test func(t *testing.T, s store.IdentityStore)
	}{
		{"IdentityRoundTrip", testIdentityRoundTrip},
		{"CreateIdentityInvalid", testCreateIdentityInvalid},
		{"CreateIdentityConflicts", testCreateIdentityConflicts},
		{"CreateIdentityConcurrent", testCreateIdentityConcurrent},
		{"CreateIdentities", testCreateIdentities},
		{"CreateIdentitiesFullBatch", testCreateIdentitiesFullBatch},
		{"FindByCredentialIdentifier", testFindByCredentialIdentifier},
		{"FindAddresses", testFindAddresses},
		{"ListIdentities", testListIdentities},
		{"ListIdentitiesFilters", testListIdentitiesFilters},
		{"UpdateIdentity", testUpdateIdentity},
		{"UpdateIdentityConflicts", testUpdateIdentityConflicts},
		{"UpdateIdentityConcurrent", testUpdateIdentityConcurrent},
		{"UpdateCredentialConfig", testUpdateCredentialConfig},
		{"SecondFactorCredentials", testSecondFactorCredentials},
		{"UpdateCredentialConfigConcurrent", testUpdateCredentialConfigConcurrent},
		{"DeleteCredential", testDeleteCredential},
		{"MarkAddressVerified", testMarkAddressVerified},
		{"DeleteIdentity", testDeleteIdentity},
		{"SessionRoundTrip", testSessionRoundTrip},
		{"CreateSessionInvalid", testCreateSessionInvalid},
		{"ListSessions", testListSessions},
		{"UpdateSession", testUpdateSession},
		{"UpdateSessionAfterRevoke", testUpdateSessionAfterRevoke},
		{"RevokeSessions", testRevokeSessions},
		{"SessionsInvalidatedSince", testSessionsInvalidatedSince},
		{"DeleteExpiredSessions", testDeleteExpiredSessions},
		{"SelfServiceFlowRoundTrip", testSelfServiceFlowRoundTrip},
		{"UpdateSelfServiceFlow", testUpdateSelfServiceFlow},
		{"UpdateSelfServiceFlowConcurrent", testUpdateSelfServiceFlowConcurrent},
		{"DeleteSelfServiceFlows", testDeleteSelfServiceFlows},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newStore(t)) })
	}
}

// uid returns the n-th fixture UUID, a version 4 one; uid(n) sorts before uid(n+1).
func uid(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// The fixtures' UUID ranges: identities 1-, their verifiable addresses 100000+, recovery
// addresses 200000+, sessions 300000+, flows 400000+.
const (
	verifiableBase = 100000
	recoveryBase   = 200000
	sessionBase    = 300000
	flowBase       = 400000
)

// newIdentity returns identity n with a password credential for email, which is also its
// verifiable and recovery address.
func newIdentity(n int, email string) *store.Identity {
	return &store.Identity{
		ID:             uid(n),
		SchemaID:       "default",
		Traits:         []byte(`{"email": "` + email + `", "name": {"first": "Ada"}}`),
		State:          store.IdentityActive,
		MetadataPublic: []byte(`{"plan":"free"}`),
		Credentials: map[string]store.Credential{
			"password": {
				Identifiers: []string{email},
				Config:      []byte(`{"hashed_password":"$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"}`),
				Version:     1,
				CreatedAt:   at(0),
				UpdatedAt:   at(0),
			},
		},
		VerifiableAddresses: []store.VerifiableAddress{{
			ID: uid(verifiableBase + n), Via: "email", Value: email, Status: "pending", CreatedAt: at(0), UpdatedAt: at(0),
		}},
		RecoveryAddresses: []store.RecoveryAddress{{
			ID: uid(recoveryBase + n), Via: "email", Value: email, CreatedAt: at(0), UpdatedAt: at(0),
		}},
		AvailableAAL: "aal1",
		CreatedAt:    at(0),
		UpdatedAt:    at(0),
	}
}

// stored returns what the store holds after creating i: i at Version 1.
func stored(i *store.Identity) *store.Identity {
	n := i.Clone()
	n.Version = 1
	return n
}

func mustCreateIdentity(t testing.TB, s store.IdentityStore, i *store.Identity) {
	t.Helper()
	if err := s.CreateIdentity(context.Background(), i); err != nil {
		t.Fatalf("CreateIdentity(%s): %v", i.ID, err)
	}
}

func getIdentity(t testing.TB, s store.IdentityStore, id string) *store.Identity {
	t.Helper()
	i, err := s.GetIdentity(context.Background(), id)
	if err != nil {
		t.Fatalf("GetIdentity(%s): %v", id, err)
	}
	return i
}

func wantNoIdentity(t testing.TB, s store.IdentityStore, id string) {
	t.Helper()
	_, err := s.GetIdentity(context.Background(), id)
	wantCode(t, err, fault.NotFound)
}

// sameIdentity fails the test unless got and want are equal once normalized, as same does, the
// credentials' maps included.
func sameIdentity(t testing.TB, what string, got, want *store.Identity) {
	t.Helper()
	same(t, what, normalIdentity(got), normalIdentity(want))
}

// normalIdentity returns a copy of i whose credentials are normalized (same does not look into maps)
// and nil when it has none.
func normalIdentity(i *store.Identity) *store.Identity {
	if i == nil {
		return nil
	}
	n := i.Clone()
	n.Credentials = nil
	if len(i.Credentials) > 0 {
		n.Credentials = make(map[string]store.Credential, len(i.Credentials))
		for typ, c := range i.Credentials {
			n.Credentials[typ] = normalized(c).(store.Credential)
		}
	}
	return n
}

// wantConflict fails the test unless err is AlreadyExists naming field and value, with an
// *IdentityConflict cause.
func wantConflict(t testing.TB, err error, field, value string) {
	t.Helper()
	wantCode(t, err, fault.AlreadyExists)
	var fe *fault.Error
	var c *store.IdentityConflict
	switch {
	case !errors.As(err, &fe) || fe.Field != field:
		t.Fatalf("error %v does not name field %q", err, field)
	case !errors.As(err, &c):
		t.Fatalf("error %v has no *store.IdentityConflict cause", err)
	case c.Field != field || c.Value != value:
		t.Fatalf("conflict %+v; want field %q, value %q", c, field, value)
	}
}

// wantInvalid fails the test unless err is InvalidArgument naming field.
func wantInvalid(t testing.TB, err error, field string) {
	t.Helper()
	wantFault(t, err, fault.InvalidArgument, field)
}

// wantFault fails the test unless err has code and names field.
func wantFault(t testing.TB, err error, code fault.Code, field string) {
	t.Helper()
	wantCode(t, err, code)
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Field != field {
		t.Fatalf("error %v does not name field %q", err, field)
	}
}

// race runs op(0), …, op(n-1) at once and returns their errors.
func race(n int, op func(k int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for k := range n {
		wg.Go(func() {
			<-start
			errs[k] = op(k)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner fails the test unless exactly one of errs is nil and the others have code, and
// returns the winner's index.
func oneWinner(t testing.TB, what string, errs []error, code fault.Code) int {
	t.Helper()
	winner := -1
	for k, err := range errs {
		switch {
		case err == nil && winner < 0:
			winner = k
		case err == nil:
			t.Fatalf("%s %d and %d both succeeded", what, winner, k)
		case fault.CodeOf(err) != code:
			t.Errorf("%s %d: %v, want %v", what, k, err, code)
		}
	}
	if winner < 0 {
		t.Fatalf("no %s succeeded: %v", what, errs)
	}
	return winner
}

// invalidationsSince returns the invalidations recorded since since, failing the test on an
// error.
func invalidationsSince(t testing.TB, s store.IdentityStore, since time.Time) ([]store.SessionInvalidation, time.Time) {
	t.Helper()
	got, now, err := s.SessionsInvalidatedSince(context.Background(), since)
	if err != nil {
		t.Fatalf("SessionsInvalidatedSince: %v", err)
	}
	return got, now
}

// clockReading returns the reading of the invalidation feed's clock.
func clockReading(t testing.TB, s store.IdentityStore) time.Time {
	t.Helper()
	_, now := invalidationsSince(t, s, time.Now().Add(time.Hour))
	return now
}

// wantInvalidated fails the test unless the store recorded, since since, an invalidation of
// session sessionID ("" for all) of identityID.
func wantInvalidated(t testing.TB, s store.IdentityStore, since time.Time, sessionID, identityID string) {
	t.Helper()
	got, _ := invalidationsSince(t, s, since)
	for _, v := range got {
		if v.SessionID == sessionID && v.IdentityID == identityID {
			return
		}
	}
	t.Fatalf("no invalidation of session %q of identity %s since %v; have %+v", sessionID, identityID, since, got)
}
