package checker_test

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/wardhq/ward/chaos/checker"
)

// FuzzCheck feeds arbitrary histories (what `ward chaos check` reads from a file) to the
// checker and the reports: none may panic, and a history that fails has a reason.
func FuzzCheck(f *testing.F) {
	for _, name := range []string{"clean", "lost-write", "stale-read", "split-brain", "consistency-violation", "invalid-session"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var h checker.History
		if json.Unmarshal(b, &h) != nil {
			return
		}
		r := checker.Check(&h, checker.DefaultThresholds)
		if !r.Pass && len(r.Failures) == 0 {
			t.Fatal("a failing history without a reason")
		}
		if err := checker.HTML(io.Discard, r); err != nil {
			t.Fatal(err)
		}
	})
}
