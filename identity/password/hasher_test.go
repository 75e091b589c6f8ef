package password_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/password"
)

// cheapArgon2 keeps tests fast; the defaults are exercised by TestHashDefaults and the benchmarks.
var cheapArgon2 = password.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func newHasher(t testing.TB, opts ...password.Option) *password.Hasher {
	t.Helper()
	h, err := password.NewHasher(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHashDefaults(t *testing.T) {
	h := newHasher(t)
	if h.Algorithm() != password.Argon2id || h.MaxPasswordLength() != password.MaxLength {
		t.Errorf("default Hasher is %v, max %d; want argon2id, %d", h.Algorithm(), h.MaxPasswordLength(), password.MaxLength)
	}
	encoded, err := h.Hash(context.Background(), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(encoded) {
		t.Errorf("hash %q is not argon2id PHC with the default parameters, a 16-byte salt and a 32-byte key", encoded)
	}
	if h.NeedsRehash(encoded) {
		t.Error("NeedsRehash of a hash the Hasher just wrote = true")
	}
	if ok, err := h.Verify(context.Background(), "correct horse battery staple", encoded); !ok || err != nil {
		t.Errorf("Verify = %t, %v; want true", ok, err)
	}
}

func TestHashAndVerify(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		opts   []password.Option
		prefix string
	}{
		{"argon2id", []password.Option{password.WithArgon2id(cheapArgon2)}, "$argon2id$v=19$m=64,t=1,p=1$"},
		{"bcrypt", []password.Option{password.WithBcrypt(4)}, "$2a$04$"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHasher(t, tc.opts...)
			for _, pw := range []string{"", "a", "correct horse battery staple", "pässwörd ✓", strings.Repeat("x", h.MaxPasswordLength())} {
				encoded, err := h.Hash(ctx, pw)
				if err != nil {
					t.Fatalf("Hash of %d bytes: %v", len(pw), err)
				}
				if !strings.HasPrefix(encoded, tc.prefix) || (len(pw) >= 8 && strings.Contains(encoded, pw)) {
					t.Errorf("hash %q: want prefix %s and no password in it", encoded, tc.prefix)
				}
				again, _ := h.Hash(ctx, pw)
				if again == encoded {
					t.Error("two hashes of one password are equal: no salt")
				}
				if ok, err := h.Verify(ctx, pw, encoded); !ok || err != nil {
					t.Errorf("Verify of the right %d-byte password = %t, %v", len(pw), ok, err)
				}
				wrong := pw + "!"
				if len(pw) == h.MaxPasswordLength() {
					wrong = pw[:len(pw)-1] + "!"
				}
				if ok, err := h.Verify(ctx, wrong, encoded); ok || err != nil {
					t.Errorf("Verify of a wrong password = %t, %v; want false, nil", ok, err)
				}
				if h.NeedsRehash(encoded) {
					t.Error("NeedsRehash of a fresh hash = true")
				}
			}
		})
	}
}

// TestBcryptReadsOnly72Bytes pins down bcrypt's semantics, which an imported hash from a system that
// took longer passwords relies on: bytes past the 72nd do not count.
func TestBcryptReadsOnly72Bytes(t *testing.T) {
	h := newHasher(t, password.WithBcrypt(4))
	pw := strings.Repeat("b", 72)
	encoded, err := h.Hash(context.Background(), pw)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.Verify(context.Background(), pw+"anything", encoded); !ok || err != nil {
		t.Errorf("Verify with bytes past the 72nd = %t, %v; want true", ok, err)
	}
}

func TestHashRefusesTooLong(t *testing.T) {
	for _, tc := range []struct {
		opt   password.Option
		limit int
	}{
		{password.WithBcrypt(4), 72},
		{password.WithArgon2id(cheapArgon2), password.MaxLength},
	} {
		h := newHasher(t, tc.opt)
		_, err := h.Hash(context.Background(), strings.Repeat("y", tc.limit+1))
		var pe *password.PolicyError
		if !errors.As(err, &pe) || pe.Reason != password.ReasonTooLong || pe.MaxLength != tc.limit || pe.ActualLength != tc.limit+1 {
			t.Errorf("%v: Hash of %d bytes = %v; want a too_long PolicyError with max %d", h, tc.limit+1, err, tc.limit)
		}
		if strings.Contains(err.Error(), "yyyy") || fault.CodeOf(err) != fault.InvalidArgument {
			t.Errorf("error %q: want InvalidArgument without the password", err)
		}
	}
}

func TestVerifyRefusesPasswordOverMaxLength(t *testing.T) {
	h := newHasher(t, password.WithArgon2id(cheapArgon2))
	encoded, err := h.Hash(context.Background(), "short")
	if err != nil {
		t.Fatal(err)
	}
	ok, err := h.Verify(context.Background(), strings.Repeat("z", password.MaxLength+1), encoded)
	var pe *password.PolicyError
	if ok || !errors.As(err, &pe) || pe.Reason != password.ReasonTooLong || pe.MaxLength != password.MaxLength {
		t.Errorf("Verify of %d bytes = %t, %v; want a too_long PolicyError", password.MaxLength+1, ok, err)
	}
}

func TestNewHasherRefusesBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []password.Option
	}{
		{"bcrypt cost below 4", []password.Option{password.WithBcrypt(3)}},
		{"bcrypt cost over its bound", []password.Option{password.WithBcrypt(15)}},
		{"bcrypt cost over a lowered bound", []password.Option{password.WithBcrypt(12), password.WithBounds(password.Bounds{BcryptCost: 11})}},
		{"argon2 memory over its bound", []password.Option{password.WithArgon2id(password.Argon2Params{Memory: 512 << 10, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})}},
		{"argon2 work over its bound", []password.Option{password.WithArgon2id(password.Argon2Params{Memory: 256 << 10, Iterations: 5, Parallelism: 1, SaltLength: 16, KeyLength: 32})}},
		{"argon2 short salt", []password.Option{password.WithArgon2id(password.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 8, KeyLength: 32})}},
		{"argon2 short key", []password.Option{password.WithArgon2id(password.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 8})}},
		{"argon2 no lanes", []password.Option{password.WithArgon2id(password.Argon2Params{Memory: 64, Iterations: 1, SaltLength: 16, KeyLength: 32})}},
		{"argon2 memory under 8 KiB a lane", []password.Option{password.WithArgon2id(password.Argon2Params{Memory: 16, Iterations: 1, Parallelism: 4, SaltLength: 16, KeyLength: 32})}},
		{"no concurrency", []password.Option{password.WithMaxConcurrent(0)}},
		{"bcrypt bound over 31", []password.Option{password.WithBounds(password.Bounds{BcryptCost: 32})}},
		{"sha-crypt bound under 1000", []password.Option{password.WithBounds(password.Bounds{SHACryptRounds: 999})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if h, err := password.NewHasher(tc.opts...); err == nil {
				t.Errorf("NewHasher = %v; want an error", h)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	ctx := context.Background()
	argon := newHasher(t, password.WithArgon2id(cheapArgon2))
	current, err := argon.Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	more := cheapArgon2
	more.Iterations = 2
	moreIterations, _ := newHasher(t, password.WithArgon2id(more)).Hash(ctx, "pw")
	longerKey := cheapArgon2
	longerKey.KeyLength = 64
	longKey, _ := newHasher(t, password.WithArgon2id(longerKey)).Hash(ctx, "pw")
	bcrypt4, _ := newHasher(t, password.WithBcrypt(4)).Hash(ctx, "pw")
	bcrypt5, _ := newHasher(t, password.WithBcrypt(5)).Hash(ctx, "pw")
	argon2i := "$argon2i$v=19$m=64,t=1,p=1$c2l4dGVlbi1ieXRlLXNsdA$PjXfSYqAzB5ra+kz65f5v7ynWBo/tOsvYnwGVGzEtcg"

	bcrypt := newHasher(t, password.WithBcrypt(4))
	for _, tc := range []struct {
		name   string
		h      *password.Hasher
		hash   string
		rehash bool
	}{
		{"argon2id, current parameters", argon, current, false},
		{"argon2id, other iterations", argon, moreIterations, true},
		{"argon2id, other key length", argon, longKey, true},
		{"argon2i with the same parameters", argon, argon2i, true},
		{"bcrypt under an argon2id hasher", argon, bcrypt4, true},
		{"sha512-crypt", argon, "$6$short$cm3kNAiahGJTF7aHT2TeJFZVxTJKyp0kaYyIUgDVGDNugj0qk7jjwMWccqCotrUh3rGGLobfTjLE.Se33FuZW1", true},
		{"malformed", argon, "$argon2id$v=19$m=64", true},
		{"bcrypt, current cost", bcrypt, bcrypt4, false},
		{"bcrypt $2b$ and $2y$ at the current cost", bcrypt, "$2b$04$35rDKZPeX1eYxiHEC8NRIejixQXYjttbkrSoxbDUoWQTFoG/B8Cv6", false},
		{"bcrypt, other cost", bcrypt, bcrypt5, true},
		{"argon2id under a bcrypt hasher", bcrypt, current, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.NeedsRehash(tc.hash); got != tc.rehash {
				t.Errorf("NeedsRehash = %t; want %t", got, tc.rehash)
			}
		})
	}
}

func TestStringHoldsNoSecret(t *testing.T) {
	h := newHasher(t, password.WithArgon2id(cheapArgon2), password.WithMaxConcurrent(3))
	if got, want := h.String(), "argon2id m=64 t=1 p=1, 3 at once"; got != want {
		t.Errorf("String = %q; want %q", got, want)
	}
	want := fmt.Sprintf("bcrypt cost=12, %d at once", runtime.GOMAXPROCS(0))
	if got := fmt.Sprint(newHasher(t, password.WithBcrypt(0))); got != want {
		t.Errorf("String = %q; want %q", got, want)
	}
}

func TestVerifyAbsent(t *testing.T) {
	h := newHasher(t, password.WithArgon2id(cheapArgon2))
	for _, pw := range []string{"", "pw", strings.Repeat("x", password.MaxLength+10)} {
		if err := h.VerifyAbsent(context.Background(), pw); err != nil {
			t.Errorf("VerifyAbsent of %d bytes: %v", len(pw), err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.VerifyAbsent(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Errorf("VerifyAbsent with a canceled context = %v; want context.Canceled", err)
	}
}

func TestHashHonoursContext(t *testing.T) {
	h := newHasher(t, password.WithArgon2id(cheapArgon2))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash with a canceled context = %v; want context.Canceled", err)
	}
	if _, err := h.Verify(ctx, "pw", "$md5$XUFAKrxLKna5cZ2REBfFkg=="); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify with a canceled context = %v; want context.Canceled", err)
	}
}
