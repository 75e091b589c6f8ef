package password

import "fmt"

// Bounds caps the work parameters of the hashes a [Hasher] accepts, so that no stored or imported
// hash makes a login cost more than about a second, nor more memory than the limits below, on the
// 2-core machines ward is measured on (see BenchmarkVerifyAtBound). [Hasher.Check] and
// [Hasher.Verify] apply them alike, so that a hash stored before a bound was lowered is still held
// to it. A zero field takes its default.
type Bounds struct {
	// Argon2Memory is the most memory an argon2 hash may use, in KiB. Default 262144 (256 MiB):
	// twice Kratos's default of 128 MB, so that hashes made by a Kratos with default settings import.
	Argon2Memory int
	// Argon2Parallelism is the most lanes an argon2 hash may have. Default 64: Kratos's default is
	// 2 × its CPU count, which this admits up to a 32-core host.
	Argon2Parallelism int
	// Argon2Work is the most memory × iterations (KiB × passes) an argon2 hash may ask for: its
	// time. Default 1048576 (1 GiB in all, such as 256 MiB × 4 or 64 MiB × 16).
	Argon2Work int
	// BcryptCost is the highest bcrypt cost. Default 14 (each step doubles the time; Kratos's
	// default is 12).
	BcryptCost int
	// PBKDF2Work bounds iterations × output blocks × the digest's weight: its time per iteration
	// relative to SHA-256's, 1 for SHA-1 and SHA-256, 3 for SHA-512, 6 for SHA3-224 and SHA3-384
	// (Kratos's sha224 and sha384). An output block is the digest's size: a 32-byte key of SHA-1 is
	// two. Default 3,000,000: 3 million iterations of SHA-256 with a 32-byte key, 1 million of
	// SHA-512, 1.5 million of SHA-1 with a 32-byte key or 3 million with a 20-byte one.
	PBKDF2Work int
	// ScryptWork bounds N × max(r, 8) × p for scrypt and Firebase scrypt, which also bounds their
	// memory, 128 × N × r bytes. Default 1048576 (2^20: N=2^17 with r=8, at most 128 MiB).
	ScryptWork int
	// SHACryptRounds is the most rounds a sha256-crypt or sha512-crypt hash may have, counted for a
	// password of 64 bytes. sha-crypt's time grows with the password's length, so Verify refuses a
	// password too long for a hash's rounds to stay within this bound. Default 1,000,000 (more
	// than passlib's defaults of 535,000 and 656,000 rounds).
	SHACryptRounds int
}

// DefaultBounds returns the bounds a [Hasher] applies unless [WithBounds] says otherwise.
func DefaultBounds() Bounds {
	return Bounds{
		Argon2Memory:      256 << 10,
		Argon2Parallelism: 64,
		Argon2Work:        1 << 20,
		BcryptCost:        14,
		PBKDF2Work:        3_000_000,
		ScryptWork:        1 << 20,
		SHACryptRounds:    1_000_000,
	}
}

// withDefaults returns b with each zero field set to its default.
func (b Bounds) withDefaults() Bounds {
	d := DefaultBounds()
	for _, f := range []struct{ v, def *int }{
		{&b.Argon2Memory, &d.Argon2Memory}, {&b.Argon2Parallelism, &d.Argon2Parallelism},
		{&b.Argon2Work, &d.Argon2Work}, {&b.BcryptCost, &d.BcryptCost}, {&b.PBKDF2Work, &d.PBKDF2Work},
		{&b.ScryptWork, &d.ScryptWork}, {&b.SHACryptRounds, &d.SHACryptRounds},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return b
}

// validate reports a bound that cannot be met by any hash.
func (b Bounds) validate() error {
	switch {
	case b.Argon2Memory < 8 || b.Argon2Parallelism < 1 || b.Argon2Parallelism > 255 || b.Argon2Work < 8:
		return fmt.Errorf("password: argon2 bounds must be at least 8 KiB and 8 KiB·passes, and 1 to 255 lanes")
	case b.BcryptCost < bcryptMinCost || b.BcryptCost > bcryptMaxCost:
		return fmt.Errorf("password: the bcrypt cost bound must be %d to %d", bcryptMinCost, bcryptMaxCost)
	case b.PBKDF2Work < 1 || b.ScryptWork < 2 || b.SHACryptRounds < shaCryptMinRounds || b.SHACryptRounds > shaCryptMaxRounds:
		return fmt.Errorf("password: the pbkdf2 and scrypt bounds must be positive, the sha-crypt bound %d to %d rounds",
			shaCryptMinRounds, shaCryptMaxRounds)
	}
	return nil
}
