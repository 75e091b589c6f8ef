package identity_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

func newTOTPKey(t *testing.T) *otp.Key {
	t.Helper()
	k, err := totp.Generate(totp.GenerateOpts{Issuer: "ward", AccountName: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestTOTPCredential(t *testing.T) {
	e := newEnv(t, func(c *identity.Config) { c.LoginBurst = 3 })
	ctx := context.Background()
	i := e.create("ada@example.com", "a long and unusual passphrase")
	if i.AvailableAAL != identity.AAL1 {
		t.Fatalf("available %q before TOTP", i.AvailableAAL)
	}
	if err := e.svc.VerifyTOTP(ctx, i.ID, "123456"); !errors.Is(err, identity.ErrNoSecondFactor) {
		t.Fatalf("verify without TOTP: %v", err)
	}
	before := e.snapshot()
	if err := e.svc.SetTOTP(ctx, i.ID, "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP"); fault.CodeOf(err) != fault.InvalidArgument {
		t.Fatalf("HOTP URL: %v", err)
	}
	if !equalSnapshots(before, e.snapshot()) {
		t.Fatal("a refused key changed the identity")
	}
	k := newTOTPKey(t)
	if err := e.svc.SetTOTP(ctx, i.ID, k.URL()); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.GetIdentity(ctx, i.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.AvailableAAL != identity.AAL2 {
		t.Fatalf("available %q with TOTP", got.AvailableAAL)
	}
	// The admin API shows the credential with include_credential=totp, in Kratos's shape.
	b, _ := json.Marshal(identity.AdminView{Identity: got, Credentials: true, IncludeCredential: []string{"totp"}})
	var view struct {
		Credentials map[string]struct {
			Identifiers []string `json:"identifiers"`
			Config      struct {
				TOTPURL string `json:"totp_url"`
			} `json:"config"`
		} `json:"credentials"`
	}
	if err := json.Unmarshal(b, &view); err != nil || view.Credentials["totp"].Config.TOTPURL != k.URL() || view.Credentials["totp"].Identifiers[0] != i.ID {
		t.Fatalf("admin view %s", b)
	}

	now := e.clock.Now()
	for _, at := range []time.Time{now, now.Add(-30 * time.Second), now.Add(30 * time.Second)} {
		code, _ := totp.GenerateCode(k.Secret(), at)
		if err := e.svc.VerifyTOTP(ctx, i.ID, code); err != nil {
			t.Fatalf("code of %v: %v", at.Sub(now), err)
		}
	}
	old, _ := totp.GenerateCode(k.Secret(), now.Add(-2*time.Minute))
	current, _ := totp.GenerateCode(k.Secret(), now)
	if old != current {
		if err := e.svc.VerifyTOTP(ctx, i.ID, old); !errors.Is(err, identity.ErrInvalidCredentials) {
			t.Fatalf("a code two minutes old: %v", err)
		}
	}
	// Wrong codes drain the identity's bucket: then even the right code waits.
	for range 3 {
		_ = e.svc.VerifyTOTP(ctx, i.ID, "not a code")
	}
	var rl *identity.RateLimitError
	if err := e.svc.VerifyTOTP(ctx, i.ID, current); !errors.As(err, &rl) {
		t.Fatalf("after wrong codes: %v", err)
	}
	if strings.Contains(e.logs.String(), k.Secret()) || strings.Contains(e.logs.String(), current) {
		t.Fatal("a TOTP secret or code was logged")
	}
	if err := e.svc.RemoveTOTP(ctx, i.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.GetIdentity(ctx, i.ID); got.AvailableAAL != identity.AAL1 || len(got.Credentials) != 1 {
		t.Fatalf("after removal: %s %v", got.AvailableAAL, got.Credentials)
	}
}

func TestLookupSecretsSingleUse(t *testing.T) {
	st := &spendingStore{IdentityStore: memory.NewIdentityStore()}
	e := newEnvOver(t, st, nil)
	ctx := context.Background()
	i := e.create("bob@example.com", "a long and unusual passphrase")
	if err := e.svc.SetLookupSecrets(ctx, i.ID, []string{"aaaa1111", "bbbb2222"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.GetIdentity(ctx, i.ID); got.AvailableAAL != identity.AAL2 {
		t.Fatalf("available %q with codes", got.AvailableAAL)
	}
	// Another login spends the same code between this one's read and its write: the code is
	// spent once.
	var other error
	st.started.Store(false)
	st.spend = func() { other = e.svc.UseLookupSecret(ctx, i.ID, "aaaa1111") }
	err := e.svc.UseLookupSecret(ctx, i.ID, "aaaa1111")
	if other != nil || !errors.Is(err, identity.ErrInvalidCredentials) {
		t.Fatalf("racing uses: other %v, this %v", other, err)
	}
	if err := e.svc.UseLookupSecret(ctx, i.ID, "aaaa111"); !errors.Is(err, identity.ErrInvalidCredentials) {
		t.Fatalf("a prefix of a code: %v", err)
	}
	if err := e.svc.UseLookupSecret(ctx, i.ID, "bbbb2222"); err != nil {
		t.Fatal(err)
	}
	secrets, err := e.svc.LookupSecrets(ctx, i.ID)
	if err != nil || len(secrets) != 2 || secrets[0].UsedAt == nil || secrets[1].UsedAt == nil {
		t.Fatalf("secrets %+v %v", secrets, err)
	}
	// All codes spent: no second factor is left.
	if got, _ := e.svc.GetIdentity(ctx, i.ID); got.AvailableAAL != identity.AAL1 {
		t.Fatalf("available %q with every code spent", got.AvailableAAL)
	}
	if err := e.svc.SetLookupSecrets(ctx, i.ID, []string{"ok", ""}); fault.CodeOf(err) != fault.InvalidArgument {
		t.Fatalf("an empty code: %v", err)
	}
}

// spendingStore runs spend before the first UpdateIdentity, outside it: spend may write
// through the store itself.
type spendingStore struct {
	store.IdentityStore
	started atomic.Bool
	spend   func()
}

func (s *spendingStore) UpdateIdentity(ctx context.Context, i *store.Identity) error {
	if s.spend != nil && s.started.CompareAndSwap(false, true) {
		s.spend()
	}
	return s.IdentityStore.UpdateIdentity(ctx, i)
}

func TestSessionSatisfiesAAL(t *testing.T) {
	with := &identity.Identity{AvailableAAL: identity.AAL2}
	without := &identity.Identity{AvailableAAL: identity.AAL1}
	for _, c := range []struct {
		sess     identity.Session
		required string
		want     bool
	}{
		{identity.Session{AAL: identity.AAL1, Identity: with}, identity.RequiredAALHighest, false},
		{identity.Session{AAL: identity.AAL1, Identity: with}, identity.AAL1, true},
		{identity.Session{AAL: identity.AAL2, Identity: with}, identity.RequiredAALHighest, true},
		{identity.Session{AAL: identity.AAL1, Identity: without}, identity.RequiredAALHighest, true},
	} {
		if got := c.sess.SatisfiesAAL(c.required); got != c.want {
			t.Errorf("session %s of identity at %s, required %s: %v, want %v", c.sess.AAL, c.sess.Identity.AvailableAAL, c.required, got, c.want)
		}
	}
}

// TestWhoamiCountsEnabledFactors checks that whoami's sessions count only the second factors
// Config.SecondFactors enables: a TOTP key of a method turned off does not make an aal1 session
// fall short.
func TestWhoamiCountsEnabledFactors(t *testing.T) {
	for _, enabled := range []bool{false, true} {
		e := newEnv(t, func(c *identity.Config) {
			if enabled {
				c.SecondFactors = []string{identity.CredentialTOTP}
			}
		})
		ctx := context.Background()
		i := e.create("eve@example.com", "a long and unusual passphrase")
		if err := e.svc.SetTOTP(ctx, i.ID, newTOTPKey(t).URL()); err != nil {
			t.Fatal(err)
		}
		_, token, err := e.svc.IssueSession(ctx, i.ID, identity.AuthenticationMethod{Method: "password"}, identity.Device{})
		if err != nil {
			t.Fatal(err)
		}
		sess, err := e.svc.Whoami(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if got := sess.SatisfiesAAL(e.svc.WhoamiRequiredAAL()); got == enabled {
			t.Errorf("TOTP enabled %v: an aal1 session satisfies highest_available: %v", enabled, got)
		}
	}
}
