package token_test

import (
	"crypto/rand"
	"fmt"

	"github.com/wardhq/ward/oauth2/token"
)

func Example() {
	secret := make([]byte, 32)
	rand.Read(secret)
	codec, err := token.NewCodec(secret) // in production: secrets from configuration, newest first
	if err != nil {
		panic(err)
	}
	tok, sig := codec.Mint(token.AccessToken)
	key := token.StorageKey(sig) // the store keeps the token's state under key, never tok

	// Later, on introspection: refuse a forged token before looking anything up.
	kind, sig2, err := codec.Verify(tok)
	fmt.Println(kind, err, token.StorageKey(sig2) == key)
	forger, _ := token.NewCodec(make([]byte, 32)) // someone without the secret
	forged, _ := forger.Mint(token.AccessToken)
	_, _, err = codec.Verify(forged)
	fmt.Println(err)
	// Output:
	// access_token <nil> true
	// token: token signature is not valid
}
