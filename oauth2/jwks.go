package oauth2

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"

	"github.com/wardhq/ward/fault"
)

// Limits on a client's JSON Web Key Set.
const (
	MaxJWKSBytes   = 64 << 10
	MaxJWKSKeys    = 16
	MinRSAKeyBits  = 2048
	maxRSAExponent = 1<<31 - 1
)

// PublicKey is one key of a client's JSON Web Key Set, for verifying the client's assertions
// (private_key_jwt, RFC 7523).
type PublicKey struct {
	ID        string           // "kid"; may be empty when the set holds one key
	Algorithm string           // "alg", such as "RS256"; empty when the key does not restrict it
	Key       crypto.PublicKey // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
}

// Algorithms returns the JWS algorithms the key may verify: its Algorithm, or every algorithm its
// type supports when the set does not name one.
func (k PublicKey) Algorithms() []string {
	if k.Algorithm != "" {
		return []string{k.Algorithm}
	}
	switch key := k.Key.(type) {
	case *rsa.PublicKey:
		return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	case *ecdsa.PublicKey:
		return []string{curveAlgorithm[key.Curve.Params().Name]}
	case ed25519.PublicKey:
		return []string{"EdDSA"}
	}
	return nil
}

var curveAlgorithm = map[string]string{"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}

var curves = map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}

// jwk holds the members of a public key (RFC 7517, RFC 7518 §6, RFC 8037) that ward reads.
type jwk struct {
	Kty, Kid, Use, Alg string
	N, E               string // RSA
	Crv, X, Y          string // EC and OKP
}

// privateMembers are the JWK members that carry private or symmetric key material (RFC 7518 §6).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// ParseJWKS parses a JSON Web Key Set (RFC 7517 §5) of public signature keys: RSA of at least
// MinRSAKeyBits, EC on P-256, P-384 or P-521, and Ed25519. It refuses a set with private or symmetric
// key material, a key whose "use" is not "sig", an "alg" that does not fit the key, duplicate kids,
// and more than one key without a kid each. The error is InvalidArgument naming the key
// ("keys[1].x").
func ParseJWKS(data []byte) ([]PublicKey, error) {
	if len(data) > MaxJWKSBytes {
		return nil, fault.Invalid("", "the key set is %d bytes long; the limit is %d", len(data), MaxJWKSBytes)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&set); err != nil {
		return nil, fault.Invalid("", "not a JSON Web Key Set: %v", err)
	}
	if dec.More() {
		return nil, fault.Invalid("", "not a JSON Web Key Set: data after the set")
	}
	switch {
	case len(set.Keys) == 0:
		return nil, fault.Invalid("keys", "the key set holds no keys")
	case len(set.Keys) > MaxJWKSKeys:
		return nil, fault.Invalid("keys", "the key set holds %d keys; the limit is %d", len(set.Keys), MaxJWKSKeys)
	}
	keys := make([]PublicKey, len(set.Keys))
	seen := map[string]bool{}
	for i, raw := range set.Keys {
		k, err := parseJWK(raw)
		if err != nil {
			return nil, fault.InField(fmt.Sprintf("keys[%d]", i), err)
		}
		switch {
		case k.ID == "" && len(set.Keys) > 1:
			return nil, fault.Invalid(fmt.Sprintf("keys[%d].kid", i), "a set of several keys needs a kid on each")
		case seen[k.ID]:
			return nil, fault.Invalid(fmt.Sprintf("keys[%d].kid", i), "kid %q appears twice", truncate(k.ID))
		}
		seen[k.ID] = true
		keys[i] = k
	}
	return keys, nil
}

func parseJWK(raw json.RawMessage) (PublicKey, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return PublicKey{}, fault.Invalid("", "a key must be a JSON object")
	}
	for _, m := range privateMembers {
		if _, ok := members[m]; ok {
			return PublicKey{}, fault.Invalid(m, "the key set must hold public keys only")
		}
	}
	// Members are read by their exact names: encoding/json would match struct fields case-insensitively.
	var k jwk
	for _, m := range []struct {
		name string
		dst  *string
	}{
		{"kty", &k.Kty}, {"kid", &k.Kid}, {"use", &k.Use}, {"alg", &k.Alg},
		{"n", &k.N}, {"e", &k.E}, {"crv", &k.Crv}, {"x", &k.X}, {"y", &k.Y},
	} {
		if v, ok := members[m.name]; ok {
			if err := json.Unmarshal(v, m.dst); err != nil {
				return PublicKey{}, fault.Invalid(m.name, "must be a string")
			}
		}
	}
	if k.Use != "" && k.Use != "sig" {
		return PublicKey{}, fault.Invalid("use", "a client key must be for signatures (\"sig\"), not %q", truncate(k.Use))
	}
	pk := PublicKey{ID: k.Kid, Algorithm: k.Alg}
	var err error
	switch k.Kty {
	case "RSA":
		pk.Key, err = parseRSA(k)
	case "EC":
		pk.Key, err = parseEC(k)
	case "OKP":
		pk.Key, err = parseOKP(k)
	case "":
		return PublicKey{}, fault.Invalid("kty", "the key type is missing")
	default:
		return PublicKey{}, fault.Invalid("kty", "key type %q is not supported; use RSA, EC or OKP", truncate(k.Kty))
	}
	if err != nil {
		return PublicKey{}, err
	}
	if k.Alg != "" {
		if algs := (PublicKey{Key: pk.Key}).Algorithms(); !slices.Contains(algs, k.Alg) {
			return PublicKey{}, fault.Invalid("alg", "algorithm %q does not fit this key; it may be one of %v", truncate(k.Alg), algs)
		}
	}
	return pk, nil
}

func parseRSA(k jwk) (crypto.PublicKey, error) {
	n, err := decodeB64Int(k.N, "n")
	if err != nil {
		return nil, err
	}
	e, err := decodeB64Int(k.E, "e")
	if err != nil {
		return nil, err
	}
	if n.BitLen() < MinRSAKeyBits {
		return nil, fault.Invalid("n", "an RSA key must have at least %d bits; this one has %d", MinRSAKeyBits, n.BitLen())
	}
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > maxRSAExponent || e.Bit(0) == 0 {
		return nil, fault.Invalid("e", "the RSA exponent must be odd, at least 3 and at most 2^31-1")
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

func parseEC(k jwk) (crypto.PublicKey, error) {
	curve, ok := curves[k.Crv]
	if !ok {
		return nil, fault.Invalid("crv", "curve %q is not supported; use P-256, P-384 or P-521", truncate(k.Crv))
	}
	size := (curve.Params().BitSize + 7) / 8
	x, err := decodeB64(k.X, "x", size)
	if err != nil {
		return nil, err
	}
	y, err := decodeB64(k.Y, "y", size)
	if err != nil {
		return nil, err
	}
	point := append(append([]byte{4}, x...), y...)
	key, err := ecdsa.ParseUncompressedPublicKey(curve, point)
	if err != nil {
		return nil, fault.Invalid("x", "the point is not on curve %s", k.Crv)
	}
	return key, nil
}

func parseOKP(k jwk) (crypto.PublicKey, error) {
	if k.Crv != "Ed25519" {
		return nil, fault.Invalid("crv", "curve %q is not supported for OKP keys; use Ed25519", truncate(k.Crv))
	}
	x, err := decodeB64(k.X, "x", ed25519.PublicKeySize)
	if err != nil {
		return nil, err
	}
	return ed25519.PublicKey(x), nil
}

// decodeB64 decodes a base64url member that must hold exactly size bytes.
func decodeB64(s, member string, size int) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	switch {
	case s == "":
		return nil, fault.Invalid(member, "the member is missing")
	case err != nil:
		return nil, fault.Invalid(member, "not base64url without padding")
	case len(b) != size:
		return nil, fault.Invalid(member, "must hold %d bytes; it holds %d", size, len(b))
	}
	return b, nil
}

// decodeB64Int decodes a base64url member holding a big-endian unsigned integer.
func decodeB64Int(s, member string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	switch {
	case s == "":
		return nil, fault.Invalid(member, "the member is missing")
	case err != nil:
		return nil, fault.Invalid(member, "not base64url without padding")
	case len(b) > 1024: // 8192 bits: a bound on the work a key can cause
		return nil, fault.Invalid(member, "the integer is too large")
	}
	return new(big.Int).SetBytes(b), nil
}
