package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/engine"
)

// TestCommandErrors runs the CLI as processes of their own and checks what they print and exit
// with when they are misused: an argument or flag error is followed by the usage line, an
// unknown command by cobra's suggestions laid out as cobra does, a scheme-less endpoint is http
// on loopback and refused elsewhere, and an API the endpoint does not serve is named as such.
func TestCommandErrors(t *testing.T) {
	public, admin := startStaleServer(t)
	flags := []string{"--endpoint", public, "--admin-endpoint", admin}
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string // the whole of it
	}{
		{[]string{"check"}, 1, "ward: accepts 1 arg(s), received 0\nusage: ward check 'type:id#permission@subject' [flags]\n(`ward check --help` says more)\n"},
		{[]string{"tuples", "read", "--bogus"}, 1, "ward: unknown flag: --bogus\nusage: ward tuples read [FILTER] [flags]\n(`ward tuples read --help` says more)\n"},
		{[]string{"chek"}, 1, "ward: unknown command \"chek\" for \"ward\"\n\nDid you mean this?\n\tcheck\n"},
		{[]string{"tuples", "wrte", "x"}, 1, "ward: unknown command \"wrte\" for \"ward tuples\"\n\nDid you mean this?\n\twrite\n"},
		{[]string{"check", "document:café#view@user:x"}, 1,
			"ward: resource.id: id \"café\" holds 'é' at byte 3; ids may hold only A-Z a-z 0-9 / _ | - = + . :\n"},
		{[]string{"--endpoint", "example.com:4466", "check", "document:a#view@user:x"}, 1,
			"ward: --endpoint \"example.com:4466\" has no scheme: write https://example.com:4466 (or http:// for a server without TLS)\n"},
		{[]string{"--admin-endpoint", public, "tuples", "read"}, 1,
			"ward: unimplemented: the server there does not serve this command's API: the service is off (oauth2 or identity not configured), or the endpoint is the other listener's (--endpoint is the public API, --admin-endpoint the admin API) (404 Not Found)\n"},
	} {
		out, stderr, code := wardProcess(t, nil, append(flags, tc.args...)...)
		if code != tc.code || stderr != tc.stderr || out != "" {
			t.Errorf("ward %s: exit %d, stdout %q, stderr %q; want exit %d and stderr %q", strings.Join(tc.args, " "), code, out, stderr, tc.code, tc.stderr)
		}
	}

	// Without a scheme, a loopback endpoint is http.
	if _, stderr, code := wardProcess(t, nil, "--endpoint", strings.TrimPrefix(public, "http://"), "--admin-endpoint", strings.TrimPrefix(admin, "http://"),
		"schema", "write", "../../examples/schema.zed"); code != 0 {
		t.Fatalf("schema write to scheme-less loopback endpoints: exit %d, %s", code, stderr)
	}
	if out, stderr, code := wardProcess(t, nil, "--endpoint", strings.TrimPrefix(public, "http://"), "check", "document:a#view@user:x"); code != 0 || out != "denied\n" {
		t.Errorf("check at a scheme-less loopback endpoint: %q, exit %d, %s", out, code, stderr)
	}
}

// TestTupleFileErrors checks that a tuple the server refuses is named by its file and line, in
// tuples write and delete alike (tuples import validates each line itself, with the same
// prefix); that a file over the limit of one write says how to split it; and that --batch-size
// writes it in atomic batches, a failed batch saying what the earlier ones wrote.
func TestTupleFileErrors(t *testing.T) {
	public, admin := startStaleServer(t)
	mustWard(t, public, admin, "", "schema", "write", "../../examples/schema.zed")
	dir := t.TempDir()
	file := filepath.Join(dir, "tuples.txt")
	if err := os.WriteFile(file, []byte("# people\ngroup:eng#member@user:alice\n\ngroup:eng#member@user:bob\n// next\ndocumnet:readme#viewer@user:alice\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"write", "delete"} {
		_, err := ward(t, public, admin, "", "tuples", verb, file)
		want := fmt.Sprintf(`invalid_argument: %s:6: updates[2].relationship.resource.type: the schema has no type "documnet"`, file)
		if err == nil || oneLine(err) != want {
			t.Errorf("tuples %s of a file with a bad tuple on line 6: %v; want %q", verb, err, want)
		}
	}
	if _, stderr, code := wardProcess(t, nil, "--endpoint", public, "--admin-endpoint", admin, "tuples", "write", file); code != 1 ||
		!strings.Contains(stderr, file+":6: updates[2]") {
		t.Errorf("tuples write in a process: exit %d, %q; want exit 1 and the line", code, stderr)
	}
	_, err := ward(t, public, admin, "", "tuples", "write", "--batch-size", "2", file)
	want := fmt.Sprintf(`invalid_argument: %s:6: updates[0].relationship.resource.type: the schema has no type "documnet" (this batch wrote nothing; the 2 tuples before it were written, at `, file)
	if err == nil || !strings.HasPrefix(oneLine(err), want) {
		t.Errorf("tuples write --batch-size 2 with a bad tuple in the second batch: %v; want %q…", err, want)
	}
	if got := mustWard(t, public, admin, "", "tuples", "read", "group:eng"); got != "group:eng#member@user:alice\ngroup:eng#member@user:bob\n" {
		t.Errorf("after the failed second batch, group:eng holds %q; want the first batch's tuples", got)
	}

	big := filepath.Join(dir, "big.txt")
	var b strings.Builder
	n := engine.MaxWriteBatch + 1
	for i := range n {
		fmt.Fprintf(&b, "document:d%d#viewer@user:u\n", i)
	}
	if err := os.WriteFile(big, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = ward(t, public, admin, "", "tuples", "write", big)
	want = fmt.Sprintf("%s holds %d tuples; one atomic write takes at most %d: pass --batch-size %d to write them in batches, each atomic on its own, or split the file",
		big, n, engine.MaxWriteBatch, engine.MaxWriteBatch)
	if err == nil || oneLine(err) != want {
		t.Errorf("tuples write of %d tuples: %v; want %q", n, err, want)
	}
	mustWard(t, public, admin, "", "tuples", "write", "--batch-size", fmt.Sprint(engine.MaxWriteBatch), big)
	if got := strings.Count(mustWard(t, public, admin, "", "lookup", "resources", "document", "view", "user:u"), "\n"); got != n {
		t.Errorf("after the batched write, user:u views %d documents, want %d", got, n)
	}
	_, errOut, err := wardStreams(t, public, admin, "", "tuples", "delete", "--batch-size", "4000", big)
	if err != nil || errOut != fmt.Sprintf("deleted %d tuples\n", n) {
		t.Errorf("batched delete: %q, %v; want all %d deleted", errOut, err, n)
	}
}
