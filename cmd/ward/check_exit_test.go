package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCheckExitStatus: ward check, as a process, exits 0 for allowed and for denied, 2 for denied
// with --fail-on-denied (and prints the answer all the same), 1 for an error; -o json prints the
// API's CheckResponse.
func TestCheckExitStatus(t *testing.T) {
	public, admin, _ := startServer(t)
	if _, err := ward(t, public, admin, "", "schema", "write", "../../examples/schema.zed"); err != nil {
		t.Fatal(err)
	}
	if _, err := ward(t, public, admin, "", "tuples", "write", "../../examples/tuples.txt"); err != nil {
		t.Fatal(err)
	}
	ends := []string{"--endpoint", public, "--admin-endpoint", admin, "check", "--consistency", "fully_consistent"}
	for _, tc := range []struct {
		args       []string
		out        string
		code       int
		stderrHas  string
		stderrNone bool
	}{
		{[]string{"document:readme#view@user:alice"}, "allowed", 0, "", true},
		{[]string{"document:readme#view@user:bob"}, "denied", 0, "", true},
		{[]string{"--fail-on-denied", "document:readme#view@user:alice"}, "allowed", 0, "", true},
		{[]string{"--fail-on-denied", "document:readme#view@user:bob"}, "denied", exitDenied, "", true},
		{[]string{"--fail-on-denied", "documnet:readme#view@user:bob"}, "", 1, "documnet", false},
	} {
		stdout, stderr, code := wardProcess(t, nil, append(append([]string{}, ends...), tc.args...)...)
		if strings.TrimSpace(stdout) != tc.out || code != tc.code || !strings.Contains(stderr, tc.stderrHas) || (tc.stderrNone && stderr != "") {
			t.Errorf("ward check %v: stdout %q, stderr %q, exit %d; want %q, exit %d", tc.args, stdout, stderr, code, tc.out, tc.code)
		}
	}
	out, err := ward(t, public, admin, "", "check", "-o", "json", "--consistency", "fully_consistent", "document:readme#view@user:alice")
	var res struct {
		Decision  string `json:"decision"`
		CheckedAt string `json:"checked_at"`
	}
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || res.Decision != "DECISION_ALLOWED" || res.CheckedAt == "" {
		t.Errorf("check -o json printed %q (%v); want the CheckResponse with its decision and token", out, err)
	}
	if _, err := ward(t, public, admin, "", "check", "-o", "yaml", "document:readme#view@user:alice"); err == nil {
		t.Error("check -o yaml: no error")
	}
}
