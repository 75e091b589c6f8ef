package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// buildInfoOf reads the module version, the commit, its time, whether the tree was modified, and
// the toolchain from the build information.
func TestBuildInfoOf(t *testing.T) {
	got := buildInfoOf(&debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/wardhq/ward", Version: "v0.0.0-20261204101500-fb2eea1c0de5+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "-trimpath", Value: "true"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "fb2eea1c0de5aa14c7a31cfbe5c64ab2b05f7a40"},
			{Key: "vcs.time", Value: "2026-12-04T10:15:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	})
	want := buildInfo{Version: "v0.0.0-20261204101500-fb2eea1c0de5+dirty", Commit: "fb2eea1c0de5aa14c7a31cfbe5c64ab2b05f7a40",
		CommitTime: "2026-12-04T10:15:00Z", Modified: true, GoVersion: "go1.26.8"}
	if got != want {
		t.Errorf("buildInfoOf = %+v, want %+v", got, want)
	}
	if got := buildInfoOf(&debug.BuildInfo{GoVersion: "go1.26.8"}); got != (buildInfo{Version: "(devel)", GoVersion: "go1.26.8"}) {
		t.Errorf("without a version or VCS settings: %+v", got)
	}
}

// `ward version`, `ward version -o json` and `ward --version` print the binary's build
// information.
func TestVersionCommand(t *testing.T) {
	text, err := wardEnv(t, nil, "version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, "ward ") || !strings.Contains(text, "\ngo: "+runtime.Version()+"\n") {
		t.Errorf("ward version printed:\n%s", text)
	}
	flag, err := wardEnv(t, nil, "--version")
	if err != nil || flag != text {
		t.Errorf("ward --version printed %q (%v); want what ward version prints, %q", flag, err, text)
	}
	out, err := wardEnv(t, nil, "version", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var bi buildInfo
	if err := json.Unmarshal([]byte(out), &bi); err != nil || bi.GoVersion != runtime.Version() || bi.Version == "" {
		t.Errorf("ward version -o json printed %s (%v)", out, err)
	}
}

// A ward built from a git checkout names its commit, and says when the tree was modified. The
// test builds one from a repository made of this working tree (the Go toolchain reads no VCS
// information from a git worktree, whose .git is a file).
func TestVersionOfABuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ward twice (two minutes the first time, seconds once cached)")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	repo := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		} else if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(repo, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=ward test", "-c", "user.email=test@ward.invalid"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "the working tree")
	commit := git("rev-parse", "HEAD")

	build := func() buildInfo {
		t.Helper()
		bin := filepath.Join(t.TempDir(), "ward")
		// -trimpath keeps the temporary directory out of the build cache's keys: later runs
		// reuse the packages compiled by the first.
		cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/ward")
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=true")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		out, err := exec.Command(bin, "version", "--json").Output()
		if err != nil {
			t.Fatalf("ward version --json: %v", err)
		}
		var bi buildInfo
		if err := json.Unmarshal(out, &bi); err != nil {
			t.Fatalf("ward version --json printed %s: %v", out, err)
		}
		text, err := exec.Command(bin, "--version").Output()
		t.Logf("ward --version:\n%s", text)
		if err != nil || !strings.Contains(string(text), "\ncommit: "+commit+"\n") {
			t.Errorf("ward --version printed %s (%v); want the commit %s", text, err, commit)
		}
		return bi
	}
	bi := build()
	if bi.Commit != commit || bi.Modified || bi.CommitTime == "" || !strings.Contains(bi.Version, commit[:12]) {
		t.Errorf("clean build: %+v; want commit %s, not modified, a pseudo-version naming it", bi, commit)
	}
	if err := os.WriteFile(filepath.Join(repo, "README.md"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bi = build()
	if bi.Commit != commit || !bi.Modified || !strings.HasSuffix(bi.Version, "+dirty") {
		t.Errorf("build of a modified tree: %+v; want commit %s, modified, +dirty", bi, commit)
	}
}
