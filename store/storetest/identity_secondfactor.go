package storetest

import (
	"context"
	"testing"

	"github.com/wardhq/ward/store"
)

// testSecondFactorCredentials stores the second factors' credentials as the identity domain
// writes them (Kratos's shape): each identity's totp and lookup_secret credential has the
// identity's ID as its one identifier, so that two identities' never clash, and their configs
// (a key URL; codes with used_at) come back bytewise with the identity's available AAL.
func testSecondFactorCredentials(t *testing.T, s store.IdentityStore) {
	ctx := context.Background()
	for n, email := range map[int]string{1: "one@example.com", 2: "two@example.com"} {
		i := newIdentity(n, email)
		i.Credentials["totp"] = store.Credential{Identifiers: []string{uid(n)}, Config: []byte(`{"totp_url":"otpauth://totp/ward:` + email + `?secret=JBSWY3DPEHPK3PXP"}`)}
		i.Credentials["lookup_secret"] = store.Credential{Identifiers: []string{uid(n)},
			Config: []byte(`{"lookup_secrets":[{"code":"abcd1234","used_at":"2026-01-02T03:04:05Z"},{"code":"efgh5678"}]}`)}
		i.AvailableAAL = "aal2"
		want := i.Clone()
		want.Version = 1
		mustCreateIdentity(t, s, i)
		sameIdentity(t, "identity with second factors", getIdentity(t, s, uid(n)), want)
	}
	for _, typ := range []string{"totp", "lookup_secret"} {
		i, c, err := s.FindByCredentialIdentifier(ctx, typ, uid(2))
		if err != nil || i.ID != uid(2) || string(c.Config) != string(i.Credentials[typ].Config) {
			t.Errorf("FindByCredentialIdentifier(%s, the second identity's ID): %v %v", typ, i, err)
		}
	}
}
