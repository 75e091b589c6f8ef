package password_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/password"
)

// Syntactically valid pieces: base64 (raw and padded) of 16 and 32 bytes, and of 64 bytes.
const (
	salt16   = "c2l4dGVlbi1ieXRlLXNsdA"
	key32    = "tjLpJajcL/ozLg/18nJt9A+VfmlGmA+gwhEAxtcnqBw"
	pad16    = "c2l4dGVlbi1ieXRlLXNsdA=="
	pad32    = "tjLpJajcL/ozLg/18nJt9A+VfmlGmA+gwhEAxtcnqBw="
	pad64    = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
	bcrypt53 = "o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6"
	sha256k  = "Q/zslzx./JjkAVPTwp6th7nW5l7JU91Gte/UmIh.U78"
)

// TestCheckMalformed: each hash is refused with InvalidArgument on hashed_password, a message that
// says what is wrong, and nothing of the hash but its identifier and numbers.
func TestCheckMalformed(t *testing.T) {
	h := newHasher(t)
	for _, tc := range []struct {
		name, hash, want string
	}{
		{"empty", "", "empty"},
		{"too long", "$argon2id$" + strings.Repeat("a", 1020), "at most 1024"},
		{"control character", "$argon2id$v=19$m=64,t=1,p=1$" + salt16 + "\n$" + key32, "printable ASCII"},
		{"space", "$2a$12$" + bcrypt53[:20] + " " + bcrypt53[21:], "printable ASCII"},
		{"no format", "plaintext-password", "not a hash format"},
		{"unknown identifier", "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7", "not a hash format"},
		{"bcrypt $2x$", "$2x$10$" + bcrypt53, "not a hash format"},
		{"argon2d", "$argon2d$v=19$m=64,t=1,p=1$" + salt16 + "$" + key32, "argon2d hashes are not supported"},
		{"argon2 fields", "$argon2id$v=19$m=64,t=1,p=1$" + salt16, "has 4 $-separated fields; want 5"},
		{"argon2 version", "$argon2id$v=16$m=64,t=1,p=1$" + salt16 + "$" + key32, "version 16"},
		{"argon2 no version", "$argon2i$m=64,t=1,p=1$" + salt16 + "$" + key32, "has 4 $-separated fields; want 5"},
		{"argon2 parameter order", "$argon2id$v=19$t=1,m=64,p=1$" + salt16 + "$" + key32, "want parameters m=…,t=…,p=…"},
		{"argon2 extra parameter", "$argon2id$v=19$m=64,t=1,p=1,data=x$" + salt16 + "$" + key32, "want parameters m=…,t=…,p=…"},
		{"argon2 memory not a number", "$argon2id$v=19$m=6x,t=1,p=1$" + salt16 + "$" + key32, "parameter m is not a decimal"},
		{"argon2 memory negative", "$argon2id$v=19$m=-64,t=1,p=1$" + salt16 + "$" + key32, "parameter m is not a decimal"},
		{"argon2 memory over nine digits", "$argon2id$v=19$m=1000000000,t=1,p=1$" + salt16 + "$" + key32, "parameter m is not a decimal"},
		{"argon2 no iterations", "$argon2id$v=19$m=64,t=0,p=1$" + salt16 + "$" + key32, "t (iterations) must be at least 1"},
		{"argon2 no lanes", "$argon2id$v=19$m=64,t=1,p=0$" + salt16 + "$" + key32, "p (parallelism) must be at least 1"},
		{"argon2 memory per lane", "$argon2id$v=19$m=16,t=1,p=4$" + salt16 + "$" + key32, "8 KiB per lane"},
		{"argon2 padded salt", "$argon2id$v=19$m=64,t=1,p=1$" + pad16 + "$" + key32, "salt is not valid base64"},
		{"argon2 short salt", "$argon2id$v=19$m=64,t=1,p=1$YWJjZA$" + key32, "salt is 4 bytes"},
		{"argon2 short key", "$argon2id$v=19$m=64,t=1,p=1$" + salt16 + "$YWJjZGVmZ2g", "derived key is 8 bytes"},
		{"bcrypt cost letters", "$2a$1x$" + bcrypt53, "two digits"},
		{"bcrypt cost one digit", "$2a$4$" + bcrypt53, "two digits"},
		{"bcrypt cost under 4", "$2b$03$" + bcrypt53, "range is 4 to 31"},
		{"bcrypt cost over 31", "$2y$32$" + bcrypt53, "range is 4 to 31"},
		{"bcrypt short", "$2a$10$" + bcrypt53[1:], "53 characters"},
		{"bcrypt alphabet", "$2a$10$" + strings.Replace(bcrypt53, ".", "+", 1), "53 characters"},
		{"bcrypt fields", "$2a$10$" + bcrypt53 + "$", "has 4 $-separated fields; want 3"},
		{"pbkdf2 digest", "$pbkdf2-md5$i=1000,l=32$" + salt16 + "$" + key32, "unknown digest"},
		{"pbkdf2 no length", "$pbkdf2-sha256$i=1000$" + salt16 + "$" + key32, "want parameters i=…,l=…"},
		{"pbkdf2 capital I (Kratos's test)", "$pbkdf2-sha512$I=100000,l=32$" + salt16 + "$" + key32, "want parameters i=…,l=…"},
		{"pbkdf2 no parameters (Kratos's test)", "$pbkdf2-sha256$" + salt16 + "$" + key32, "has 3 $-separated fields; want 4"},
		{"pbkdf2 no iterations", "$pbkdf2-sha256$i=0,l=32$" + salt16 + "$" + key32, "at least 1"},
		{"pbkdf2 bad salt", "$pbkdf2-sha256$i=1000,l=32$" + salt16 + "!$" + key32, "salt is not valid base64"},
		{"pbkdf2 short key", "$pbkdf2-sha1$i=1000,l=20$" + salt16 + "$YWJjZA", "derived key is 4 bytes"},
		{"scrypt N not a power of two", "$scrypt$ln=16385,r=8,p=1$" + pad16 + "$" + pad32, "power of two"},
		{"scrypt N of 1", "$scrypt$ln=1,r=8,p=1$" + pad16 + "$" + pad32, "power of two"},
		{"scrypt N not a number", "$scrypt$ln=abc,r=8,p=1$" + pad16 + "$" + pad32, "parameter ln is not a decimal"},
		{"scrypt r of 0", "$scrypt$ln=1024,r=0,p=1$" + pad16 + "$" + pad32, "r and p must be at least 1"},
		{"scrypt unpadded salt", "$scrypt$ln=1024,r=8,p=1$" + salt16 + "$" + pad32, "salt is not valid base64"},
		{"scrypt no parameters (Kratos's test)", "$scrypt$" + pad16 + "$" + pad32, "has 3 $-separated fields; want 4"},
		{"firescrypt mem_cost 0", "$firescrypt$ln=0,r=8,p=1$" + pad16 + "$" + pad64 + "$Bw==$" + pad64, "1 to 30"},
		{"firescrypt mem_cost 31", "$firescrypt$ln=31,r=8,p=1$" + pad16 + "$" + pad64 + "$Bw==$" + pad64, "1 to 30"},
		{"firescrypt hash and signer key lengths", "$firescrypt$ln=14,r=8,p=1$" + pad16 + "$" + pad32 + "$Bw==$" + pad64, "must be equal"},
		{"firescrypt short signer key", "$firescrypt$ln=14,r=8,p=1$" + pad16 + "$YWJjZA==$Bw==$YWJjZA==", "signer key is 4 bytes"},
		{"firescrypt fields", "$firescrypt$ln=14,r=8,p=1$" + pad16 + "$" + pad64 + "$Bw==", "has 5 $-separated fields; want 6"},
		{"firescrypt separator", "$firescrypt$ln=14,r=8,p=1$" + pad16 + "$" + pad64 + "$B$" + pad64, "salt separator is not valid base64"},
		{"md5-crypt long salt", "$1$ninechars$SN6/pUaRQS/E8Jh46As2C/", "at most 8"},
		{"md5-crypt short hash", "$1$salt$SN6/pUaRQS/E8Jh46As2C", "22 characters"},
		{"md5-crypt no salt field (Kratos's test)", "$md5-crypt$whuMjZj.HMFoaTaZRRtkO0", "has 2 $-separated fields; want 3"},
		{"md5-crypt empty hash (Kratos's test)", "$md5-crypt$$", "22 characters"},
		{"sha-crypt rounds under 1000", "$5$rounds=999$salt$" + sha256k, "at least 1000"},
		{"sha-crypt rounds not a number", "$5$rounds=1e6$salt$" + sha256k, "parameter rounds is not a decimal"},
		{"sha-crypt rounds without salt", "$5$rounds=5000$" + sha256k, "may not begin with rounds="},
		{"sha-crypt long salt", "$5$seventeen-chars--$" + sha256k, "at most 16"},
		{"sha-crypt hash length", "$6$salt$" + sha256k, "86 characters"},
		{"sha-crypt empty (Kratos's test)", "$sha256-crypt$$", "43 characters"},
		{"sha-crypt fields", "$6$rounds=5000$salt$x$y", "want $rounds=…$salt$hash"},
		{"ssha short (Kratos's test)", "{SSHA}tooshort", "want a 20-byte digest and a salt"},
		{"ssha no salt", "{SSHA256}" + pad32, "want a 32-byte digest and a salt"},
		{"ssha scheme (Kratos's test)", "{SSHAnotExistent}" + pad32, "{SSHA}, {SSHA256} or {SSHA512}"},
		{"ssha not base64", "{SSHA}" + salt16, "not valid base64"},
		{"ssha unclosed", "{SSHA" + pad32, "not a hash format"},
		{"sha pattern without password", "$sha1$pf=e1NBTFR9$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=", "does not hold {PASSWORD}"},
		{"sha empty pattern (Kratos's test)", "$sha1$pf=$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=", "does not hold {PASSWORD}"},
		{"sha no pf (Kratos's test)", "$sha1$$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=", "want pf=<pattern>"},
		{"sha missing pattern (Kratos's test)", "$sha1$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=", "want $pf=<pattern>$<salt>$<digest>"},
		{"sha salt not encoded (Kratos's test)", "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$5opmkgz03r$2qU2SGWP8viTM1md3FiI3+rjWXQ=", "salt is not valid base64"},
		{"sha digest length", "$sha256$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ=", "digest is 20 bytes; want 32"},
		{"md5 empty (Kratos's test)", "$md5$$", "want $pf=<pattern>$<salt>$<digest>"},
		{"md5 bad digest (Kratos's test)", "$md5$pf=MTIz$MTIz$Z", "digest is not valid base64"},
		{"md5 bad salt (Kratos's test)", "$md5$pf=e1BBU1NXT1JEfQ==$Z$CY9rzUYh03PK3k6DJie09g==", "salt is not valid base64"},
		{"md5 digest length", "$md5$" + pad32, "digest is 32 bytes; want 16"},
		{"hmac missing key (Kratos's test)", "$hmac-md5$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=", "has 2 $-separated fields; want 3"},
		{"hmac digest (Kratos's test)", "$hmac-invalid$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=", "unknown digest"},
		{"hmac not hex", "$hmac-md5$" + pad32 + "$MTIzNDU=", "not hexadecimal"},
		{"hmac MAC length", "$hmac-sha1$ZmU4Njk3Zjc0MmQwODA0MDVkMTI3MGU2MTYzMzE2Zjk=$MTIzNDU=", "MAC is 16 bytes; want 20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := h.Check(tc.hash)
			assertHashError(t, err, tc.hash, tc.want)
			ok, verr := h.Verify(context.Background(), "password", tc.hash)
			if ok || verr == nil || verr.Error() != err.Error() {
				t.Errorf("Verify = %t, %v; want Check's error", ok, verr)
			}
		})
	}
}

// assertHashError checks that err is InvalidArgument on hashed_password, holds want, and holds no
// salt, key or digest of hash: nothing of it but its identifier and its numbers.
func assertHashError(t *testing.T, err error, hash, want string) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.InvalidArgument || fe.Field != "hashed_password" {
		t.Fatalf("error %v: want InvalidArgument on hashed_password", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q: want it to say %q", err, want)
	}
	for i, part := range strings.FieldsFunc(hash, func(r rune) bool { return r == '$' || r == '}' }) {
		if (i > 0 || !strings.ContainsAny(hash[:1], "${")) && len(part) >= 6 && !strings.Contains(part, "=") && strings.Contains(err.Error(), part) {
			t.Errorf("error %q holds a part of the hash: %q", err, part)
		}
	}
}

// TestCheckBounds: a hash at each bound is accepted, one past it is refused with the bound's name.
func TestCheckBounds(t *testing.T) {
	h := newHasher(t)
	for _, tc := range []struct {
		name, atBound, overBound, bound string
	}{
		{"argon2 memory", "$argon2id$v=19$m=262144,t=1,p=1$" + salt16 + "$" + key32,
			"$argon2id$v=19$m=262145,t=1,p=1$" + salt16 + "$" + key32, "Argon2Memory"},
		{"argon2 lanes", "$argon2i$v=19$m=512,t=1,p=64$" + salt16 + "$" + key32,
			"$argon2i$v=19$m=520,t=1,p=65$" + salt16 + "$" + key32, "Argon2Parallelism"},
		{"argon2 work", "$argon2id$v=19$m=262144,t=4,p=1$" + salt16 + "$" + key32,
			"$argon2id$v=19$m=262144,t=5,p=1$" + salt16 + "$" + key32, "Argon2Work"},
		{"argon2 work by iterations", "$argon2id$v=19$m=8,t=131072,p=1$" + salt16 + "$" + key32,
			"$argon2id$v=19$m=8,t=131073,p=1$" + salt16 + "$" + key32, "Argon2Work"},
		{"bcrypt cost", "$2a$14$" + bcrypt53, "$2a$15$" + bcrypt53, "BcryptCost"},
		{"pbkdf2-sha256", "$pbkdf2-sha256$i=3000000,l=32$" + salt16 + "$" + key32,
			"$pbkdf2-sha256$i=3000001,l=32$" + salt16 + "$" + key32, "PBKDF2Work"},
		{"pbkdf2-sha1 with two blocks", "$pbkdf2-sha1$i=1500000,l=32$" + salt16 + "$" + key32,
			"$pbkdf2-sha1$i=1500001,l=32$" + salt16 + "$" + key32, "PBKDF2Work"},
		{"pbkdf2-sha1 with one block", "$pbkdf2-sha1$i=3000000,l=20$" + salt16 + "$dHdlbnR5LWJ5dGUta2V5LWhlcmU",
			"$pbkdf2-sha1$i=3000001,l=20$" + salt16 + "$dHdlbnR5LWJ5dGUta2V5LWhlcmU", "PBKDF2Work"},
		{"pbkdf2-sha512", "$pbkdf2-sha512$i=1000000,l=32$" + salt16 + "$" + key32,
			"$pbkdf2-sha512$i=1000001,l=32$" + salt16 + "$" + key32, "PBKDF2Work"},
		{"pbkdf2-sha224 (SHA3-224)", "$pbkdf2-sha224$i=250000,l=32$" + salt16 + "$" + key32,
			"$pbkdf2-sha224$i=250001,l=32$" + salt16 + "$" + key32, "PBKDF2Work"},
		{"pbkdf2-sha384 (SHA3-384)", "$pbkdf2-sha384$i=500000,l=32$" + salt16 + "$" + key32,
			"$pbkdf2-sha384$i=500001,l=32$" + salt16 + "$" + key32, "PBKDF2Work"},
		{"scrypt N with r under 8", "$scrypt$ln=131072,r=1,p=1$" + pad16 + "$" + pad32,
			"$scrypt$ln=262144,r=1,p=1$" + pad16 + "$" + pad32, "ScryptWork"},
		{"scrypt N", "$scrypt$ln=131072,r=8,p=1$" + pad16 + "$" + pad32,
			"$scrypt$ln=262144,r=8,p=1$" + pad16 + "$" + pad32, "ScryptWork"},
		{"scrypt N × r × p", "$scrypt$ln=16384,r=8,p=8$" + pad16 + "$" + pad32,
			"$scrypt$ln=16384,r=8,p=9$" + pad16 + "$" + pad32, "ScryptWork"},
		{"scrypt r", "$scrypt$ln=2,r=524288,p=1$" + pad16 + "$" + pad32,
			"$scrypt$ln=2,r=524289,p=1$" + pad16 + "$" + pad32, "ScryptWork"},
		{"firescrypt", "$firescrypt$ln=17,r=8,p=1$" + pad16 + "$" + pad64 + "$Bw==$" + pad64,
			"$firescrypt$ln=18,r=8,p=1$" + pad16 + "$" + pad64 + "$Bw==$" + pad64, "ScryptWork"},
		{"sha256-crypt rounds", "$5$rounds=1000000$salt$" + sha256k, "$5$rounds=1000001$salt$" + sha256k, "SHACryptRounds"},
		{"sha512-crypt rounds", "$sha512-crypt$rounds=1000000$salt$" + sha256k + sha256k[:43],
			"$sha512-crypt$rounds=1000001$salt$" + sha256k + sha256k[:43], "SHACryptRounds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := h.Check(tc.atBound); err != nil {
				t.Errorf("Check at the bound: %v", err)
			}
			assertHashError(t, h.Check(tc.overBound), tc.overBound, "bound "+tc.bound)
		})
	}
}

// TestVerifyAppliesBounds: a hash that verifies under the default bounds is refused, unhashed, by
// a Hasher whose bound is lower, as a hash stored before the bound was lowered would be.
func TestVerifyAppliesBounds(t *testing.T) {
	for _, tc := range []struct {
		password, hash string
		bounds         password.Bounds
		bound          string
	}{
		{"hello", "$6$rounds=20000$mkpasswdsalt$Rj6C6Fal6ltCBl1HJMEfhRe.OaCkahEWL4r5dPzXda9oLKS19CNtXwtXruy50lpXIa/FyqosGb/l8v/2EPGna/",
			password.Bounds{SHACryptRounds: 10000}, "SHACryptRounds"},
		{"test", "$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c",
			password.Bounds{Argon2Memory: 32 << 10}, "Argon2Memory"},
		{"hello", "$scrypt$ln=16384,r=8,p=1$c2NyeXB0IHNhbHQgMTYzODQ=$6TcsvsggigR7tMDKBfhv8Ri3Lzg9t0c4ePMo24FbkGs=",
			password.Bounds{ScryptWork: 1 << 16}, "ScryptWork"},
		{"test", "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
			password.Bounds{PBKDF2Work: 50000}, "PBKDF2Work"},
		{"hello", "$2b$06$AHFRxrj97rzcjtLWIeLifuCoSs3RStYNRTKMiysK37zBmghXBk2Sm", password.Bounds{BcryptCost: 5}, "BcryptCost"},
	} {
		t.Run(tc.bound, func(t *testing.T) {
			ctx := context.Background()
			if ok, err := newHasher(t).Verify(ctx, tc.password, tc.hash); !ok || err != nil {
				t.Fatalf("under the default bounds, Verify = %t, %v; want true", ok, err)
			}
			low := newHasher(t, password.WithArgon2id(cheapArgon2), password.WithBcrypt(4), password.WithBounds(tc.bounds))
			ok, err := low.Verify(ctx, tc.password, tc.hash)
			if ok {
				t.Error("Verify under a lower bound = true")
			}
			assertHashError(t, err, tc.hash, "bound "+tc.bound)
		})
	}
}

// TestSHACryptPasswordLength: sha-crypt's time grows with the password, so Verify admits, for a
// hash of many rounds, only passwords short enough to stay within Bounds.SHACryptRounds.
func TestSHACryptPasswordLength(t *testing.T) {
	ctx := context.Background()
	h := newHasher(t, password.WithBounds(password.Bounds{SHACryptRounds: 10000}))
	// 10000 × 128 / 8000 − 64 = 96 bytes for 8000 rounds; a hash of the default 5000 admits 192.
	const hash8000 = "$5$rounds=8000$salt$" + sha256k
	const hash5000 = "$6$short$cm3kNAiahGJTF7aHT2TeJFZVxTJKyp0kaYyIUgDVGDNugj0qk7jjwMWccqCotrUh3rGGLobfTjLE.Se33FuZW1"
	for _, tc := range []struct {
		length int
		hash   string
		refuse bool
	}{
		{96, hash8000, false},
		{97, hash8000, true},
		{192, hash5000, false},
		{193, hash5000, true},
	} {
		ok, err := h.Verify(ctx, strings.Repeat("p", tc.length), tc.hash)
		var pe *password.PolicyError
		switch {
		case tc.refuse && (!errors.As(err, &pe) || pe.Reason != password.ReasonTooLong || pe.MaxLength != tc.length-1):
			t.Errorf("%d bytes: Verify = %t, %v; want a too_long PolicyError with max %d", tc.length, ok, err, tc.length-1)
		case !tc.refuse && (ok || err != nil):
			t.Errorf("%d bytes: Verify = %t, %v; want false, nil (a wrong password)", tc.length, ok, err)
		}
	}
}
