package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ory "github.com/ory/client-go"
)

// startIdentityServer runs serve with the identity service over the built-in schema (email,
// the password identifier, and an optional name) and a cheap bcrypt for new passwords.
func startIdentityServer(t *testing.T, edit func(*serveConfig)) (public, admin string) {
	t.Helper()
	public, admin, _ = startServerWith(t, func(cfg *serveConfig) {
		cfg.Identity.PasswordAlgorithm, cfg.Identity.BcryptCost = "bcrypt", 4
		edit(cfg)
	})
	return public, admin
}

// wardOK runs the CLI, fails the test on an error, and returns what it printed on stdout.
func wardOK(t *testing.T, public, admin, stdin string, args ...string) string {
	t.Helper()
	out, stderr, err := wardStreams(t, public, admin, stdin, args...)
	if err != nil {
		t.Fatalf("ward %s: %v (stderr: %s)", strings.Join(args, " "), oneLine(err), stderr)
	}
	return out
}

// wardJSON is wardOK that decodes the output into a value of type T.
func wardJSON[T any](t *testing.T, public, admin, stdin string, args ...string) T {
	t.Helper()
	var v T
	out := wardOK(t, public, admin, stdin, args...)
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("ward %s printed %q, not the JSON expected: %v", strings.Join(args, " "), out, err)
	}
	return v
}

// identityJSON is what the tests read of an identity the CLI prints.
type identityJSON struct {
	ID             string          `json:"id"`
	SchemaID       string          `json:"schema_id"`
	State          string          `json:"state"`
	ExternalID     string          `json:"external_id"`
	Traits         map[string]any  `json:"traits"`
	MetadataPublic json.RawMessage `json:"metadata_public"`
	MetadataAdmin  json.RawMessage `json:"metadata_admin"`
	Credentials    map[string]struct {
		Identifiers []string        `json:"identifiers"`
		Config      json.RawMessage `json:"config"`
	} `json:"credentials"`
}

// compact returns JSON without its spaces.
func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// oryClient is client-go's API client of url.
func oryClient(url string) *ory.APIClient {
	cfg := ory.NewConfiguration()
	cfg.Servers = ory.ServerConfigurations{{URL: url}}
	cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	return ory.NewAPIClient(cfg)
}

// login logs in through a native app's login flow, with client-go, and returns the session.
func login(t *testing.T, public, identifier, password string) *ory.SuccessfulNativeLogin {
	t.Helper()
	ok, err := tryLogin(public, identifier, password)
	if err != nil {
		t.Fatalf("log in as %s: %v", identifier, err)
	}
	return ok
}

func tryLogin(public, identifier, password string) (*ory.SuccessfulNativeLogin, error) {
	ctx := context.Background()
	app := oryClient(public)
	f, _, err := app.FrontendAPI.CreateNativeLoginFlow(ctx).Execute()
	if err != nil {
		return nil, err
	}
	body := ory.UpdateLoginFlowWithPasswordMethodAsUpdateLoginFlowBody(&ory.UpdateLoginFlowWithPasswordMethod{
		Method: "password", Identifier: identifier, Password: password,
	})
	ok, _, err := app.FrontendAPI.UpdateLoginFlow(ctx).Flow(f.Id).UpdateLoginFlowBody(body).Execute()
	return ok, err
}

// TestIdentitiesCLI drives every `ward identities` subcommand but import against a server, and
// reads what they did back through client-go.
func TestIdentitiesCLI(t *testing.T) {
	public, admin := startIdentityServer(t, func(*serveConfig) {})
	ctx := context.Background()
	sdk := oryClient(admin)
	const pw = "correct horse battery staple 1815"

	a := wardJSON[identityJSON](t, public, admin, pw+"\n", "identities", "create",
		"--traits", `{"email":"ada@example.com","name":{"first":"Ada"}}`, "--password-stdin",
		"--metadata-public", `{"plan":"pro"}`, "--metadata-admin", `{"crm":42}`, "--external-id", "crm-42")
	if a.ID == "" || a.Traits["email"] != "ada@example.com" || a.ExternalID != "crm-42" || a.State != "active" || a.SchemaID != "default" {
		t.Fatalf("create printed %+v", a)
	}
	if compact(a.MetadataPublic) != `{"plan":"pro"}` || compact(a.MetadataAdmin) != `{"crm":42}` {
		t.Errorf("create's metadata: public %s, admin %s", a.MetadataPublic, a.MetadataAdmin)
	}
	if got := a.Credentials["password"].Identifiers; len(got) != 1 || got[0] != "ada@example.com" {
		t.Errorf("create's password identifiers = %v", got)
	}
	if strings.Contains(wardOK(t, public, admin, "", "identities", "get", a.ID, "--include-credential", "password"), "$2") {
		t.Error("get --include-credential password shows the password's hash")
	}
	// client-go reads the identity the CLI made, and its password logs in.
	got, _, err := sdk.IdentityAPI.GetIdentity(ctx, a.ID).Execute()
	if err != nil {
		t.Fatalf("client-go GetIdentity: %v", err)
	}
	if got.GetExternalId() != "crm-42" || got.MetadataPublic == nil {
		t.Errorf("client-go reads %+v", got)
	}
	if s := login(t, public, "ada@example.com", pw); s.Session.Identity == nil || s.Session.Identity.Id != a.ID {
		t.Errorf("the login's session is of %+v", s.Session.Identity)
	}

	// Traits from standard input, an inactive identity.
	b := wardJSON[identityJSON](t, public, admin, `{"email":"bob@example.com"}`, "identities", "create", "--traits-file", "-", "--state", "inactive")
	if b.State != "inactive" || b.Traits["email"] != "bob@example.com" {
		t.Fatalf("create --traits-file - --state inactive printed %+v", b)
	}
	if _, err := tryLogin(public, "bob@example.com", pw); err == nil {
		t.Error("an identity created without a password logs in")
	}

	for _, args := range [][]string{{"get", a.ID}, {"get", "--external-id", "crm-42"}, {"get", a.ID, "--include-credential", "password"}} {
		if g := wardJSON[identityJSON](t, public, admin, "", append([]string{"identities"}, args...)...); g.ID != a.ID {
			t.Errorf("identities %v printed identity %q, want %q", args, g.ID, a.ID)
		}
	}
	if l := wardJSON[[]identityJSON](t, public, admin, "", "identities", "list"); len(l) != 2 {
		t.Errorf("list printed %d identities, want 2", len(l))
	}
	if l := wardJSON[[]identityJSON](t, public, admin, "", "identities", "list", "--credentials-identifier", "ADA@example.com"); len(l) != 1 || l[0].ID != a.ID {
		t.Errorf("list --credentials-identifier printed %+v, want ada", l)
	}
	if l := wardJSON[[]identityJSON](t, public, admin, "", "identities", "list", "--ids", b.ID); len(l) != 1 || l[0].ID != b.ID {
		t.Errorf("list --ids printed %+v, want bob", l)
	}

	// update replaces traits and state from a file; patch changes a trait from standard input.
	file := filepath.Join(t.TempDir(), "bob.json")
	if err := os.WriteFile(file, []byte(`{"schema_id":"default","traits":{"email":"robert@example.com"},"state":"active","metadata_public":{"v":2}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	u := wardJSON[identityJSON](t, public, admin, "", "identities", "update", b.ID, file)
	if u.ID != b.ID || u.Traits["email"] != "robert@example.com" || u.State != "active" || compact(u.MetadataPublic) != `{"v":2}` {
		t.Errorf("update printed %+v", u)
	}
	p := wardJSON[identityJSON](t, public, admin, `[{"op":"replace","path":"/traits/email","value":"ada.l@example.com"},{"op":"add","path":"/metadata_public/since","value":1843}]`,
		"identities", "patch", a.ID)
	if p.Traits["email"] != "ada.l@example.com" || compact(p.MetadataPublic) != `{"plan":"pro","since":1843}` {
		t.Errorf("patch printed %+v", p)
	}
	login(t, public, "ada.l@example.com", pw) // the identifier followed the trait
	// A patch whose test fails changes nothing.
	if _, err := ward(t, public, admin, `[{"op":"replace","path":"/traits/email","value":"x@example.com"},{"op":"test","path":"/state","value":"inactive"}]`,
		"identities", "patch", a.ID); err == nil {
		t.Error("a patch whose test fails succeeded")
	}
	if g := wardJSON[identityJSON](t, public, admin, "", "identities", "get", a.ID); g.Traits["email"] != "ada.l@example.com" {
		t.Errorf("after a failed patch, the email is %v", g.Traits["email"])
	}

	// delete takes several IDs, prints each, and goes on past one that fails.
	if out := wardOK(t, public, admin, "", "identities", "delete", a.ID, b.ID); out != a.ID+"\n"+b.ID+"\n" {
		t.Errorf("delete printed %q", out)
	}
	if l := wardJSON[[]identityJSON](t, public, admin, "", "identities", "list"); len(l) != 0 {
		t.Errorf("after delete, list printed %d identities", len(l))
	}
	if _, err := ward(t, public, admin, "", "identities", "get", a.ID); err == nil || !strings.Contains(oneLine(err), "404 Not Found") {
		t.Errorf("get of a deleted identity: %v, want 404 Not Found", err)
	}
}

// TestIdentitiesCLIErrors checks that each mistake is named on one line, exits non-zero, and,
// for those the CLI catches, sends nothing.
func TestIdentitiesCLIErrors(t *testing.T) {
	public, admin := startIdentityServer(t, func(*serveConfig) {})
	id := wardJSON[identityJSON](t, public, admin, "", "identities", "create", "--traits", `{"email":"ada@example.com"}`).ID
	const missing = "0d3f0b5e-53c7-4a3c-9a8e-2b1a0f0c9d11"
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"identities", "get", "ada"}, `identity ID "ada" is not a UUID`},
		{"", []string{"identities", "get"}, "give an identity ID or --external-id"},
		{"", []string{"identities", "get", missing}, "404 Not Found: The requested resource could not be found"},
		{"", []string{"identities", "get", "--external-id", "nobody"}, "404 Not Found"},
		{"", []string{"identities", "get", id, "--include-credential", "magic"}, "400 Bad Request"},
		{"", []string{"identities", "create", "--traits", `{"email":"ada"}`}, `400 Bad Request: The request was malformed or contained invalid parameters: #/traits/email: "ada" is not valid "email"`},
		{"", []string{"identities", "create", "--traits", `{"email":"ada@example.com"}`}, "409 Conflict"},
		{"", []string{"identities", "create", "--traits", `[1]`}, "--traits must be a JSON object"},
		{"", []string{"identities", "create", "--traits", `{"email"`}, "--traits is not valid JSON"},
		{"", []string{"identities", "create"}, "traits"},
		{"", []string{"identities", "create", "--traits", "{}", "--state", "asleep"}, `--state must be active or inactive, not "asleep"`},
		{"", []string{"identities", "create", "--traits", "{}", "--metadata-public", "{"}, "--metadata-public is not valid JSON"},
		{"", []string{"identities", "create", "--traits", `{"email":"b@example.com"}`, "--password-stdin"}, "no password on standard input"},
		{"{}", []string{"identities", "create", "--traits-file", "-", "--password-stdin"}, "cannot both read standard input"},
		{"", []string{"identities", "create", "--traits", "{}", "--password", "hunter2"}, `unknown command "hunter2"`},
		{"not json", []string{"identities", "patch", id}, "- is not valid JSON"},
		{"{}", []string{"identities", "patch", id}, "- must be a JSON array"},
		{`[{"op":"replace","path":"/id","value":"x"}]`, []string{"identities", "patch", id}, "400 Bad Request"},
		{"[]", []string{"identities", "update", id}, "- must be a JSON object"},
		{"", []string{"identities", "update", id, "/nonexistent/file.json"}, "no such file"},
		{"", []string{"identities", "delete", id, "--", "-x"}, `identity ID "-x" is not a UUID`},
		{"", []string{"identities", "delete", missing}, missing + ": 404 Not Found"},
		{"", []string{"identities", "list", "--page-size", "100000"}, "400 Bad Request"},
		{"", []string{"identities", "list", "--page-token", "bogus"}, "400 Bad Request"},
		{"", []string{"identities", "list", "--ids", "x"}, `--ids "x" is not a UUID`},
		{"", []string{"--admin-endpoint", "http://127.0.0.1:1", "identities", "list"}, "cannot reach the ward server"},
	} {
		_, err := ward(t, public, admin, tc.stdin, tc.args...)
		if err == nil {
			t.Errorf("ward %v succeeded, want an error", tc.args)
			continue
		}
		if msg := oneLine(err); !strings.Contains(msg, tc.want) {
			t.Errorf("ward %v: error %q, want one containing %q", tc.args, msg, tc.want)
		}
	}
	// The delete with a bad ID deleted nothing, not even the good ID before it.
	if g := wardJSON[identityJSON](t, public, admin, "", "identities", "get", id); g.ID != id {
		t.Errorf("after the refused delete, get printed %+v", g)
	}
}

// TestIdentitiesCLIAdminKey checks that the identity commands send the admin API key (from
// --admin-api-key or WARD_ADMIN_API_KEY) to an admin listener off loopback, which asks for it.
func TestIdentitiesCLIAdminKey(t *testing.T) {
	const adminKey = "admin-key-0123456789abc"
	ip := nonLoopbackIP(t)
	public, admin := startIdentityServer(t, func(cfg *serveConfig) { cfg.AdminAddr, cfg.AdminAPIKeys = ip+":0", []string{adminKey} })
	if _, err := ward(t, public, admin, "", "identities", "list"); err == nil || !strings.Contains(oneLine(err), "401") {
		t.Errorf("list without the admin key: %v, want 401", err)
	}
	if out := wardOK(t, public, admin, "", "--admin-api-key", adminKey, "identities", "list"); strings.TrimSpace(out) != "[]" {
		t.Errorf("list with the admin key printed %q, want []", out)
	}
	var out, errOut strings.Builder
	cmd := newRootCommand(&out, &errOut, func() []string { return []string{"WARD_ADMIN_API_KEY=" + adminKey} })
	cmd.SetArgs([]string{"--endpoint", public, "--admin-endpoint", admin, "sessions", "list"})
	if err := cmd.ExecuteContext(context.Background()); err != nil || strings.TrimSpace(out.String()) != "[]" {
		t.Errorf("sessions list with WARD_ADMIN_API_KEY: %q, %v", out.String(), err)
	}
}
