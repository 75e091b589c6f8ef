package middleware_test

import (
	"strings"
	"testing"

	"github.com/wardhq/ward/api/middleware"
)

// FuzzParseAPIKeyFile checks that any file either parses or fails with an error naming the
// file, never panics, and that a parsed digest line matches exactly the key hashed into it.
func FuzzParseAPIKeyFile(f *testing.F) {
	f.Add("# keys\n" + middleware.HashAPIKey("seed-key-0123456789") + " ci\n\n")
	f.Add("sha256:zz\n")
	f.Add("plain-key-in-clear\n")
	f.Fuzz(func(t *testing.T, file string) {
		k := &middleware.APIKeys{}
		if err := k.ParseAPIKeyFile(strings.NewReader(file), "keys.txt"); err != nil {
			if !strings.Contains(err.Error(), "keys.txt") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if k.Match("") && !strings.Contains(file, middleware.HashAPIKey("")) {
			t.Fatal("the empty key matched a file that does not hold its digest")
		}
	})
}

// FuzzParseBearer checks that a credential, when one is found, is non-empty printable ASCII
// without spaces, and that "Bearer <it>" gives it back.
func FuzzParseBearer(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer  x", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Bearer \x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		cred, ok := middleware.ParseBearer(h)
		if !ok {
			return
		}
		if cred == "" || strings.ContainsAny(cred, " \t\r\n") {
			t.Fatalf("ParseBearer(%q) = %q", h, cred)
		}
		if again, ok := middleware.ParseBearer("Bearer " + cred); !ok || again != cred {
			t.Fatalf("round trip of %q: %q, %v", cred, again, ok)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	if _, err := middleware.NewAPIKeys("short"); err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Errorf("a short key: %v", err)
	}
	k, err := middleware.NewAPIKeys("first-key-0123456789", "second-key-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"first-key-0123456789": true, "second-key-0123456789": true, "first-key-012345678": false, "": false} {
		if k.Match(key) != want {
			t.Errorf("Match(%q) = %v, want %v", key, !want, want)
		}
	}
	if err := k.ParseAPIKeyFile(strings.NewReader("api-key-in-clear-0123456789\n"), "f"); err == nil || !strings.Contains(err.Error(), "f:1:") {
		t.Errorf("a key in clear in a file: %v, want an error naming f:1", err)
	}
}
