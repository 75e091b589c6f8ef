package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/store"
)

// startStaleServer starts a `ward serve` whose minimize_latency snapshots may be a day old, so
// that a read that does not ask for the snapshot of a write reliably misses it.
func startStaleServer(t *testing.T) (public, admin string) {
	t.Helper()
	public, admin, _ = startServerWith(t, func(c *serveConfig) { c.MaxStaleness = 24 * time.Hour })
	return public, admin
}

// mustWard runs the CLI in-process and returns its standard output, failing the test on error.
func mustWard(t *testing.T, public, admin, stdin string, args ...string) string {
	t.Helper()
	out, err := ward(t, public, admin, stdin, args...)
	if err != nil {
		t.Fatalf("ward %s: %v", strings.Join(args, " "), oneLine(err))
	}
	return out
}

// TestReadYourWritesAcrossCommands runs writes and then reads as separate CLI commands against a
// real `ward serve` whose minimize_latency snapshots lag by up to a day: every read answers from
// the write before it — checks, tuple reads, lookups and expands, and right after a schema write
// that adds a type — while --consistency minimize_latency still asks for the lagging snapshot.
func TestReadYourWritesAcrossCommands(t *testing.T) {
	public, admin := startStaleServer(t)
	w := func(stdin string, args ...string) string {
		t.Helper()
		return mustWard(t, public, admin, stdin, args...)
	}
	w("", "schema", "write", "../../examples/schema.zed")
	w("", "tuples", "write", "../../examples/tuples.txt")

	if got := w("", "check", "document:readme#view@user:alice"); got != "allowed\n" {
		t.Errorf("check right after the write = %q, want allowed", got)
	}
	// The snapshot without the token is the schema write's (the server never answers from one
	// older than its newest schema write), which has no tuples yet.
	if got := w("", "check", "--consistency", "minimize_latency", "document:readme#view@user:alice"); got != "denied\n" {
		t.Errorf("check at minimize_latency = %q; want denied, from the snapshot of the schema write", got)
	}
	if got := w("", "tuples", "read", "group:engineering"); got != "group:engineering#member@user:alice\ngroup:engineering#member@user:bob\n" {
		t.Errorf("tuples read right after the write = %q", got)
	}
	if got := w("", "lookup", "resources", "document", "view", "user:alice"); got != "readme\nroadmap\n" {
		t.Errorf("lookup resources right after the write = %q", got)
	}
	if got := w("", "lookup", "subjects", "group:staff#member", "user"); got != "alice\nbob\ncarol\n" {
		t.Errorf("lookup subjects right after the write = %q", got)
	}
	if got := w("", "expand", "group:engineering#member"); !strings.Contains(got, "user:alice, user:bob") {
		t.Errorf("expand right after the write = %q", got)
	}
	w("document:readme#banned@user:bob\n", "tuples", "delete", "-")
	if got := w("", "check", "document:readme#view@user:bob"); got != "allowed\n" {
		t.Errorf("check right after the delete of the ban = %q, want allowed", got)
	}

	// A schema write adding a type, then a check of it, a write to it and a check again.
	schema, err := os.ReadFile("../../examples/schema.zed")
	if err != nil {
		t.Fatal(err)
	}
	w(string(schema)+"\ndefinition project {\n  relation member: user | group#member\n}\n", "schema", "write", "-")
	for _, args := range [][]string{{"check"}, {"check", "--consistency", "minimize_latency"}} {
		if got := w("", append(args, "project:apollo#member@user:alice")...); got != "denied\n" {
			t.Errorf("ward %s of the type just added = %q, want denied", strings.Join(args, " "), got)
		}
	}
	w("project:apollo#member@group:engineering#member\n", "tuples", "write", "-")
	if got := w("", "check", "project:apollo#member@user:bob"); got != "allowed\n" {
		t.Errorf("check of the new type's tuple right after its write = %q, want allowed", got)
	}
	if got := w("", "lookup", "resources", "project", "member", "user:alice"); got != "apollo\n" {
		t.Errorf("lookup of the new type right after the write = %q, want apollo", got)
	}
	if got := w("", "tuples", "read", "project"); got != "project:apollo#member@group:engineering#member\n" {
		t.Errorf("tuples read of the new type right after the write = %q", got)
	}
}

// TestTokenFile checks the file where the CLI remembers its writes' tokens: JSON of the token
// alone per endpoint URL, private to the user, written whole (no temporary file left behind);
// a corrupt file, or a malformed entry, is ignored with a warning and replaced by the next write;
// a token the server refuses as newer than its data (a server restarted over an empty store) is
// forgotten with a warning and the read made without it.
func TestTokenFile(t *testing.T) {
	public, admin := startStaleServer(t)
	path := filepath.Join(testCacheDir(t), "tokens.json")
	tok := strings.TrimSpace(mustWard(t, public, admin, "", "schema", "write", "../../examples/schema.zed"))
	read := func() map[string]tokenFileItem {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var data tokenFileData
		if err := json.Unmarshal(b, &data); err != nil {
			t.Fatalf("the token file is not JSON: %v\n%s", err, b)
		}
		return data.Tokens
	}
	tokens := read()
	if len(tokens) != 2 || tokens[public].Token != tok || tokens[admin].Token != tok {
		t.Errorf("token file after a schema write = %+v; want the write's token %s for %s and %s", tokens, tok, public, admin)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("the cache directory holds %d files, want the token file alone", len(entries))
	}

	for _, corrupt := range []string{"{not json", `{"version":7,"tokens":{}}`,
		`{"version":1,"tokens":{"` + public + `":{"token":"garbage"}}}`} {
		if err := os.WriteFile(path, []byte(corrupt), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, err := wardStreams(t, public, admin, "", "check", "document:readme#view@user:dave")
		if err != nil || out != "denied\n" || !strings.Contains(errOut, "ward: warning: ignoring") {
			t.Errorf("check with the token file %q: %q, %q, %v; want an answer and a warning", corrupt, out, errOut, err)
		}
	}
	tok = strings.TrimSpace(mustWard(t, public, admin, "document:readme#owner@user:dave\n", "tuples", "write", "-"))
	if got := read()[public].Token; got != tok {
		t.Errorf("after a write over a corrupt file, the token of %s is %q, want %q", public, got, tok)
	}
	if got := mustWard(t, public, admin, "", "check", "document:readme#view@user:dave"); got != "allowed\n" {
		t.Errorf("check after the write = %q, want allowed", got)
	}

	// A token from a longer history than the server's.
	future := string(engine.TokenFor(store.Revision{Major: 1 << 40}))
	b, _ := json.Marshal(tokenFileData{Version: tokenFileVersion, Tokens: map[string]tokenFileItem{public: {Token: future}, admin: {Token: future}}})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := wardStreams(t, public, admin, "", "check", "document:readme#view@user:dave")
	if err != nil || out != "denied\n" && out != "allowed\n" || !strings.Contains(errOut, "refused the token of this ward's last write") {
		t.Errorf("check with a token newer than the server's data: %q, %q, %v; want an answer and a warning", out, errOut, err)
	}
	if got, ok := read()[public]; ok {
		t.Errorf("the refused token is still remembered: %+v", got)
	}
	if _, errOut, err := wardStreams(t, public, admin, "", "check", "document:readme#view@user:dave"); err != nil || errOut != "" {
		t.Errorf("the next check: %q, %v; want no warning", errOut, err)
	}
}

// TestTokenFileProcesses runs the CLI as processes of their own: by default the tokens are
// under $XDG_CACHE_HOME/ward, a write followed by a check answers from the write, and a refused
// check exits 1 with the server's reason on stderr.
func TestTokenFileProcesses(t *testing.T) {
	public, admin := startStaleServer(t)
	cache := t.TempDir()
	env := []string{"WARD_CACHE_DIR=", "XDG_CACHE_HOME=" + cache}
	flags := []string{"--endpoint", public, "--admin-endpoint", admin}
	run := func(args ...string) (string, string, int) {
		t.Helper()
		return wardProcess(t, env, append(flags, args...)...)
	}
	if _, stderr, code := run("schema", "write", "../../examples/schema.zed"); code != 0 {
		t.Fatalf("schema write: exit %d: %s", code, stderr)
	}
	if _, stderr, code := run("tuples", "write", "../../examples/tuples.txt"); code != 0 {
		t.Fatalf("tuples write: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(cache, "ward", "tokens.json")); err != nil {
		t.Errorf("no token file under XDG_CACHE_HOME: %v", err)
	}
	if out, stderr, code := run("check", "document:readme#view@user:alice"); code != 0 || out != "allowed\n" {
		t.Errorf("check in the process after the write: %q, exit %d, %s; want allowed", out, code, stderr)
	}
	out, stderr, code := run("check", "documnet:readme#view@user:alice")
	if code != 1 || out != "" || !strings.Contains(stderr, `ward: invalid_argument: resource.type: the schema has no type "documnet"`) {
		t.Errorf("check of an unknown type: %q, exit %d, %q; want exit 1 and the reason", out, code, stderr)
	}
}
