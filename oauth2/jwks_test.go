package oauth2_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"sync"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2"
)

var b64 = base64.RawURLEncoding

// testKeys are generated once: RSA generation is slow under -race.
var testKeys = sync.OnceValue(func() (k struct {
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
	ed  ed25519.PublicKey
}) {
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	if k.ed, _, err = ed25519.GenerateKey(rand.Reader); err != nil {
		panic(err)
	}
	return k
})

func rsaJWK(kid string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": b64.EncodeToString(pub.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}
}

func ecJWK(kid string, pub *ecdsa.PublicKey) map[string]any {
	b, err := pub.Bytes()
	if err != nil {
		panic(err)
	}
	return map[string]any{"kty": "EC", "kid": kid, "crv": "P-256",
		"x": b64.EncodeToString(b[1:33]), "y": b64.EncodeToString(b[33:])}
}

func edJWK(kid string, pub ed25519.PublicKey) map[string]any {
	return map[string]any{"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": b64.EncodeToString(pub)}
}

func jwks(keys ...map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		panic(err)
	}
	return b
}

// with returns a copy of m with the members changed; a nil value deletes one.
func with(m map[string]any, kv ...any) map[string]any {
	c := map[string]any{}
	for k, v := range m {
		c[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

func TestParseJWKS(t *testing.T) {
	k := testKeys()
	keys, err := oauth2.ParseJWKS(jwks(rsaJWK("r", &k.rsa.PublicKey), ecJWK("e", &k.ec.PublicKey), edJWK("d", k.ed)))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Fatalf("%d keys; want 3", len(keys))
	}
	if pub, ok := keys[0].Key.(*rsa.PublicKey); !ok || !pub.Equal(&k.rsa.PublicKey) || keys[0].ID != "r" {
		t.Errorf("RSA key %+v differs", keys[0])
	}
	if pub, ok := keys[1].Key.(*ecdsa.PublicKey); !ok || !pub.Equal(&k.ec.PublicKey) {
		t.Errorf("EC key %+v differs", keys[1])
	}
	if pub, ok := keys[2].Key.(ed25519.PublicKey); !ok || !pub.Equal(k.ed) {
		t.Errorf("Ed25519 key %+v differs", keys[2])
	}
	for i, want := range [][]string{{"RS256"}, {"ES256"}, {"EdDSA"}} {
		if got := keys[i].Algorithms(); !slices.Equal(got, want) {
			t.Errorf("keys[%d].Algorithms() = %v; want %v", i, got, want)
		}
	}
	single, err := oauth2.ParseJWKS(jwks(with(rsaJWK("", &k.rsa.PublicKey), "kid", nil, "alg", nil)))
	if err != nil || len(single) != 1 || len(single[0].Algorithms()) != 6 {
		t.Errorf("one RSA key without kid or alg: %+v, %v", single, err)
	}
}

func TestParseJWKSRefuses(t *testing.T) {
	k := testKeys()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	r, e := rsaJWK("r", &k.rsa.PublicKey), ecJWK("e", &k.ec.PublicKey)
	offCurve := with(e, "y", b64.EncodeToString(make([]byte, 32)))
	for _, tc := range []struct {
		name  string
		data  []byte
		field string
	}{
		{"not JSON", []byte("{"), ""},
		{"trailing data", append(jwks(r), " {}"...), ""},
		{"no keys", []byte(`{"keys":[]}`), "keys"},
		{"key not an object", []byte(`{"keys":[null]}`), "keys[0]"},
		{"private RSA", jwks(with(r, "d", "AQAB")), "keys[0].d"},
		{"symmetric", jwks(map[string]any{"kty": "oct", "k": "c2VjcmV0"}), "keys[0].k"},
		{"missing kty", jwks(with(r, "kty", nil)), "keys[0].kty"},
		{"unknown kty", jwks(with(r, "kty", "DSA")), "keys[0].kty"},
		{"encryption key", jwks(with(r, "use", "enc")), "keys[0].use"},
		{"alg none", jwks(with(r, "alg", "none")), "keys[0].alg"},
		{"alg HS256", jwks(with(r, "alg", "HS256")), "keys[0].alg"},
		{"alg of another curve", jwks(with(e, "alg", "ES384")), "keys[0].alg"},
		{"kid not a string", jwks(with(r, "kid", 7)), "keys[0].kid"},
		{"small RSA", jwks(rsaJWK("s", &small.PublicKey)), "keys[0].n"},
		{"even exponent", jwks(with(r, "e", "Ag")), "keys[0].e"},
		{"missing n", jwks(with(r, "n", nil)), "keys[0].n"},
		{"padded n", jwks(with(r, "n", r["n"].(string)+"=")), "keys[0].n"},
		{"unknown curve", jwks(with(e, "crv", "secp256k1")), "keys[0].crv"},
		{"short x", jwks(with(e, "x", "AAAA")), "keys[0].x"},
		{"off curve", jwks(offCurve), "keys[0].x"},
		{"Ed448", jwks(with(edJWK("d", k.ed), "crv", "Ed448")), "keys[0].crv"},
		{"duplicate kid", jwks(r, with(e, "kid", "r")), "keys[1].kid"},
		{"several keys, one without kid", jwks(r, with(e, "kid", nil)), "keys[1].kid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := oauth2.ParseJWKS(tc.data)
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.InvalidArgument || fe.Field != tc.field {
				t.Fatalf("ParseJWKS = %v (field %q); want InvalidArgument on %q", err, fieldOf(err), tc.field)
			}
		})
	}
}

func fieldOf(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

// FuzzParseJWKS checks that ParseJWKS never panics and fails only with InvalidArgument.
func FuzzParseJWKS(f *testing.F) {
	k := testKeys()
	f.Add(jwks(rsaJWK("r", &k.rsa.PublicKey), ecJWK("e", &k.ec.PublicKey), edJWK("d", k.ed)))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := oauth2.ParseJWKS(data)
		if err != nil {
			if fault.CodeOf(err) != fault.InvalidArgument {
				t.Fatalf("ParseJWKS(%q): %v is not InvalidArgument", data, err)
			}
			return
		}
		for _, key := range keys {
			if key.Key == nil || len(key.Algorithms()) == 0 {
				t.Fatalf("ParseJWKS(%q) accepted a key it cannot use: %+v", data, key)
			}
		}
	})
}
