package schema_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/engine/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files and the fuzz seed corpus from the .zed inputs")

// TestGolden compiles every testdata/valid/*.zed, which must compile, and compares the canonical
// text with the .golden file beside it; and every testdata/invalid/*.zed, which must fail, and
// compares its errors, one a line. With -update it rewrites the golden files and the seed corpus
// of FuzzCompile from the inputs.
func TestGolden(t *testing.T) {
	for _, dir := range []string{"valid", "invalid"} {
		inputs, err := filepath.Glob(filepath.Join("testdata", dir, "*.zed"))
		if err != nil {
			t.Fatal(err)
		}
		if len(inputs) == 0 {
			t.Fatalf("no inputs in testdata/%s", dir)
		}
		for _, input := range inputs {
			name := strings.TrimSuffix(filepath.Base(input), ".zed")
			t.Run(dir+"/"+name, func(t *testing.T) {
				src, err := os.ReadFile(input)
				if err != nil {
					t.Fatal(err)
				}
				got := compileText(t, dir == "valid", string(src))
				golden := strings.TrimSuffix(input, ".zed") + ".golden"
				if *update {
					writeFile(t, golden, got)
					writeFile(t, filepath.Join("testdata", "fuzz", "FuzzCompile", dir+"_"+name),
						fmt.Sprintf("go test fuzz v1\nstring(%q)\n", src))
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s: got\n%s\nwant\n%s", input, got, want)
				}
			})
		}
	}
}

// compileText compiles src and returns its canonical text, or its errors one a line.
func compileText(t *testing.T, valid bool, src string) string {
	t.Helper()
	s, err := schema.Compile(src)
	if valid {
		if err != nil {
			t.Fatalf("Compile: %v", err)
		}
		checkRoundTrip(t, s)
		return s.String()
	}
	var list schema.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Compile: got error %v (%T), want an ErrorList", err, err)
	}
	checkErrors(t, src, list)
	var b strings.Builder
	for _, e := range list {
		b.WriteString(e.Error() + "\n")
	}
	return b.String()
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
