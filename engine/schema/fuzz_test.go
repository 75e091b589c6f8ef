package schema_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wardhq/ward/engine/schema"
)

// FuzzCompile checks that Compile never panics, that every error it reports lies within the input,
// and that every schema it accepts survives a round trip through String. The seed corpus in
// testdata/fuzz/FuzzCompile holds the golden inputs (go test -update rewrites it) and the crashers
// found so far.
func FuzzCompile(f *testing.F) {
	f.Fuzz(func(t *testing.T, src string) {
		s, err := schema.Compile(src)
		if err == nil {
			checkRoundTrip(t, s)
			return
		}
		var list schema.ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("got error %v (%T), want an ErrorList", err, err)
		}
		checkErrors(t, src, list)
	})
}

// checkErrors checks that list is a non-empty list of errors at positions within src, in order.
func checkErrors(t *testing.T, src string, list schema.ErrorList) {
	t.Helper()
	if len(list) == 0 {
		t.Fatal("empty ErrorList")
	}
	lines := strings.Split(src, "\n")
	var prev schema.Position
	for _, e := range list {
		p := e.Pos
		if p.Line < 1 || p.Line > len(lines) || p.Column < 1 || p.Column > len(lines[p.Line-1])+1 {
			t.Errorf("error %q is outside the input", e)
		}
		if p.Line < prev.Line || p.Line == prev.Line && p.Column < prev.Column {
			t.Errorf("error %q comes after an error at %v", e, prev)
		}
		if e.Msg == "" {
			t.Errorf("error at %v has no message", p)
		}
		prev = p
	}
}

// checkRoundTrip checks that the canonical text of s compiles to an equivalent schema with the
// same canonical text.
func checkRoundTrip(t *testing.T, s *schema.Schema) {
	t.Helper()
	text := s.String()
	s2, err := schema.Compile(text)
	if err != nil {
		t.Fatalf("canonical text does not compile: %v\n%s", err, text)
	}
	if got, want := dump(s2), dump(s); got != want {
		t.Fatalf("round trip changed the schema:\n%s\nbecame\n%s", want, got)
	}
	if got := s2.String(); got != text {
		t.Fatalf("canonical text is not stable:\n%s\nbecame\n%s", text, got)
	}
}
