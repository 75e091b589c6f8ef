package storetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// TestOAuth2 runs the suite of [store.OAuth2Store] against the stores newStore returns: the
// contract of store/oauth2.go written as tests. Each subtest asks for its own store, which must be
// empty; newStore arranges for it to be closed. Run with -race: some subtests race goroutines for
// one-time steps.
func TestOAuth2(t *testing.T, newStore func(t *testing.T) store.OAuth2Store) {
	tests := []struct {
		name string
		test func(t *testing.T, s store.OAuth2Store)
	}{
		{"ClientRoundTrip", testClientRoundTrip},
		{"ListClients", testListClients},
		{"UpdateClient", testUpdateClient},
		{"DeleteClient", testDeleteClient},
		{"GrantRoundTrip", testGrantRoundTrip},
		{"CreateGrantExisting", testCreateGrantExisting},
		{"ConsumeToken", testConsumeToken},
		{"ConsumeTokenReplay", testConsumeTokenReplay},
		{"ConsumeTokenConcurrent", testConsumeTokenConcurrent},
		{"RevokeToken", testRevokeToken},
		{"RevokeGrants", testRevokeGrants},
		{"RevokedSince", testRevokedSince},
		{"DeleteExpired", testDeleteExpired},
		{"Flow", testFlow},
		{"UpdateFlow", testUpdateFlow},
		{"UpdateFlowConcurrent", testUpdateFlowConcurrent},
		{"Consent", testConsent},
		{"LoginSession", testLoginSession},
		{"Device", testDevice},
		{"PollDevice", testPollDevice},
		{"PollDeviceConcurrent", testPollDeviceConcurrent},
		{"SigningKeys", testSigningKeys},
		{"AssertionIDs", testAssertionIDs},
		{"AssertionIDsConcurrent", testAssertionIDsConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newStore(t)) })
	}
}

// epoch is the time the fixtures are stamped from: in the future, so that nothing the tests create
// has expired by the real clock, and with microsecond precision, as stores keep times.
var epoch = time.Date(2100, 1, 2, 3, 4, 5, 678901000, time.UTC)

// at returns the time d after epoch.
func at(d time.Duration) time.Time { return epoch.Add(d) }

func newClient(id string) *store.OAuth2Client {
	return &store.OAuth2Client{
		ID:                     id,
		SecretHash:             "$2a$10$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQ",
		Name:                   "Client " + id,
		RedirectURIs:           []string{"https://app.example/cb", "http://127.0.0.1/cb"},
		PostLogoutRedirectURIs: []string{"https://app.example/bye"},
		GrantTypes:             []string{"authorization_code", "refresh_token"},
		ResponseTypes:          []string{"code"},
		Scopes:                 []string{"openid", "offline_access", "profile"},
		Audiences:              []string{"https://api.example"},
		AuthMethod:             "client_secret_basic",
		JWKS:                   []byte(`{"keys":[]}`),
		AccessTokenFormat:      "jwt",
		CreatedAt:              at(0),
		UpdatedAt:              at(time.Second),
	}
}

func newGrant(id, clientID, subject string) *store.Grant {
	return &store.Grant{
		ID:        id,
		ClientID:  clientID,
		Subject:   subject,
		Scopes:    []string{"openid", "offline_access"},
		Audiences: []string{"https://api.example"},
		AuthTime:  at(-time.Minute),
		CreatedAt: at(0),
		ExpiresAt: at(30 * 24 * time.Hour),
		Session:   []byte(`{"nonce":"n-0S6_WzA2Mj"}`),
	}
}

func newToken(kind store.TokenKind, key string) *store.TokenRecord {
	return &store.TokenRecord{
		Key:       key,
		Kind:      kind,
		IssuedAt:  at(0),
		ExpiresAt: at(time.Hour),
		Data:      []byte(`{"k":"` + key + `"}`),
	}
}

func mustCreateClient(t testing.TB, s store.OAuth2Store, c *store.OAuth2Client) {
	t.Helper()
	if err := s.CreateClient(context.Background(), c); err != nil {
		t.Fatalf("CreateClient(%q): %v", c.ID, err)
	}
}

func mustCreateGrant(t testing.TB, s store.OAuth2Store, g *store.Grant, tokens ...*store.TokenRecord) {
	t.Helper()
	if err := s.CreateGrant(context.Background(), g, tokens...); err != nil {
		t.Fatalf("CreateGrant(%q): %v", g.ID, err)
	}
}

// lookup returns the token and its grant, failing the test on an error.
func lookup(t testing.TB, s store.OAuth2Store, kind store.TokenKind, key string) (*store.TokenRecord, *store.Grant) {
	t.Helper()
	tok, g, err := s.LookupToken(context.Background(), kind, key)
	if err != nil {
		t.Fatalf("LookupToken(%v, %q): %v", kind, key, err)
	}
	return tok, g
}

// wantNoToken fails the test unless the token is not found.
func wantNoToken(t testing.TB, s store.OAuth2Store, kind store.TokenKind, key string) {
	t.Helper()
	_, _, err := s.LookupToken(context.Background(), kind, key)
	wantCode(t, err, fault.NotFound)
}

// same fails the test unless got and want, records or slices of records, are equal once
// normalized: times compared as instants, and empty slices as nil.
func same(t testing.TB, what string, got, want any) {
	t.Helper()
	g, w := normalized(got), normalized(want)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got  %s\n want %s", what, show(g), show(w))
	}
}

// normalized returns a deep copy of v with every time in UTC without a monotonic reading, and
// every empty slice nil.
func normalized(v any) any {
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	out := reflect.New(rv.Type()).Elem()
	normalize(out, rv)
	return out.Interface()
}

var timeType = reflect.TypeFor[time.Time]()

func normalize(dst, src reflect.Value) {
	switch {
	case src.Type() == timeType:
		dst.Set(reflect.ValueOf(src.Interface().(time.Time).UTC()))
	case src.Kind() == reflect.Pointer:
		if !src.IsNil() {
			p := reflect.New(src.Type().Elem())
			normalize(p.Elem(), src.Elem())
			dst.Set(p)
		}
	case src.Kind() == reflect.Slice:
		if src.Len() > 0 {
			s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
			for i := range src.Len() {
				normalize(s.Index(i), src.Index(i))
			}
			dst.Set(s)
		}
	case src.Kind() == reflect.Struct:
		for i := range src.NumField() {
			normalize(dst.Field(i), src.Field(i))
		}
	default:
		dst.Set(src)
	}
}

// show formats a normalized value with the records behind its pointers.
func show(v any) string {
	rv := reflect.ValueOf(v)
	switch {
	case v == nil:
		return "<nil>"
	case rv.Kind() == reflect.Pointer && !rv.IsNil():
		return "&" + fmt.Sprintf("%+v", rv.Elem().Interface())
	case rv.Kind() == reflect.Slice:
		s := "["
		for i := range rv.Len() {
			if i > 0 {
				s += ", "
			}
			s += show(rv.Index(i).Interface())
		}
		return s + "]"
	}
	return fmt.Sprintf("%+v", v)
}

// wantCount fails the test unless a method that returns a count returned n without an error.
func wantCount(t testing.TB, what string, got int, err error, want int) {
	t.Helper()
	if err != nil || got != want {
		t.Fatalf("%s = %d, %v; want %d, nil", what, got, err, want)
	}
}
