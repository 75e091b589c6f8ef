package password_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/password"
)

// fuzzBounds are tight enough that any hash Check accepts verifies in about a millisecond, so that
// a fuzzed input that did unbounded work would stand out as a hang.
var fuzzBounds = password.Bounds{Argon2Memory: 256, Argon2Parallelism: 4, Argon2Work: 512, BcryptCost: 5,
	PBKDF2Work: 4000, ScryptWork: 512, SHACryptRounds: 2000}

// FuzzParseHash feeds arbitrary strings to Check, Verify and NeedsRehash: none panics; Check and
// Verify agree; every refusal is InvalidArgument on hashed_password and does not echo the input.
// Seeds: testdata/fuzz/FuzzParseHash, a hash of every format and malformed variants.
func FuzzParseHash(f *testing.F) {
	h, err := password.NewHasher(password.WithBounds(fuzzBounds), password.WithBcrypt(4))
	if err != nil {
		f.Fatal(err)
	}
	unknown := h.Check("x").Error()
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, encoded string) {
		checkErr := h.Check(encoded)
		ok, verifyErr := h.Verify(ctx, "password", encoded)
		h.NeedsRehash(encoded)
		if checkErr == nil {
			if verifyErr != nil {
				t.Fatalf("Check accepts the hash but Verify says %v", verifyErr)
			}
			return
		}
		if ok || verifyErr == nil || verifyErr.Error() != checkErr.Error() {
			t.Fatalf("Check says %v but Verify = %t, %v", checkErr, ok, verifyErr)
		}
		var fe *fault.Error
		if !errors.As(checkErr, &fe) || fe.Code != fault.InvalidArgument || fe.Field != "hashed_password" {
			t.Fatalf("error %v: want InvalidArgument on hashed_password", checkErr)
		}
		if len(encoded) >= 16 && strings.Contains(checkErr.Error(), encoded) && !strings.Contains(unknown, encoded) {
			t.Fatalf("error %q echoes the hash", checkErr)
		}
	})
}

// FuzzPolicy feeds arbitrary passwords and identifiers to Validate: it never panics, refuses only
// with PolicyErrors whose lengths are right, adding an identifier never turns a refusal into
// acceptance, and a password equal to its identifier is always too similar.
// Seeds: testdata/fuzz/FuzzPolicy.
func FuzzPolicy(f *testing.F) {
	p, err := password.NewPolicy()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, pw, id string) {
		if len(id) > 4*password.MaxLength {
			t.Skip("identifiers are bounded by the identity schema")
		}
		err := p.Validate(pw, id)
		var pe *password.PolicyError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("Validate = %v; want nil or a PolicyError", err)
		}
		n := len(pw)
		switch {
		case n < password.DefaultMinLength:
			if pe == nil || pe.Reason != password.ReasonTooShort || pe.ActualLength != n || pe.MinLength != password.DefaultMinLength {
				t.Fatalf("%d bytes: Validate = %v; want too_short", n, err)
			}
		case n > password.MaxLength:
			if pe == nil || pe.Reason != password.ReasonTooLong || pe.ActualLength != n {
				t.Fatalf("%d bytes: Validate = %v; want too_long", n, err)
			}
		default:
			if pe != nil && (pe.Reason == password.ReasonTooShort || pe.Reason == password.ReasonTooLong) {
				t.Fatalf("%d bytes: Validate = %v; the length is within the bounds", n, err)
			}
			if self := p.Validate(pw, pw); !errors.As(self, &pe) || pe.Reason != password.ReasonTooSimilar {
				t.Fatalf("Validate(pw, pw) = %v; want too_similar", self)
			}
		}
		if without := p.Validate(pw); without != nil && err == nil {
			t.Fatalf("with no identifier %v, but with one accepted", without)
		}
		if err != nil && len(pw) >= 24 && utf8.ValidString(pw) && strings.Contains(err.Error(), pw) {
			t.Fatalf("error %q holds the password", err)
		}
	})
}
