package password_test

import (
	"bufio"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/password"
)

// knownAnswer is a hash made by another implementation, with its password and where it came from.
type knownAnswer struct {
	source, password, hash string
}

// knownAnswers reads the vectors in testdata: knownanswers-kratos.txt holds those of Kratos's own
// tests, knownanswers-tools.txt those that testdata/knownanswers.sh made with openssl, mkpasswd,
// htpasswd, the argon2 reference CLI and Python's hashlib, hmac and crypt.
func knownAnswers(t testing.TB) []knownAnswer {
	t.Helper()
	var all []knownAnswer
	for _, name := range []string{"testdata/knownanswers-kratos.txt", "testdata/knownanswers-tools.txt"} {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
				fields := strings.Split(line, "\t")
				if len(fields) != 3 {
					t.Fatalf("%s: %q has %d tab-separated fields; want 3", name, line, len(fields))
				}
				all = append(all, knownAnswer{fields[0], fields[1], fields[2]})
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return all
}

// TestVerifyKnownAnswers checks every vector: Check accepts it, Verify accepts its password and
// refuses a wrong one, and it is never ward's current hash. Kratos's one bcrypt hash of cost 15
// exceeds the default bound of 14 and must be refused by both Check and Verify instead.
func TestVerifyKnownAnswers(t *testing.T) {
	h, err := password.NewHasher()
	if err != nil {
		t.Fatal(err)
	}
	vectors := knownAnswers(t)
	formats := map[string]int{}
	for _, v := range vectors {
		formats[formatOf(v.hash)]++
	}
	for _, want := range []string{"$2a$", "$2b$", "$2y$", "$argon2id$", "$argon2i$", "$pbkdf2-sha1$", "$pbkdf2-sha224$",
		"$pbkdf2-sha256$", "$pbkdf2-sha384$", "$pbkdf2-sha512$", "$scrypt$", "$firescrypt$", "{SSHA}", "{SSHA256}",
		"{SSHA512}", "$sha1$", "$sha256$", "$sha512$", "$md5$", "$hmac-md4$", "$hmac-md5$", "$hmac-sha1$",
		"$hmac-sha224$", "$hmac-sha256$", "$hmac-sha384$", "$hmac-sha512$", "$1$", "$md5-crypt$", "$5$", "$6$",
		"$sha256-crypt$", "$sha512-crypt$"} {
		if formats[want] == 0 {
			t.Errorf("no known answer for %s", want)
		}
	}
	ctx := context.Background()
	for _, v := range vectors {
		t.Run(formatOf(v.hash)+" "+v.source, func(t *testing.T) {
			t.Parallel()
			if strings.HasPrefix(v.hash, "$2a$15$") {
				if err := h.Check(v.hash); fault.CodeOf(err) != fault.InvalidArgument || !strings.Contains(err.Error(), "BcryptCost") {
					t.Errorf("Check of a cost-15 bcrypt hash = %v; want InvalidArgument naming BcryptCost", err)
				}
				if ok, err := h.Verify(ctx, v.password, v.hash); ok || fault.CodeOf(err) != fault.InvalidArgument {
					t.Errorf("Verify of a cost-15 bcrypt hash = %t, %v; want InvalidArgument", ok, err)
				}
				return
			}
			if err := h.Check(v.hash); err != nil {
				t.Fatalf("Check: %v", err)
			}
			if ok, err := h.Verify(ctx, v.password, v.hash); !ok || err != nil {
				t.Errorf("Verify of the right password = %t, %v; want true", ok, err)
			}
			for _, wrong := range []string{v.password + "x", strings.ToUpper(v.password)} {
				if ok, err := h.Verify(ctx, wrong, v.hash); ok || err != nil {
					t.Errorf("Verify of a wrong password = %t, %v; want false", ok, err)
				}
			}
			if h.NeedsRehash(v.hash) != true {
				t.Error("NeedsRehash = false for a hash ward did not write with its parameters")
			}
		})
	}
}

// formatOf returns a hash's identifier with its delimiters, such as "$2a$" or "{SSHA}".
func formatOf(hash string) string {
	if strings.HasPrefix(hash, "{") {
		return hash[:strings.Index(hash, "}")+1]
	}
	return "$" + strings.Split(hash, "$")[1] + "$"
}
