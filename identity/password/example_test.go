package password_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/wardhq/ward/identity/password"
)

// Registration checks the password against the policy, then stores its hash; login verifies it and
// replaces an imported hash with one of ward's.
func Example() {
	ctx := context.Background()
	hasher, err := password.NewHasher() // argon2id, DefaultArgon2Params
	if err != nil {
		panic(err)
	}
	policy, err := password.NewPolicy(password.WithMaxLength(hasher.MaxPasswordLength()))
	if err != nil {
		panic(err)
	}

	var pe *password.PolicyError
	if err := policy.Validate("jdoe1970!", "jdoe1970@example.org"); errors.As(err, &pe) {
		fmt.Println(pe.TextID(), pe.Reason)
	}

	// An identity imported with a hash from another system (Kratos's SSHA test vector).
	imported := "{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a"
	if err := hasher.Check(imported); err != nil {
		panic(err)
	}
	ok, err := hasher.Verify(ctx, "test123", imported)
	fmt.Println(ok, err, hasher.NeedsRehash(imported))
	if ok && hasher.NeedsRehash(imported) {
		rehashed, err := hasher.Hash(ctx, "test123")
		if err != nil {
			panic(err)
		}
		fmt.Println(hasher.NeedsRehash(rehashed))
	}
	// Output:
	// 4000031 too_similar
	// true <nil> true
	// false
}

// Check refuses an imported hash whose work parameters exceed the bounds, naming the bound.
func ExampleHasher_Check() {
	hasher, err := password.NewHasher()
	if err != nil {
		panic(err)
	}
	fmt.Println(hasher.Check("$argon2id$v=19$m=4194304,t=1,p=1$c2l4dGVlbi1ieXRlLXNsdA$tjLpJajcL/ozLg/18nJt9A+VfmlGmA+gwhEAxtcnqBw"))
	// Output:
	// hashed_password: argon2id hash: m (memory, KiB) is 4194304; at most 262144 is allowed (bound Argon2Memory)
}
