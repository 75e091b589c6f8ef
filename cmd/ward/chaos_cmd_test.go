package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func chaosCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCommand(&out, &errOut, func() []string { return nil })
	cmd.SetArgs(append([]string{"chaos"}, args...))
	err := cmd.ExecuteContext(t.Context())
	return out.String(), err
}

func TestChaosList(t *testing.T) {
	out, err := chaosCLI(t, "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"leader-kill", "replica-kill", "region-kill", "region-partition", "leader-stall", "rolling-restart"} {
		if !strings.Contains(out, name+" ") {
			t.Errorf("chaos list lacks %s:\n%s", name, out)
		}
	}
}

func TestChaosRunUnknownScenario(t *testing.T) {
	_, err := chaosCLI(t, "run", "leader-kil")
	if err == nil || !strings.Contains(err.Error(), `unknown scenario "leader-kil"`) {
		t.Errorf("chaos run leader-kil: %v", err)
	}
}

// TestChaosCheck judges the checker's recorded histories again: the clean one passes, the one
// with two writable leaders fails and says so, and the HTML report is written.
func TestChaosCheck(t *testing.T) {
	testdata := filepath.Join("..", "..", "chaos", "checker", "testdata")
	out, err := chaosCLI(t, "check", filepath.Join(testdata, "clean.json"))
	if err != nil || !strings.Contains(out, "scenario clean: PASS") {
		t.Errorf("chaos check clean.json: %v\n%s", err, out)
	}
	html := filepath.Join(t.TempDir(), "report.html")
	out, err = chaosCLI(t, "check", "--html", html, filepath.Join(testdata, "split-brain.json"))
	if err == nil || !strings.Contains(out, "FAIL: split brain") {
		t.Errorf("chaos check split-brain.json: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(html); err != nil || !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("the HTML report: %v", err)
	}
}
