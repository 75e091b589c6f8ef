package password_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/wardhq/ward/identity/password"
)

// Benchmarks report ns/op and hashes/s. Run the parallel ones with -cpu 1,2: each Hasher runs
// GOMAXPROCS hashes at once, so -cpu 2 shows what the concurrency bound lets two cores do.
//
//	go test ./identity/password -run '^$' -bench . -benchtime 10x -cpu 1,2

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}

func benchHash(b *testing.B, opts ...password.Option) {
	h := newHasher(b, opts...)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

func benchHashParallel(b *testing.B, opts ...password.Option) {
	h := newHasher(b, opts...)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
				b.Error(err)
			}
		}
	})
	reportRate(b)
}

func benchVerify(b *testing.B, parallel bool, opts ...password.Option) {
	h := newHasher(b, opts...)
	ctx := context.Background()
	encoded, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	verify := func() {
		if ok, err := h.Verify(ctx, "correct horse battery staple", encoded); !ok || err != nil {
			b.Error("Verify failed", err)
		}
	}
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				verify()
			}
		})
	} else {
		for range b.N {
			verify()
		}
	}
	reportRate(b)
}

// BenchmarkHashArgon2id hashes with the defaults (DefaultArgon2Params).
func BenchmarkHashArgon2id(b *testing.B)         { benchHash(b) }
func BenchmarkHashArgon2idParallel(b *testing.B) { benchHashParallel(b) }
func BenchmarkHashBcrypt12(b *testing.B)         { benchHash(b, password.WithBcrypt(12)) }
func BenchmarkHashBcrypt12Parallel(b *testing.B) { benchHashParallel(b, password.WithBcrypt(12)) }

func BenchmarkVerifyArgon2id(b *testing.B)         { benchVerify(b, false) }
func BenchmarkVerifyArgon2idParallel(b *testing.B) { benchVerify(b, true) }
func BenchmarkVerifyBcrypt12(b *testing.B)         { benchVerify(b, false, password.WithBcrypt(12)) }
func BenchmarkVerifyBcrypt12Parallel(b *testing.B) { benchVerify(b, true, password.WithBcrypt(12)) }

// BenchmarkArgon2idCalibration hashes with the candidates for the defaults: OWASP's first
// recommendation (46 MiB, t=1), ward's (64 MiB, t=2, p=1) and its neighbours, and Kratos's
// default (128 MB, t=1, p=2×NumCPU, here 4).
func BenchmarkArgon2idCalibration(b *testing.B) {
	for _, p := range []password.Argon2Params{
		{Memory: 46 << 10, Iterations: 1, Parallelism: 1},
		{Memory: 64 << 10, Iterations: 1, Parallelism: 1},
		{Memory: 64 << 10, Iterations: 2, Parallelism: 1},
		{Memory: 64 << 10, Iterations: 2, Parallelism: 2},
		{Memory: 64 << 10, Iterations: 3, Parallelism: 1},
		{Memory: 128 << 10, Iterations: 1, Parallelism: 1},
		{Memory: 128 << 10, Iterations: 1, Parallelism: 4},
	} {
		p.SaltLength, p.KeyLength = 16, 32
		b.Run(fmt.Sprintf("m=%dMiB,t=%d,p=%d", p.Memory>>10, p.Iterations, p.Parallelism), func(b *testing.B) {
			benchHash(b, password.WithArgon2id(p))
		})
	}
}

// BenchmarkVerifyAtBound verifies, for each format, the most expensive hash the default Bounds
// admit, with the longest password admitted where its length matters. A wrong password costs the
// same work as the right one, so the keys are arbitrary. Run with -benchtime 3x.
func BenchmarkVerifyAtBound(b *testing.B) {
	const (
		s16  = salt16
		k32  = key32
		p16  = pad16
		p32  = pad32
		p64  = pad64
		k43  = sha256k
		k86  = sha256k + sha256k
		md5k = "SN6/pUaRQS/E8Jh46As2C/"
	)
	// 650 bytes of pattern, 868 in base64: the hash is near its length bound of 1024.
	patternB64 := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("{PASSWORD}", 65)))
	short, long := strings.Repeat("p", 64), strings.Repeat("p", password.MaxLength)
	for _, tc := range []struct {
		name, password, hash string
	}{
		{"argon2id-256MiB-t4", short, "$argon2id$v=19$m=262144,t=4,p=1$" + s16 + "$" + k32},
		{"argon2id-256MiB-t4-p64", short, "$argon2id$v=19$m=262144,t=4,p=64$" + s16 + "$" + k32},
		{"argon2id-8KiB-t131072", short, "$argon2id$v=19$m=8,t=131072,p=1$" + s16 + "$" + k32},
		{"bcrypt-14", short, "$2a$14$" + bcrypt53},
		{"pbkdf2-sha1-1.5M-2blocks", short, "$pbkdf2-sha1$i=1500000,l=32$" + s16 + "$" + k32},
		{"pbkdf2-sha256-3M", short, "$pbkdf2-sha256$i=3000000,l=32$" + s16 + "$" + k32},
		{"pbkdf2-sha512-1M", short, "$pbkdf2-sha512$i=1000000,l=32$" + s16 + "$" + k32},
		{"pbkdf2-sha3-224-250k-2blocks", short, "$pbkdf2-sha224$i=250000,l=32$" + s16 + "$" + k32},
		{"pbkdf2-sha3-384-500k", short, "$pbkdf2-sha384$i=500000,l=32$" + s16 + "$" + k32},
		{"scrypt-N2^17-r8", short, "$scrypt$ln=131072,r=8,p=1$" + p16 + "$" + p32},
		{"scrypt-N2^17-r1", short, "$scrypt$ln=131072,r=1,p=1$" + p16 + "$" + p32},
		{"scrypt-N2^14-r8-p8", short, "$scrypt$ln=16384,r=8,p=8$" + p16 + "$" + p32},
		{"firescrypt-ln17-r8", short, "$firescrypt$ln=17,r=8,p=1$" + p16 + "$" + p64 + "$Bw==$" + p64},
		{"sha512-crypt-1M-64B", short, "$6$rounds=1000000$saltsaltsaltsalt$" + k86[:86]},
		{"sha256-crypt-1M-64B", short, "$5$rounds=1000000$saltsaltsaltsalt$" + k43},
		{"sha512-crypt-656000-131B", strings.Repeat("p", 131), "$6$rounds=656000$saltsaltsaltsalt$" + k86[:86]},
		{"sha512-crypt-5000-1024B", long, "$6$saltsaltsaltsalt$" + k86[:86]},
		{"md5-crypt-1024B", long, "$1$saltsalt$" + md5k},
		{"sha512-pattern-1024B", long, "$sha512$pf=" + patternB64 + "$c2FsdA==$" + p64},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := newHasher(b, password.WithMaxConcurrent(1))
			if err := h.Check(tc.hash); err != nil {
				b.Fatalf("the hash is not within the bounds: %v", err)
			}
			ctx := context.Background()
			for b.Loop() {
				if ok, err := h.Verify(ctx, tc.password, tc.hash); ok || err != nil {
					b.Fatalf("Verify = %t, %v; want false, nil", ok, err)
				}
			}
			reportRate(b)
		})
	}
}
