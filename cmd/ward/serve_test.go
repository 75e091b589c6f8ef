package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startServer runs serve on free loopback ports until the test ends, and returns the public and
// admin base URLs and a function that stops it and returns serve's error.
func startServer(t *testing.T) (public, admin string, stop func() error) {
	t.Helper()
	return startServerWith(t, func(*serveConfig) {})
}

// startServerWith is startServer with the configuration changed by edit.
func startServerWith(t *testing.T, edit func(*serveConfig)) (public, admin string, stop func() error) {
	t.Helper()
	return startServerLogging(t, edit, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// startServerLogging is startServerWith with serve's logs sent to log.
func startServerLogging(t *testing.T, edit func(*serveConfig), log *slog.Logger) (public, admin string, stop func() error) {
	t.Helper()
	cfg := defaultServeConfig()
	cfg.PublicAddr, cfg.AdminAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.ShutdownTimeout = 5 * time.Second
	edit(&cfg)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan [2]string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, log, ready) }()
	var addrs [2]string
	select {
	case addrs = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	return "http://" + addrs[0], "http://" + addrs[1], stop
}

// ward runs the CLI against the server and returns its standard output and error.
func ward(t *testing.T, public, admin string, stdin string, args ...string) (string, error) {
	t.Helper()
	out, _, err := wardStreams(t, public, admin, stdin, args...)
	return out, err
}

// testCacheDir is the cache directory of the CLI's commands in test t (where they remember the
// tokens of their writes): one for the whole test, as a person's is, and removed after it.
func testCacheDir(t *testing.T) string { return filepath.Join(t.ArtifactDir(), "cache") }

// wardStreams is ward that also returns what the CLI wrote to standard error.
func wardStreams(t *testing.T, public, admin string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCommand(&out, &errOut, func() []string { return []string{"WARD_CACHE_DIR=" + testCacheDir(t)} })
	cmd.SetArgs(append([]string{"--endpoint", public, "--admin-endpoint", admin}, args...))
	cmd.SetIn(strings.NewReader(stdin))
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestQuickstart(t *testing.T) {
	public, admin, _ := startServer(t)
	if _, err := ward(t, public, admin, "", "schema", "write", "../../examples/schema.zed"); err != nil {
		t.Fatalf("schema write: %v", oneLine(err))
	}
	out, err := ward(t, public, admin, "", "tuples", "write", "../../examples/tuples.txt")
	if err != nil {
		t.Fatalf("tuples write: %v", oneLine(err))
	}
	token := strings.TrimSpace(out)
	for _, tc := range []struct{ check, want string }{
		{"document:readme#view@user:alice", "allowed"}, // staff → handbook → onboarding → readme
		{"document:readme#view@user:bob", "denied"},    // banned
		{"document:readme#edit@user:dave", "allowed"},  // owner
		{"document:roadmap#view@user:zoe", "allowed"},  // public
		{"document:roadmap#edit@user:carol", "denied"}, // staff, but not engineering
		{"group:staff#member@group:engineering#member", "allowed"},
	} {
		out, err := ward(t, public, admin, "", "check", "--at-least-as-fresh", token, tc.check)
		if err != nil {
			t.Fatalf("check %s: %v", tc.check, oneLine(err))
		}
		if got := strings.TrimSpace(out); got != tc.want {
			t.Errorf("ward check %s = %q, want %q", tc.check, got, tc.want)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lookup", "resources", "document", "view", "user:alice"}, "readme\nroadmap\n"},
		{[]string{"lookup", "subjects", "document:roadmap#edit", "user"}, "alice\nbob\n"},
		{[]string{"lookup", "subjects", "document:roadmap#view", "user"}, "*\nalice\nbob\n"},
		{[]string{"tuples", "read", "group:staff"}, "group:staff#member@group:engineering#member\ngroup:staff#member@user:carol\n"},
		{[]string{"tuples", "read", "document@user"}, "document:readme#banned@user:bob\ndocument:readme#owner@user:dave\ndocument:roadmap#viewer@user:*\n"},
		{[]string{"expand", "group:staff#member"}, "group:staff#member = group:engineering#member, user:carol\n  group:engineering#member = user:alice, user:bob\n"},
	} {
		out, err := ward(t, public, admin, "", append(tc.args, "--at-least-as-fresh", token)...)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, oneLine(err))
		}
		if out != tc.want {
			t.Errorf("ward %s =\n%s\nwant\n%s", strings.Join(tc.args, " "), out, tc.want)
		}
	}
	// Deleting through standard input.
	out, err = ward(t, public, admin, "document:readme#banned@user:bob\n", "tuples", "delete", "-")
	if err != nil {
		t.Fatal(oneLine(err))
	}
	if out, _ := ward(t, public, admin, "", "check", "--at-least-as-fresh", strings.TrimSpace(out), "document:readme#view@user:bob"); out != "allowed\n" {
		t.Errorf("after deleting the ban, bob's check = %q, want allowed", out)
	}
}

func TestCLIErrors(t *testing.T) {
	public, admin, _ := startServer(t)
	if _, err := ward(t, public, admin, "", "schema", "write", "../../examples/schema.zed"); err != nil {
		t.Fatal(oneLine(err))
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"check", "not a tuple"}, `"not a tuple" has no '@'`},
		{"", []string{"check", "--consistency", "fully_consistent", "document:x#view@usr:a"}, `subject.type: the schema has no type "usr"`},
		{"document:x#viewer@folder:y\n", []string{"tuples", "write", "-"}, "invalid_argument: -:1: updates[0].relationship.subject: relation document#viewer does not allow subject folder:y"},
		{"document:x#viewer@user:a\nbroken\n", []string{"tuples", "write", "-"}, "-:2:"},
		{"definition doc {\n  relation viewer: usr\n}\n", []string{"schema", "write", "-"}, "line 2, column 20"},
		{"", []string{"check", "--at-least-as-fresh", "bogus", "document:x#view@user:a"}, "consistency.at_least_as_fresh"},
		{"", []string{"--endpoint", "http://127.0.0.1:1", "check", "document:x#view@user:a"}, "cannot reach the ward server"},
	} {
		_, err := ward(t, public, admin, tc.stdin, tc.args...)
		if err == nil {
			t.Errorf("ward %v succeeded, want an error", tc.args)
			continue
		}
		msg := oneLine(err)
		if strings.Contains(msg, "\n") || !strings.Contains(msg, tc.want) {
			t.Errorf("ward %v: error %q, want one line containing %q", tc.args, msg, tc.want)
		}
	}
}

func TestListeners(t *testing.T) {
	public, admin, _ := startServer(t)
	// routed reports whether a listener has a route for path: an unrouted path gets the mux's
	// plain-text 404, a routed one a Connect answer (which may be an error, such as not_found).
	routed := func(base, path string) bool {
		t.Helper()
		res, err := http.Post(base+path, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return !(res.StatusCode == http.StatusNotFound && strings.HasPrefix(string(body), "404 page not found"))
	}
	// Admin-only services are absent from the public listener.
	for _, path := range []string{
		"/ward.schema.v1.SchemaService/ReadSchema",
		"/ward.schema.v1.SchemaService/WriteSchema",
		"/ward.relationship.v1.RelationshipService/WriteRelationships",
		"/ward.relationship.v1.RelationshipService/DeleteRelationships",
		"/ward.relationship.v1.RelationshipService/ReadRelationships",
	} {
		if routed(public, path) {
			t.Errorf("public listener serves %s", path)
		}
		if !routed(admin, path) {
			t.Errorf("admin listener does not serve %s", path)
		}
	}
	for _, path := range []string{"/ward.ping.v1.PingService/Ping", "/ward.permission.v1.PermissionService/Check"} {
		if !routed(public, path) || !routed(admin, path) {
			t.Errorf("%s is not served on both listeners", path)
		}
	}
	for _, path := range []string{"/health/alive", "/health/ready", "/metrics"} {
		res, err := http.Get(admin + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", path, res.StatusCode)
		}
		if path == "/metrics" && !bytes.Contains(body, []byte("ward_rpc_duration_seconds")) {
			t.Errorf("/metrics lacks ward_rpc_duration_seconds")
		}
		if res, err := http.Get(public + path); err == nil {
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("public GET %s: status %d, want 404", path, res.StatusCode)
			}
			res.Body.Close()
		}
	}
}

// TestGracefulShutdown starts a request, shuts the server down while the request's body is still
// arriving, and checks that the request completes and serve returns cleanly.
func TestGracefulShutdown(t *testing.T) {
	public, _, stop := startServer(t)
	body, w := io.Pipe()
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.Post(public+"/ward.ping.v1.PingService/Ping", "application/json", body)
		if err != nil {
			done <- result{err: err}
			return
		}
		res.Body.Close()
		done <- result{code: res.StatusCode}
	}()
	if _, err := w.Write([]byte("{")); err != nil { // the request is now in flight
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("serve returned (%v) while a request was in flight", err)
	default:
	}
	w.Write([]byte("}"))
	w.Close()
	if r := <-done; r.err != nil || r.code != http.StatusOK {
		t.Fatalf("in-flight request: status %d, error %v; want 200", r.code, r.err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := http.Post(public+"/ward.ping.v1.PingService/Ping", "application/json", strings.NewReader("{}")); err == nil {
		t.Error("the server still accepts requests after shutdown")
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ward.yaml")
	if err := os.WriteFile(path, []byte("max_depth: 7\nmax_staleness: 2s\ncache_size: 10\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := newServeCommand(func() []string { return []string{"WARD_CACHE_SIZE=20", "WARD_ENDPOINT=http://x"} })
	if err := cmd.ParseFlags([]string{"--config", path, "--public-addr", "127.0.0.1:9999"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadServeConfig(cmd.Flags(), func() []string { return []string{"WARD_CACHE_SIZE=20", "WARD_ENDPOINT=http://x"} })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxDepth != 7 || cfg.MaxStaleness != 2*time.Second || cfg.CacheSize != 20 || cfg.PublicAddr != "127.0.0.1:9999" || cfg.AdminAddr != "127.0.0.1:4467" {
		t.Errorf("config = %+v; want file, then environment, then flags, over the defaults", cfg)
	}
	if err := os.WriteFile(path, []byte("max_deph: 7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadServeConfig(cmd.Flags(), func() []string { return nil }); err == nil || !strings.Contains(err.Error(), `unknown key "max_deph"`) {
		t.Errorf("a misspelt key: error %v, want one naming it", err)
	}
	cmd = newServeCommand(func() []string { return nil })
	if err := cmd.ParseFlags([]string{"--max-depth", "0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := loadServeConfig(cmd.Flags(), func() []string { return nil }); err == nil {
		t.Error("max_depth 0 was accepted")
	}
	cmd = newServeCommand(func() []string { return nil })
	if err := cmd.ParseFlags([]string{"--quorum-dsns", "host=a,host=b,host=c"}); err != nil {
		t.Fatal(err)
	}
	if _, err := loadServeConfig(cmd.Flags(), func() []string { return nil }); err == nil || !strings.Contains(err.Error(), "quorum_dsns") {
		t.Errorf("quorum_dsns without dsn: %v", err)
	}
}
