package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// sessionJSON is what the tests read of a session the CLI prints.
type sessionJSON struct {
	ID        string        `json:"id"`
	Active    bool          `json:"active"`
	ExpiresAt time.Time     `json:"expires_at"`
	Identity  *identityJSON `json:"identity"`
}

func sessionIDs(list []sessionJSON) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.ID)
	}
	return out
}

// TestSessionsCLI drives every `ward sessions` subcommand against sessions opened by client-go
// logins, and checks with whoami that revoked sessions stop working.
func TestSessionsCLI(t *testing.T) {
	public, admin := startIdentityServer(t, func(*serveConfig) {})
	ctx := context.Background()
	const pw = "correct horse battery staple 1815"
	ada := wardJSON[identityJSON](t, public, admin, pw, "identities", "create", "--traits", `{"email":"ada@example.com"}`, "--password").ID
	bob := wardJSON[identityJSON](t, public, admin, pw, "identities", "create", "--traits", `{"email":"bob@example.com"}`, "--password").ID
	var adaSessions, adaTokens []string
	for range 3 {
		s := login(t, public, "ada@example.com", pw)
		adaSessions, adaTokens = append(adaSessions, s.Session.Id), append(adaTokens, *s.SessionToken)
	}
	bobSession := login(t, public, "bob@example.com", pw)
	whoami := func(token string) error {
		_, _, err := oryClient(public).FrontendAPI.ToSession(ctx).XSessionToken(token).Execute()
		return err
	}

	if l := wardJSON[[]sessionJSON](t, public, admin, "", "sessions", "list", "--identity", ada); len(l) != 3 {
		t.Errorf("list --identity ada = %v, want her 3 sessions", sessionIDs(l))
	}
	if l := wardJSON[[]sessionJSON](t, public, admin, "", "sessions", "list", "--all", "--page-size", "3"); len(l) != 4 {
		t.Errorf("list --all = %v, want 4 sessions", sessionIDs(l))
	}
	if _, stderr, err := wardStreams(t, public, admin, "", "sessions", "list", "--page-size", "3"); err != nil || !strings.Contains(stderr, "--page-token ") {
		t.Errorf("list --page-size 3 of 4 sessions: %v, stderr %q; want a next-page hint", err, stderr)
	}

	s := wardJSON[sessionJSON](t, public, admin, "", "sessions", "get", adaSessions[0])
	if s.ID != adaSessions[0] || !s.Active || s.Identity != nil {
		t.Errorf("get printed %+v; want the active session without its identity", s)
	}
	if s := wardJSON[sessionJSON](t, public, admin, "", "sessions", "get", adaSessions[0], "--expand", "identity"); s.Identity == nil || s.Identity.ID != ada {
		t.Errorf("get --expand identity printed %+v; want ada's identity", s.Identity)
	}
	if e := wardJSON[sessionJSON](t, public, admin, "", "sessions", "extend", adaSessions[0]); e.ID != adaSessions[0] || e.ExpiresAt.Before(s.ExpiresAt) {
		t.Errorf("extend printed %+v; want the session expiring no sooner than %s", e, s.ExpiresAt)
	}

	if out := wardOK(t, public, admin, "", "sessions", "revoke", adaSessions[0]); out != adaSessions[0]+"\n" {
		t.Errorf("revoke printed %q", out)
	}
	if err := whoami(adaTokens[0]); err == nil {
		t.Error("whoami with a revoked session succeeds")
	}
	if err := whoami(adaTokens[1]); err != nil {
		t.Errorf("whoami with another session of the identity: %v", err)
	}
	if l := wardJSON[[]sessionJSON](t, public, admin, "", "sessions", "list", "--identity", ada, "--active"); len(l) != 2 {
		t.Errorf("list --active = %v, want 2 sessions", sessionIDs(l))
	}
	if l := wardJSON[[]sessionJSON](t, public, admin, "", "sessions", "list", "--identity", ada, "--active=false"); len(l) != 1 || l[0].ID != adaSessions[0] {
		t.Errorf("list --active=false = %v, want the revoked session", sessionIDs(l))
	}

	wardOK(t, public, admin, "", "sessions", "revoke", "--identity", ada)
	for i, tok := range adaTokens {
		if err := whoami(tok); err == nil {
			t.Errorf("whoami with ada's session %d after revoke --identity succeeds", i)
		}
	}
	if l := wardJSON[[]sessionJSON](t, public, admin, "", "sessions", "list", "--active"); len(l) != 1 || l[0].ID != bobSession.Session.Id {
		t.Errorf("after revoking ada's sessions, the active ones are %v; want bob's", sessionIDs(l))
	}
	if err := whoami(*bobSession.SessionToken); err != nil {
		t.Errorf("whoami of another identity after revoke --identity: %v", err)
	}

	// As in Kratos, extending a revoked session answers it, and it stays revoked.
	if e := wardJSON[sessionJSON](t, public, admin, "", "sessions", "extend", adaSessions[1]); e.ID != adaSessions[1] || e.Active {
		t.Errorf("extend of a revoked session printed %+v; want it inactive", e)
	}

	const missing = "0d3f0b5e-53c7-4a3c-9a8e-2b1a0f0c9d11"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sessions", "get", "s1"}, `session ID "s1" is not a UUID`},
		{[]string{"sessions", "get", missing}, "404 Not Found"},
		{[]string{"sessions", "get", adaSessions[1], "--expand", "everything"}, `--expand takes identity and devices, not "everything"`},
		{[]string{"sessions", "extend", missing}, "404 Not Found"},
		{[]string{"sessions", "revoke"}, "give session IDs or --identity, not both"},
		{[]string{"sessions", "revoke", adaSessions[1], "--identity", ada}, "give session IDs or --identity, not both"},
		{[]string{"sessions", "revoke", missing}, missing + ": 404 Not Found"},
		{[]string{"sessions", "revoke", "--identity", "ada"}, `--identity "ada" is not a UUID`},
		{[]string{"sessions", "list", "--identity", bob, "--expand", "identity"}, "--expand applies to the list of every session"},
		{[]string{"sessions", "list", "--page-token", "bogus"}, "400 Bad Request"},
	} {
		_, err := ward(t, public, admin, "", tc.args...)
		if err == nil {
			t.Errorf("ward %v succeeded, want an error", tc.args)
			continue
		}
		if msg := oneLine(err); !strings.Contains(msg, tc.want) {
			t.Errorf("ward %v: error %q, want one containing %q", tc.args, msg, tc.want)
		}
	}
}
