package identity_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
)

const goodPassword = "correct horse battery staple"

func TestAuthenticatePassword(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	i := e.create("ada@example.com", goodPassword)
	e.create("nopassword@example.com", "")
	inactive := e.create("off@example.com", goodPassword)
	if _, err := e.svc.UpdateIdentity(ctx, inactive.ID, identity.UpdateIdentityBody{Traits: traits("off@example.com"), State: identity.StateInactive}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, identifier, password string
		want                       error
	}{
		{"right", " ADA@example.com ", goodPassword, nil},
		{"wrong password", "ada@example.com", "wrong horse battery staple", identity.ErrInvalidCredentials},
		{"unknown identifier", "nobody@example.com", goodPassword, identity.ErrInvalidCredentials},
		{"no password set", "nopassword@example.com", goodPassword, identity.ErrInvalidCredentials},
		{"empty identifier", "", goodPassword, identity.ErrInvalidCredentials},
		{"huge password", "ada@example.com", strings.Repeat("x", 1<<16), identity.ErrInvalidCredentials},
		{"inactive", "off@example.com", goodPassword, identity.ErrIdentityDisabled},
		{"inactive, wrong password", "off@example.com", "nope", identity.ErrInvalidCredentials},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := e.svc.AuthenticatePassword(ctx, c.identifier, c.password, "")
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v; want %v", err, c.want)
			}
			if c.want == nil && got.ID != i.ID {
				t.Errorf("identity %s; want %s", got.ID, i.ID)
			}
		})
	}
}

// TestAuthenticatePasswordEnumeration checks that an unknown identifier and a wrong password
// get the same error after the same hash work: one verification each.
func TestAuthenticatePasswordEnumeration(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.create("ada@example.com", goodPassword)
	e.create("nopassword@example.com", "")
	work := func(identifier, password string) (verifies, hashes int64, err error) {
		v, h := e.hasher.verifies.Load(), e.hasher.hashes.Load()
		_, err = e.svc.AuthenticatePassword(ctx, identifier, password, "")
		return e.hasher.verifies.Load() - v, e.hasher.hashes.Load() - h, err
	}
	vWrong, hWrong, errWrong := work("ada@example.com", "wrong password!!")
	vUnknown, hUnknown, errUnknown := work("nobody@example.com", "wrong password!!")
	vNoPw, hNoPw, errNoPw := work("nopassword@example.com", "wrong password!!")
	if errWrong != errUnknown || errWrong != errNoPw || errWrong.Error() != errUnknown.Error() {
		t.Errorf("errors differ: %v / %v / %v", errWrong, errUnknown, errNoPw)
	}
	if vWrong != 1 || vUnknown != 1 || vNoPw != 1 || hWrong+hUnknown+hNoPw != 0 {
		t.Errorf("verifications wrong/unknown/none %d/%d/%d, hashes %d/%d/%d; want one verification each and no hash",
			vWrong, vUnknown, vNoPw, hWrong, hUnknown, hNoPw)
	}
}

// TestImportedHashRehashedAtLogin checks that an imported bcrypt hash is kept as it is until a
// login, which then stores ward's argon2id hash of the same password.
func TestImportedHashRehashedAtLogin(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	h, err := bcrypt.GenerateFromPassword([]byte(goodPassword), 4)
	if err != nil {
		t.Fatal(err)
	}
	hashes := e.hasher.hashes.Load() // the dummy hash of NewService
	i, err := e.svc.CreateIdentity(ctx, identity.CreateIdentityBody{Traits: traits("ada@example.com"), Credentials: hashed(string(h))})
	if err != nil {
		t.Fatal(err)
	}
	if got := hashIn(t, i); got != string(h) {
		t.Fatalf("imported hash stored as %q; want it unchanged", got)
	}
	if e.hasher.hashes.Load() != hashes {
		t.Error("an imported hash was hashed again at import")
	}
	if _, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", goodPassword, ""); err != nil {
		t.Fatal(err)
	}
	after, _ := e.svc.GetIdentity(ctx, i.ID)
	if got := hashIn(t, after); !strings.HasPrefix(got, "$argon2id$") {
		t.Fatalf("after login the hash is %q; want ward's argon2id", got)
	}
	if _, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", goodPassword, ""); err != nil {
		t.Errorf("login with the re-hashed password: %v", err)
	}
	if n := e.hasher.hashes.Load() - hashes; n != 1 {
		t.Errorf("%d hashes; want 1 (the re-hash, once)", n)
	}
}

// TestRehashYieldsToPasswordChange checks that a re-hash after a login never overwrites a
// password changed meanwhile.
func TestRehashYieldsToPasswordChange(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	h, _ := bcrypt.GenerateFromPassword([]byte(goodPassword), 4)
	i, err := e.svc.CreateIdentity(ctx, identity.CreateIdentityBody{Traits: traits("ada@example.com"), Credentials: hashed(string(h))})
	if err != nil {
		t.Fatal(err)
	}
	e2 := newEnvOver(t, &changingStore{IdentityStore: e.st, change: func() {
		if err := e.svc.SetPassword(ctx, i.ID, "another long passphrase"); err != nil {
			t.Error(err)
		}
	}}, nil)
	if _, err := e2.svc.AuthenticatePassword(ctx, "ada@example.com", goodPassword, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", "another long passphrase", ""); err != nil {
		t.Errorf("the password change made during the login was overwritten: %v", err)
	}
}

func hashIn(t *testing.T, i *identity.Identity) string {
	t.Helper()
	var c struct {
		HashedPassword string `json:"hashed_password"`
	}
	if err := json.Unmarshal(i.Credentials["password"].Config, &c); err != nil {
		t.Fatal(err)
	}
	return c.HashedPassword
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t, func(c *identity.Config) { c.LoginRate, c.LoginBurst = 1, 3 })
	ctx := context.Background()
	e.create("ada@example.com", goodPassword)
	for k := range 3 {
		if _, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", "wrong", "10.0.0.1"); !errors.Is(err, identity.ErrInvalidCredentials) {
			t.Fatalf("failure %d: %v", k, err)
		}
	}
	verifies := e.hasher.verifies.Load()
	_, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", goodPassword, "10.0.0.2")
	wait, ok := identity.RetryAfter(err)
	if fault.CodeOf(err) != fault.ResourceExhausted || !ok || wait != time.Second {
		t.Fatalf("after the burst, per identifier: %v (retry after %v); want ResourceExhausted, 1s", err, wait)
	}
	if e.hasher.verifies.Load() != verifies {
		t.Error("a throttled login did hash work")
	}
	// Per source: the source that failed is refused for another identifier too.
	if _, err := e.svc.AuthenticatePassword(ctx, "other@example.com", goodPassword, "10.0.0.1"); fault.CodeOf(err) != fault.ResourceExhausted {
		t.Errorf("same source, other identifier: %v; want ResourceExhausted", err)
	}
	e.clock.Add(time.Second)
	if _, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", goodPassword, "10.0.0.2"); err != nil {
		t.Errorf("after the refill: %v", err)
	}
	// Successes are not charged.
	for k := range 10 {
		if _, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", goodPassword, "10.0.0.3"); err != nil {
			t.Fatalf("success %d: %v", k, err)
		}
	}
}

func TestRegister(t *testing.T) {
	e := newEnv(t, func(c *identity.Config) { c.RegistrationRate, c.RegistrationBurst = 1, 100 })
	ctx := context.Background()
	i, err := e.svc.Register(ctx, "", traits("Ada@example.com"), goodPassword, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", goodPassword, ""); err != nil {
		t.Errorf("login after registration: %v", err)
	}
	before := e.snapshot()
	cases := []struct {
		name   string
		schema string
		traits json.RawMessage
		pw     string
		want   []string // violation pointer:reason/keyword
	}{
		{"short", "", traits("b@example.com"), "short", []string{"/password:too_short"}},
		{"common", "", traits("b@example.com"), "password1", []string{"/password:common"}},
		{"similar to identifier", "", traits("bobby.tables@example.com"), "bobby.tables@example.com", []string{"/password:too_similar"}},
		{"missing", "", traits("b@example.com"), "", []string{"/password:required"}},
		{"traits and password", "", json.RawMessage(`{}`), "short", []string{"/traits/email:required", "/password:too_short"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.Register(ctx, c.schema, c.traits, c.pw, "10.0.0.1")
			var ve *identity.ValidationError
			if !errors.As(err, &ve) || fault.CodeOf(err) != fault.InvalidArgument {
				t.Fatalf("error %v; want a ValidationError", err)
			}
			var got []string
			for _, v := range ve.Violations {
				r := v.Reason
				if r == "" {
					r = v.Keyword
				}
				got = append(got, v.Pointer+":"+r)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("violations %v; want %v", got, c.want)
			}
		})
	}
	_, err = e.svc.Register(ctx, "", traits("ADA@example.com"), "another long passphrase", "10.0.0.1")
	var de *identity.DuplicateError
	if !errors.As(err, &de) || fault.CodeOf(err) != fault.AlreadyExists || de.Value != "ada@example.com" {
		t.Errorf("duplicate: %v; want AlreadyExists naming ada@example.com", err)
	}
	if n := len(e.snapshot()); n != len(before) || i == nil {
		t.Errorf("refused registrations stored identities: %d, want %d", n, len(before))
	}
}

func TestRegistrationRateLimit(t *testing.T) {
	e := newEnv(t, func(c *identity.Config) { c.RegistrationRate, c.RegistrationBurst = 0.5, 2 })
	ctx := context.Background()
	for k, email := range []string{"a@example.com", "b@example.com"} {
		if _, err := e.svc.Register(ctx, "", traits(email), goodPassword, "10.0.0.9"); err != nil {
			t.Fatalf("registration %d: %v", k, err)
		}
	}
	_, err := e.svc.Register(ctx, "", traits("c@example.com"), goodPassword, "10.0.0.9")
	if wait, ok := identity.RetryAfter(err); fault.CodeOf(err) != fault.ResourceExhausted || !ok || wait != 2*time.Second {
		t.Fatalf("third: %v (retry after %v); want ResourceExhausted, 2s", err, wait)
	}
	if _, err := e.svc.Register(ctx, "", traits("c@example.com"), goodPassword, "10.0.0.10"); err != nil {
		t.Errorf("another source: %v", err)
	}
}

func TestSetPassword(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	i := e.create("ada@example.com", goodPassword)
	before := e.snapshot()
	for _, bad := range []string{"short", "ada@example.com", "password1"} {
		var ve *identity.ValidationError
		if err := e.svc.SetPassword(ctx, i.ID, bad); !errors.As(err, &ve) || ve.Violations[0].Pointer != "/password" {
			t.Errorf("SetPassword(%q): %v; want a policy violation", bad, err)
		}
	}
	if !equalSnapshots(before, e.snapshot()) {
		t.Error("a refused password changed the store")
	}
	if err := e.svc.SetPassword(ctx, i.ID, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", goodPassword, ""); !errors.Is(err, identity.ErrInvalidCredentials) {
		t.Errorf("old password: %v", err)
	}
	if _, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", "a brand new passphrase", ""); err != nil {
		t.Errorf("new password: %v", err)
	}
}
