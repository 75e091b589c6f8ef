package engine

import (
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// FuzzParseToken checks that any text either decodes to a revision whose token decodes to the same
// revision, or fails with InvalidArgument; and that it never panics.
func FuzzParseToken(f *testing.F) {
	f.Add(string(encodeToken(store.Revision{Major: 42})))
	f.Fuzz(func(t *testing.T, s string) {
		rev, err := ParseToken(Token(s))
		if err != nil {
			if fault.CodeOf(err) != fault.InvalidArgument {
				t.Fatalf("ParseToken(%q): %v is not InvalidArgument", s, err)
			}
			return
		}
		back, err := ParseToken(encodeToken(rev))
		if err != nil || back != rev {
			t.Fatalf("token of %v does not round-trip: %v, %v", rev, back, err)
		}
	})
}

// FuzzPageToken checks that any text is either refused with InvalidArgument or is a token the
// keys signed for this request, whose cursor signs back to the same token.
func FuzzPageToken(f *testing.F) {
	keys := pageKeys{[]byte("fuzz page token key, 32 bytes..")}
	bind := binding("LookupResources", "document", "view", "user:alice")
	f.Add(keys.sign(bind, cursor{rev: store.Revision{Major: 3}, after: "document:a#viewer@user:b"}))
	f.Add(keys.sign(binding("LookupResources", "document", "view", "user:bob"), cursor{rev: store.Revision{Major: 3}, after: "a"}))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := keys.open(bind, s)
		if err != nil {
			if fault.CodeOf(err) != fault.InvalidArgument {
				t.Fatalf("open(%q): %v is not InvalidArgument", s, err)
			}
			return
		}
		back, err := keys.open(bind, keys.sign(bind, c))
		if err != nil || back != c {
			t.Fatalf("cursor %+v does not round-trip: %+v, %v", c, back, err)
		}
	})
}
