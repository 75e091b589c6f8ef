package password

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// MaxLength is the longest password, in bytes, that ward hashes or verifies; [Policy] refuses
// longer ones at registration. It bounds the work of the formats whose time grows with the
// password (sha-crypt, md5-crypt) and of the policy's similarity check.
const MaxLength = 1024

// Algorithm is the algorithm a [Hasher] writes new hashes with.
type Algorithm string

// The algorithms ward hashes with, as Kratos's hashers.algorithm offers them.
const (
	Argon2id Algorithm = "argon2id"
	Bcrypt   Algorithm = "bcrypt"
)

// Argon2Params are the parameters of the argon2id hashes a Hasher writes.
type Argon2Params struct {
	Memory      uint32 // KiB
	Iterations  uint32 // passes over the memory
	Parallelism uint8  // lanes, each computed by its own goroutine
	SaltLength  uint32 // bytes
	KeyLength   uint32 // bytes
}

// DefaultArgon2Params returns the argon2id parameters a Hasher uses unless [WithArgon2id] says
// otherwise: 64 MiB, 2 passes, 1 lane, a 16-byte salt and a 32-byte key.
//
// Why these, measured with BenchmarkArgon2idCalibration and BenchmarkHashArgon2id on ward's 2-core
// reference machine: one hash takes about 85 ms (one pass about 42), tens of milliseconds as a
// login should. That is the work of Kratos's default (128 MB, t=1) and nearly three times OWASP's
// first argon2id recommendation (46 MiB, t=1, p=1). 64 MiB keeps each guess dear in memory on an
// attacker's hardware; the second pass doubles the time without doubling what a server holds per
// login, which the concurrency bound caps at GOMAXPROCS × 64 MiB (128 MiB here). One lane because
// logins arrive concurrently: more lanes shorten one hash on an idle machine but add no hashes
// per second to a busy one, and the lane count is written into every hash, so Kratos's default of
// 2 × NumCPU would make every host of another size rehash every password ([Hasher.NeedsRehash]).
func DefaultArgon2Params() Argon2Params {
	return Argon2Params{Memory: 64 << 10, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

// DefaultBcryptCost is the bcrypt cost of [WithBcrypt](0), Kratos's default.
const DefaultBcryptCost = 12

// Option configures a [Hasher].
type Option interface{ apply(*hasherConfig) }

type optionFunc func(*hasherConfig)

func (f optionFunc) apply(c *hasherConfig) { f(c) }

type hasherConfig struct {
	algorithm  Algorithm
	argon2     Argon2Params
	bcryptCost int
	concurrent int
	bounds     Bounds
}

// WithArgon2id makes the Hasher write argon2id hashes with p. This is the default, with
// [DefaultArgon2Params].
func WithArgon2id(p Argon2Params) Option {
	return optionFunc(func(c *hasherConfig) { c.algorithm, c.argon2 = Argon2id, p })
}

// WithBcrypt makes the Hasher write bcrypt hashes of the given cost; 0 means [DefaultBcryptCost].
// bcrypt reads only 72 bytes of a password, so a bcrypt Hasher refuses longer ones
// ([Hasher.MaxPasswordLength]).
func WithBcrypt(cost int) Option {
	return optionFunc(func(c *hasherConfig) {
		c.algorithm, c.bcryptCost = Bcrypt, cost
		if cost == 0 {
			c.bcryptCost = DefaultBcryptCost
		}
	})
}

// WithMaxConcurrent bounds how many hashes and verifications the Hasher runs at once; the others
// wait for a slot or for their context. The default is GOMAXPROCS: hashing is CPU-bound, so more
// at once would not raise the hashes per second, only the memory held (argon2id's 64 MiB each).
func WithMaxConcurrent(n int) Option {
	return optionFunc(func(c *hasherConfig) { c.concurrent = n })
}

// WithBounds sets the bounds on the work parameters of the hashes the Hasher verifies; zero fields
// keep [DefaultBounds]' values.
func WithBounds(b Bounds) Option {
	return optionFunc(func(c *hasherConfig) { c.bounds = b })
}

// Hasher hashes new passwords with its configured algorithm and verifies hashes of every format
// Kratos imports (see the package documentation), within its [Bounds]. It is safe for concurrent
// use.
type Hasher struct {
	cfg   hasherConfig
	slots slots
}

// NewHasher returns a Hasher; by default it writes argon2id with [DefaultArgon2Params], runs
// GOMAXPROCS hashes at once and applies [DefaultBounds]. Its own parameters must be within the
// bounds, or it would write hashes it refuses to read.
func NewHasher(opts ...Option) (*Hasher, error) {
	cfg := hasherConfig{algorithm: Argon2id, argon2: DefaultArgon2Params(), bcryptCost: DefaultBcryptCost,
		concurrent: runtime.GOMAXPROCS(0)}
	for _, o := range opts {
		o.apply(&cfg)
	}
	cfg.bounds = cfg.bounds.withDefaults()
	if err := cfg.bounds.validate(); err != nil {
		return nil, err
	}
	if cfg.concurrent < 1 {
		return nil, errors.New("password: the number of concurrent hashes must be positive")
	}
	switch cfg.algorithm {
	case Argon2id:
		p, b := cfg.argon2, cfg.bounds
		switch {
		case p.Iterations < 1 || p.Parallelism < 1 || p.Memory < 8*uint32(p.Parallelism):
			return nil, errors.New("password: argon2id needs at least 1 pass, 1 lane and 8 KiB of memory per lane")
		case p.SaltLength < 16 || p.KeyLength < 16 || p.SaltLength > 64 || p.KeyLength > 64:
			return nil, errors.New("password: argon2id salt and key lengths must be 16 to 64 bytes (Kratos's minimum is 16)")
		case int(p.Memory) > b.Argon2Memory || int(p.Parallelism) > b.Argon2Parallelism ||
			uint64(p.Memory)*uint64(p.Iterations) > uint64(b.Argon2Work):
			return nil, errors.New("password: the argon2id parameters exceed the Hasher's bounds")
		}
	case Bcrypt:
		if cfg.bcryptCost < bcryptMinCost || cfg.bcryptCost > cfg.bounds.BcryptCost {
			return nil, fmt.Errorf("password: the bcrypt cost must be %d to the bound %d", bcryptMinCost, cfg.bounds.BcryptCost)
		}
	default:
		return nil, fmt.Errorf("password: unknown algorithm %q; argon2id and bcrypt are supported", cfg.algorithm)
	}
	return &Hasher{cfg: cfg, slots: make(slots, cfg.concurrent)}, nil
}

// String describes the Hasher's configuration, such as "argon2id m=65536 t=2 p=1, 2 at once".
func (h *Hasher) String() string {
	c := h.cfg
	if c.algorithm == Bcrypt {
		return fmt.Sprintf("bcrypt cost=%d, %d at once", c.bcryptCost, c.concurrent)
	}
	return fmt.Sprintf("argon2id m=%d t=%d p=%d, %d at once", c.argon2.Memory, c.argon2.Iterations, c.argon2.Parallelism, c.concurrent)
}

// Algorithm returns the algorithm the Hasher writes.
func (h *Hasher) Algorithm() Algorithm { return h.cfg.algorithm }

// MaxPasswordLength returns the longest password, in bytes, that [Hasher.Hash] accepts: 72 for
// bcrypt, which reads no more, and [MaxLength] for argon2id. Pass it to [WithMaxLength] so that
// registration refuses what the Hasher would.
func (h *Hasher) MaxPasswordLength() int {
	if h.cfg.algorithm == Bcrypt {
		return bcryptMaxLength
	}
	return MaxLength
}

// Hash returns the encoded hash of password, with a fresh random salt. A password longer than
// [Hasher.MaxPasswordLength] is refused with a [*PolicyError] of [ReasonTooLong]. Hash waits for
// a free slot (see [WithMaxConcurrent]) and returns ctx's error if ctx ends first.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if limit := h.MaxPasswordLength(); len(password) > limit {
		return "", &PolicyError{Reason: ReasonTooLong, MaxLength: limit, ActualLength: len(password)}
	}
	var encoded string
	var err error
	if runErr := h.slots.run(ctx, func() { encoded, err = h.hash([]byte(password)) }); runErr != nil {
		return "", runErr
	}
	return encoded, err
}

func (h *Hasher) hash(password []byte) (string, error) {
	if h.cfg.algorithm == Bcrypt {
		b, err := bcrypt.GenerateFromPassword(password, h.cfg.bcryptCost)
		if err != nil {
			return "", fmt.Errorf("password: bcrypt: %w", err)
		}
		return string(b), nil
	}
	p := h.cfg.argon2
	salt := make([]byte, p.SaltLength)
	rand.Read(salt) // never fails (crypto/rand, Go 1.24+)
	key := argon2.IDKey(password, salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
	return encodeArgon2id(p, salt, key), nil
}

// Verify reports whether password matches encodedHash, a hash of any supported format. A wrong
// password is (false, nil). A malformed hash, or one whose parameters exceed the Hasher's
// [Bounds], is a [fault.InvalidArgument] error naming what is wrong or the bound, and nothing is
// hashed. A password longer than [MaxLength], or than a sha-crypt hash's rounds allow within
// Bounds.SHACryptRounds, is refused with a [*PolicyError] of [ReasonTooLong] without hashing.
// Verify waits for a free slot and returns ctx's error if ctx ends first. Keys are compared in
// constant time.
func (h *Hasher) Verify(ctx context.Context, password, encodedHash string) (bool, error) {
	d, err := parse(encodedHash, &h.cfg.bounds)
	if err != nil {
		return false, err
	}
	limit := MaxLength
	if l, ok := d.(lengthLimited); ok {
		limit = l.maxPasswordLength()
	}
	if len(password) > limit {
		return false, &PolicyError{Reason: ReasonTooLong, MaxLength: limit, ActualLength: len(password)}
	}
	var ok bool
	if err := h.slots.run(ctx, func() { ok = d.match([]byte(password)) }); err != nil {
		return false, err
	}
	return ok, nil
}

// VerifyAbsent spends the time and the slot a Verify against one of the Hasher's own hashes would,
// and matches nothing: call it when a login's identifier matches no identity, so that the answer's
// timing does not tell whether the identity exists (Kratos sleeps a random delay instead). It
// returns ctx's error if ctx ends before a slot is free, and nil otherwise.
func (h *Hasher) VerifyAbsent(ctx context.Context, password string) error {
	if len(password) > h.MaxPasswordLength() {
		password = password[:h.MaxPasswordLength()]
	}
	return h.slots.run(ctx, func() { _, _ = h.hash([]byte(password)) })
}

// Check validates a hash to be imported (credentials.password.config.hashed_password) as
// [Hasher.Verify] would read it: its format and the bounds on its work. It returns nil or a
// [fault.InvalidArgument] error on field "hashed_password" that names what is wrong, never the
// hash itself. It hashes nothing.
func (h *Hasher) Check(encodedHash string) error {
	_, err := parse(encodedHash, &h.cfg.bounds)
	return err
}

// NeedsRehash reports whether encodedHash is anything but what the Hasher writes now: another
// format, other parameters, or unreadable. After a successful [Hasher.Verify], the identity
// domain replaces such a hash with [Hasher.Hash] of the same password (Kratos does the same when
// the stored hash is not of its configured algorithm).
func (h *Hasher) NeedsRehash(encodedHash string) bool {
	d, err := parse(encodedHash, &h.cfg.bounds)
	if err != nil {
		return true
	}
	switch d := d.(type) {
	case *argon2Digest:
		return h.cfg.algorithm != Argon2id || !d.current(h.cfg.argon2)
	case *bcryptDigest:
		return h.cfg.algorithm != Bcrypt || d.cost != h.cfg.bcryptCost
	}
	return true
}
