package kratos

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/identity/flow"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, ErrorKeyBytes) }

func mustErrorIDs(t testing.TB, lifespan time.Duration, keys ...[]byte) *errorIDs {
	t.Helper()
	s, err := newErrorIDs(keys, lifespan)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestErrorIDs seals an error and opens it on another node with the same keys, and after a key
// rotation; and refuses an ID that is tampered with, expired, from the future, sealed with a key
// no longer held, or too long.
func TestErrorIDs(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	e := &flow.Error{ID: flow.ErrIDCSRF, Code: http.StatusForbidden, Message: "m", Reason: "r", Details: map[string]any{"k": "v"}}
	sealer := mustErrorIDs(t, time.Hour, testKey(1))
	id, err := sealer.seal(e, now)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"security_csrf_violation","code":403,"status":"Forbidden","reason":"r","details":{"k":"v"},"message":"m"}`
	for name, opener := range map[string]*errorIDs{
		"another node":    mustErrorIDs(t, time.Hour, testKey(1)),
		"after rotation":  mustErrorIDs(t, time.Hour, testKey(2), testKey(1)),
		"the same sealer": sealer,
	} {
		got, err := opener.open(id, now.Add(59*time.Minute))
		if err != nil || string(got.Error) != want || !got.CreatedAt.Equal(now) {
			t.Errorf("%s: open = %+v, %v; want %s created at %s", name, got, err, want, now)
		}
	}
	if strings.Contains(string(mustDecode(t, id)), `"security_csrf_violation"`) {
		t.Error("the error ID shows the error in the clear")
	}

	raw := mustDecode(t, id)
	flipped := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	for _, c := range []struct {
		name, id string
		opener   *errorIDs
		at       time.Time
		reason   string
	}{
		{"version byte flipped", flipped(0), sealer, now, "not one of ward's"},
		{"nonce flipped", flipped(1), sealer, now, "not one of ward's"},
		{"ciphertext flipped", flipped(20), sealer, now, "not one of ward's"},
		{"tag flipped", flipped(len(raw) - 1), sealer, now, "not one of ward's"},
		{"truncated", id[:len(id)-4], sealer, now, "not one of ward's"},
		{"not base64url", id[:10] + "+/=" + id[13:], sealer, now, "not one of ward's"},
		{"empty", "", sealer, now, "not one of ward's"},
		{"the key is gone", id, mustErrorIDs(t, time.Hour, testKey(2)), now, "not one of ward's"},
		{"expired", id, sealer, now.Add(time.Hour + time.Millisecond), "expired"},
		{"from the future", id, sealer, now.Add(-2 * time.Minute), "expired"},
		{"too long", strings.Repeat("A", MaxErrorIDLength+1), sealer, now, "longer than"},
	} {
		_, err := c.opener.open(c.id, c.at)
		fe := flow.AsError(err)
		if fe == nil || fe.Code != http.StatusNotFound || !strings.Contains(fe.Reason, c.reason) {
			t.Errorf("%s: open = %v; want a 404 saying %q", c.name, err, c.reason)
		}
	}
	if _, err := newErrorIDs([][]byte{[]byte("short")}, 0); err == nil || !strings.Contains(err.Error(), "ErrorKeys") {
		t.Errorf("a short key: %v, want an error naming ErrorKeys", err)
	}
}

func mustDecode(t *testing.T, id string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestErrorIDOversize: an error whose JSON would not fit an ID is sealed without its details and
// with its reason cut short (on a character boundary), within MaxErrorIDLength.
func TestErrorIDOversize(t *testing.T) {
	now := time.Now()
	s := mustErrorIDs(t, time.Hour, testKey(3))
	e := &flow.Error{Code: http.StatusBadRequest, Message: "m", Reason: strings.Repeat("é", 50_000),
		Details: map[string]any{"violations": strings.Repeat("x", 50_000)}}
	id, err := s.seal(e, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(id) > MaxErrorIDLength {
		t.Fatalf("the ID is %d characters long, more than %d", len(id), MaxErrorIDLength)
	}
	got, err := s.open(id, now)
	if err != nil {
		t.Fatal(err)
	}
	var inner struct {
		Reason  string         `json:"reason"`
		Details map[string]any `json:"details"`
	}
	if err := json.Unmarshal(got.Error, &inner); err != nil || inner.Details != nil ||
		!strings.HasSuffix(inner.Reason, "é…") || len(inner.Reason) > maxSealedReason+len("…") {
		t.Fatalf("the opened oversized error: %s (%v)", got.Error, err)
	}
	// An error that fits is kept whole.
	small := &flow.Error{Code: http.StatusBadRequest, Message: "m", Reason: strings.Repeat("a", 2000)}
	id, _ = s.seal(small, now)
	if got, err := s.open(id, now); err != nil || !strings.Contains(string(got.Error), small.Reason) {
		t.Fatalf("an error that fits lost its reason: %v", err)
	}
}

// FuzzOpenErrorID opens any string as an error ID: it never panics, and whatever it opens is
// JSON that a key sealed (so, in practice, only the seeds that are real IDs). A real ID, opened
// after its reason was fuzzed into it, comes back as sealed.
func FuzzOpenErrorID(f *testing.F) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s := mustErrorIDs(f, time.Hour, testKey(7))
	real, err := s.seal(&flow.Error{Code: 404, Message: "m", Reason: "seed"}, now)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real, "reason")
	f.Add("", "")
	f.Add("stub:500", "\xff")
	f.Fuzz(func(t *testing.T, id, reason string) {
		if got, err := s.open(id, now); err == nil {
			if !json.Valid(got.Error) || len(id) > MaxErrorIDLength {
				t.Fatalf("opened %q to %s", id, got.Error)
			}
		} else if fe := flow.AsError(err); fe == nil || fe.Code != http.StatusNotFound {
			t.Fatalf("open %q: %v, want a 404", id, err)
		}
		e := &flow.Error{Code: http.StatusBadRequest, Message: "m", Reason: reason}
		sealed, err := s.seal(e, now)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.open(sealed, now)
		if err != nil || len(sealed) > MaxErrorIDLength {
			t.Fatalf("a sealed error of reason %q does not open: %v (%d characters)", reason, err, len(sealed))
		}
		var inner struct {
			Reason string `json:"reason"`
		}
		var want string // as JSON carries it: each invalid byte becomes U+FFFD
		b, _ := json.Marshal(reason)
		_ = json.Unmarshal(b, &want)
		if json.Unmarshal(got.Error, &inner) != nil || len(want) <= maxSealedReason && inner.Reason != want {
			t.Fatalf("reason %q came back as %s", reason, got.Error)
		}
	})
}
