package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/creack/pty"
)

// TestLoadProgressOnATerminal runs `ward load dataset load` and `ward load run` as a person
// would, on a terminal (a pty): each draws a progress bar that redraws its line, with the
// request rate and the time left; with standard error sent to a file, neither writes a single
// \r (and the results are still printed).
func TestLoadProgressOnATerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "ward")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	public, admin, _ := startServer(t)
	data := filepath.Join(t.TempDir(), "docs")
	if out, err := exec.Command(bin, "load", "dataset", "generate", "--out", data, "--tuples", "60000").CombinedOutput(); err != nil {
		t.Fatalf("dataset generate: %v\n%s", err, out)
	}
	endpoints := []string{"--endpoint", public, "--admin-endpoint", admin}
	load := append(append([]string{}, endpoints...), "load", "dataset", "load", data, "--batch", "500", "--parallel", "1")
	run := append(append([]string{}, endpoints...), "load", "run", "--workload", "check", "--dataset", data, "--duration", "3s", "--concurrency", "4")

	onTerminal := func(args []string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		tty, err := pty.Start(cmd)
		if err != nil {
			t.Fatal(err)
		}
		defer tty.Close()
		var out bytes.Buffer
		_, err = io.Copy(&out, tty)
		var pathErr *os.PathError
		if err != nil && !errors.As(err, &pathErr) { // EIO once the command has exited
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("ward %s on a terminal: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
	toFile := func(args []string) (stdout, stderr string) {
		t.Helper()
		f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var out bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &out, f
		if err := cmd.Run(); err != nil {
			t.Fatalf("ward %s: %v", strings.Join(args, " "), err)
		}
		errOut, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return out.String(), string(errOut)
	}

	// The bar of dataset load counts tuples against the manifest's total, with their rate.
	got := onTerminal(load)
	frames := strings.Count(got, "\r")
	if frames < 2 || !regexp.MustCompile(`loading: \d+ tuples/s\s+100% \|█+\| \((\d+)/(\d+)\)`).MatchString(got) {
		t.Errorf("dataset load on a terminal drew %d frames; want a bar ending at 100%% with tuples/s:\n%q", frames, got)
	}
	stdout, stderr := toFile(load)
	if strings.Contains(stderr, "\r") || !strings.Contains(stderr, "wrote ") || strings.TrimSpace(stdout) == "" {
		t.Errorf("dataset load with stderr to a file wrote stderr %q and stdout %q; want no \\r, the summary line and a token", stderr, stdout)
	}

	// The bar of a run shows the requests, their rate, and the time elapsed and left.
	got = onTerminal(run)
	bar := regexp.MustCompile(`check: \d+ requests \(\d+/s\), 0 errors\s+\d+% \|[█ ]+\|\s+\[\d+s:\d+s\]`)
	if strings.Count(got, "\r") < 4 || !bar.MatchString(got) || !strings.Contains(got, "throughput") {
		t.Errorf("load run on a terminal: want frames of a bar with the rate and the time left, then the results:\n%q", got)
	}
	stdout, stderr = toFile(run)
	if strings.Contains(stderr, "\r") || strings.Contains(stdout, "\r") || !strings.Contains(stdout, "throughput") || !strings.Contains(stdout, "allowed") {
		t.Errorf("load run with stderr to a file wrote stderr %q and stdout %q; want no \\r, and the results", stderr, stdout)
	}
}

// TestLoadRunGivesUpOnADeadServer: a run against a server that is not there stops after its
// first few hundred requests with one line saying so, and a non-check workload's results do
// not show an allowed ratio.
func TestLoadRunGivesUpOnADeadServer(t *testing.T) {
	_, err := ward(t, "http://127.0.0.1:1", "http://127.0.0.1:1", "", "load", "run", "--workload", "noop", "--duration", "30s")
	if err == nil || !strings.Contains(oneLine(err), "stopped: the first") || !strings.Contains(oneLine(err), "is the server at http://127.0.0.1:1 up") {
		t.Fatalf("load run against a dead server: %v; want it stopped early, saying why", err)
	}
	m := regexp.MustCompile(`the first (\d+) requests`).FindStringSubmatch(oneLine(err))
	if failed, _ := strconv.Atoi(m[1]); failed < giveUpAfter || failed > 10*giveUpAfter {
		t.Errorf("it stopped after %d requests; want a little over %d", failed, giveUpAfter)
	}
	if _, err := ward(t, "http://127.0.0.1:1", "http://127.0.0.1:1", "", "load", "run", "--workload", "nope"); err == nil ||
		!strings.Contains(err.Error(), `unknown workload "nope"`) || !strings.Contains(err.Error(), "check-bulk") {
		t.Errorf("an unknown workload: %v; want an error listing the workloads", err)
	}
	public, admin, _ := startServer(t)
	out, err := ward(t, public, admin, "", "load", "run", "--workload", "noop", "--duration", "500ms", "--progress=false")
	if err != nil || !strings.Contains(out, "throughput") || strings.Contains(out, "allowed") {
		t.Errorf("a noop run printed %q (%v); want results without an allowed ratio", out, err)
	}
}
