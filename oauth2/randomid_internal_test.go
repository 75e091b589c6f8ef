package oauth2

import (
	"encoding/base64"
	"strings"
	"testing"
)

// notDash is the base64url alphabet without '-'.
const notDash = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"

// TestRandomTextNeverStartsWithDash draws 100,000 of each kind of random text ward hands out and
// checks that none starts with '-' (a command line would take it for a flag), that each keeps its
// length and decodes to as many random bytes as before, that none repeats, and that the first
// character still takes each of the other 63 values about equally often: the entropy is kept.
func TestRandomTextNeverStartsWithDash(t *testing.T) {
	const n = 100_000
	for _, tc := range []struct {
		name  string
		gen   func() string
		bytes int
	}{
		{"randomID", randomID, 32},   // challenges, verifiers, client, flow, grant and session IDs
		{"NewSecret", NewSecret, 32}, // client secrets
		{"signing key ID", func() string { return randomText(16) }, 16},
		{"one byte", func() string { return randomText(1) }, 1}, // the first byte alone
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantLen := base64.RawURLEncoding.EncodedLen(tc.bytes)
			first := make(map[byte]int)
			seen := make(map[string]bool, n)
			dashElsewhere := false
			for range n {
				s := tc.gen()
				if strings.HasPrefix(s, "-") {
					t.Fatalf("%q starts with '-'", s)
				}
				if len(s) != wantLen {
					t.Fatalf("%q is %d characters; want %d", s, len(s), wantLen)
				}
				if b, err := base64.RawURLEncoding.Strict().DecodeString(s); err != nil || len(b) != tc.bytes {
					t.Fatalf("%q does not decode to %d bytes: %v", s, tc.bytes, err)
				}
				first[s[0]]++
				dashElsewhere = dashElsewhere || strings.Contains(s[1:], "-")
				if tc.bytes >= 16 {
					if seen[s] {
						t.Fatalf("%q was drawn twice", s)
					}
					seen[s] = true
				}
			}
			// A first character is uniform over 63 values; ±25% is more than ten standard
			// deviations at this n.
			want := float64(n) / 63
			for _, c := range []byte(notDash) {
				if got := float64(first[c]); got < want*0.75 || got > want*1.25 {
					t.Errorf("first character %q drawn %v times in %d; want about %.0f", c, got, n, want)
				}
			}
			if wantLen > 2 && !dashElsewhere {
				t.Errorf("'-' never appeared after the first character: the rest lost part of its alphabet")
			}
		})
	}
}
