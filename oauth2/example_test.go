package oauth2_test

import (
	"fmt"

	"github.com/wardhq/ward/oauth2"
)

// A token request's code_verifier is checked against the challenge stored with the authorization
// code; here the example of RFC 7636 Appendix B.
func ExampleVerifyPKCE() {
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	err := oauth2.VerifyPKCE(oauth2.PKCES256, challenge, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", false)
	fmt.Println(err)
	err = oauth2.VerifyPKCE(oauth2.PKCES256, challenge, "a-guess-that-is-long-enough-to-be-a-verifier-0", false)
	fmt.Println(err)
	// Output:
	// <nil>
	// invalid_grant: code_verifier does not match the code_challenge
}

func ExampleParseScope() {
	requested, err := oauth2.ParseScope("openid  doc:read openid")
	fmt.Println(requested, err)
	fmt.Println(oauth2.CheckScopes(requested, []string{"openid", "profile"}))
	// Output:
	// [openid doc:read] <nil>
	// invalid_scope: the client may not request scope doc:read
}
