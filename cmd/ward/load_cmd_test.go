package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/loadtest/driver"
	"github.com/wardhq/ward/loadtest/report"
)

func TestLoadDatasetGenerate(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	for i, seed := range []string{"5", "5", "6"} {
		out, err := ward(t, "", "", "", "load", "dataset", "generate", "--model", "org", "--seed", seed, "--out", dirs[i])
		if err != nil || !strings.Contains(out, "tuples of the org model") {
			t.Fatalf("generate: %q, %v", out, err)
		}
	}
	read := func(dir string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, "tuples.txt"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(read(dirs[0]), read(dirs[1])) {
		t.Error("the same seed gave different tuples")
	}
	if bytes.Equal(read(dirs[0]), read(dirs[2])) {
		t.Error("different seeds gave the same tuples")
	}
	if _, err := ward(t, "", "", "", "load", "dataset", "generate", "--size", "huge", "--out", dirs[0]); err == nil {
		t.Error("--size huge succeeded")
	}
}

// loadSmallDataset generates the small docs dataset and loads it into the server.
func loadSmallDataset(t *testing.T, public, admin string) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := ward(t, public, admin, "", "load", "dataset", "generate", "--out", dir); err != nil {
		t.Fatal(oneLine(err))
	}
	out, err := ward(t, public, admin, "", "load", "dataset", "load", dir, "--batch", "3000")
	if err != nil {
		t.Fatal(oneLine(err))
	}
	if strings.TrimSpace(out) == "" {
		t.Error("dataset load printed no token")
	}
	return dir
}

func TestLoadRun(t *testing.T) {
	public, admin, _ := startServer(t)
	ds := loadSmallDataset(t, public, admin)
	tmp := t.TempDir()
	noop := filepath.Join(tmp, "noop.json")
	if _, err := ward(t, public, admin, "", "load", "run", "--workload", "noop", "--duration", "1s", "--concurrency", "4", "--json", noop); err != nil {
		t.Fatal(oneLine(err))
	}
	for _, tc := range []struct {
		args []string
	}{
		{[]string{"--workload", "check"}},
		{[]string{"--workload", "check", "--rate", "200"}},
		{[]string{"--workload", "check-bulk", "--bulk-items", "10"}},
		{[]string{"--workload", "lookup"}},
		{[]string{"--workload", "write-mix", "--write-share", "0.2"}},
	} {
		name := strings.Join(tc.args, " ")
		js, html := filepath.Join(tmp, "r.json"), filepath.Join(tmp, "r.html")
		args := append([]string{"load", "run", "--dataset", ds, "--duration", "1s", "--concurrency", "4",
			"--json", js, "--report", html, "--compare", noop, "--min-ratio", "0.0001"}, tc.args...)
		out, err := ward(t, public, admin, "", args...)
		if err != nil {
			t.Errorf("%s: %v", name, oneLine(err))
			continue
		}
		if !strings.Contains(out, "p99.9") || !strings.Contains(out, "ratio") {
			t.Errorf("%s: output lacks the table or the ratios:\n%s", name, out)
		}
		r, err := report.ReadJSON(js)
		if err != nil {
			t.Fatal(err)
		}
		if r.Requests == 0 || r.Errors != 0 || r.ThroughputRPS <= 0 || r.P50 <= 0 || r.P50 > r.P99 || r.P99 > r.P999 ||
			len(r.Intervals) != 1 || r.Workload != tc.args[1] {
			t.Errorf("%s: implausible result %+v", name, r)
		}
		if tc.args[1] != "lookup" && (r.AllowedRatio <= 0 || r.AllowedRatio >= 1) {
			t.Errorf("%s: allowed ratio %v, want a mix of allowed and denied", name, r.AllowedRatio)
		}
		if b, err := os.ReadFile(html); err != nil || !bytes.Contains(b, []byte("<polyline")) || bytes.Contains(b, []byte("<script")) {
			t.Errorf("%s: the HTML report lacks a chart (%v)", name, err)
		}
	}
	// A floor the run cannot reach fails the command, after it has reported.
	out, err := ward(t, public, admin, "", "load", "run", "--workload", "noop", "--duration", "500ms", "--compare", noop, "--min-ratio", "1000")
	if err == nil || !strings.Contains(oneLine(err), "below the floor") || !strings.Contains(out, "ratio") {
		t.Errorf("an unreachable --min-ratio: %q, %v", out, err)
	}
}

// TestLoadRunServerStops stops the server in the middle of a run: the run must report the
// errors, fail, and end within its duration plus the grace.
func TestLoadRunServerStops(t *testing.T) {
	public, admin, stop := startServer(t)
	ds := loadSmallDataset(t, public, admin)
	js := filepath.Join(t.TempDir(), "r.json")
	go func() {
		time.Sleep(700 * time.Millisecond)
		stop()
	}()
	const duration, timeout = 2 * time.Second, 500 * time.Millisecond
	start := time.Now()
	out, err := ward(t, public, admin, "", "load", "run", "--workload", "check", "--dataset", ds,
		"--duration", duration.String(), "--timeout", timeout.String(), "--json", js)
	elapsed := time.Since(start)
	if err == nil || !strings.Contains(oneLine(err), "requests failed") {
		t.Errorf("a run against a stopped server: error %v, want requests failed", err)
	}
	if elapsed > duration+timeout+time.Second {
		t.Errorf("the run took %v, want at most %v and a little", elapsed, duration+timeout)
	}
	if !strings.Contains(out, "errors: unavailable") {
		t.Errorf("the table does not report the errors:\n%s", out)
	}
	var r *driver.Result
	if r, err = report.ReadJSON(js); err != nil {
		t.Fatal(err)
	}
	if r.Errors == 0 || r.Requests <= r.Errors {
		t.Errorf("result: %d requests, %d errors; want some of each", r.Requests, r.Errors)
	}
}

// TestLoadRunOAuth2 runs the OAuth2 workloads, which register their own client: every request
// succeeds, and every introspected token is active.
func TestLoadRunOAuth2(t *testing.T) {
	public, admin, _ := startServer(t)
	js := filepath.Join(t.TempDir(), "r.json")
	for _, w := range []string{"token", "introspect", "introspect-http"} {
		// A generous timeout: under the race detector one bcrypt verification of the client's
		// secret (before it is cached) takes seconds.
		if _, err := ward(t, public, admin, "", "load", "run", "--workload", w, "--duration", "1s", "--concurrency", "4", "--timeout", "20s", "--json", js); err != nil {
			t.Errorf("%s: %v", w, oneLine(err))
			continue
		}
		r, err := report.ReadJSON(js)
		if err != nil {
			t.Fatal(err)
		}
		if r.Requests == 0 || r.Errors != 0 || r.AllowedRatio != 1 || r.Workload != w {
			t.Errorf("%s: implausible result %+v", w, r)
		}
	}
	out, err := ward(t, public, admin, "", "clients", "list")
	if err != nil || strings.Count(out, "ward load") != 3 {
		t.Errorf("each workload registers one client; clients list:\n%s%v", out, err)
	}
}
