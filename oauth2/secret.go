package oauth2

import (
	"errors"

	"golang.org/x/crypto/bcrypt"

	"github.com/wardhq/ward/fault"
)

// Client secrets are hashed with bcrypt at SecretCost. The choice, against argon2id:
//
//   - ward generates secrets ([NewSecret]: 256 random bits), so no KDF is needed against guessing;
//     the hash is defence in depth for a stolen database, and bcrypt's cost serves that.
//   - Verification runs on the public token endpoint for anyone who presents a client ID. argon2id is
//     memory-hard by design (tens of MiB per verification at recommended settings), which hands an
//     unauthenticated caller a memory-exhaustion lever; bcrypt needs 4 KiB.
//   - bcrypt's hash is self-describing ($2a$<cost>$<salt><hash>) and golang.org/x/crypto/bcrypt
//     parses it and compares in constant time: no home-made encoding of parameters to get wrong.
//
// Its 72-byte input limit does not bind: a generated secret is 43 bytes, and [HashSecret] refuses
// longer ones. At cost 10 a verification takes tens of milliseconds, so the token endpoint should
// remember a successful verification (keyed by the client ID and the stored hash, holding a SHA-256
// of the secret) instead of repeating it for every request.
const SecretCost = 10

// Bounds on a client secret's length, in bytes.
const (
	MinSecretLength = 32
	MaxSecretLength = 72 // bcrypt's limit
)

// NewSecret returns a new client secret: 32 bytes from crypto/rand, base64url without padding (43
// characters), never starting with '-' (see [randomText]).
func NewSecret() string {
	return randomText(32)
}

// HashSecret returns the hash to store for a client secret. A secret must be MinSecretLength to
// MaxSecretLength bytes; the error is InvalidArgument on "client_secret" and never holds the secret.
func HashSecret(secret string) (string, error) {
	if len(secret) < MinSecretLength || len(secret) > MaxSecretLength {
		return "", fault.Invalid("client_secret", "a client secret must be %d to %d bytes long; this one is %d",
			MinSecretLength, MaxSecretLength, len(secret))
	}
	h, err := bcrypt.GenerateFromPassword([]byte(secret), SecretCost)
	if err != nil {
		return "", fault.Wrap(fault.Internal, err, "cannot hash the client secret")
	}
	return string(h), nil
}

// VerifySecret checks a presented secret against a stored hash, in constant time. It returns nil on
// a match, invalid_client when the secret is wrong (any length outside the bounds is wrong without
// hashing), and an Internal [fault.Error] when the stored hash cannot be read. No error holds the
// secret.
func VerifySecret(hash, secret string) error {
	if len(secret) < MinSecretLength || len(secret) > MaxSecretLength {
		return InvalidClient("client authentication failed").WithCause(errors.New("the secret has the wrong length"))
	}
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(secret))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return InvalidClient("client authentication failed").WithCause(errors.New("the secret does not match"))
	}
	return fault.Wrap(fault.Internal, err, "the stored client secret hash is unreadable")
}

// validateSecretHash checks that a stored hash is one VerifySecret can read.
func validateSecretHash(hash string) error {
	if _, err := bcrypt.Cost([]byte(hash)); err != nil {
		return fault.Invalid("secret_hash", "not a bcrypt hash")
	}
	return nil
}
