package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/oauth2/clientcredentials"

	permv1 "github.com/wardhq/ward/proto/ward/permission/v1"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
	schemav1 "github.com/wardhq/ward/proto/ward/schema/v1"
	"github.com/wardhq/ward/proto/ward/schema/v1/schemav1connect"
)

// startServerConfig runs serve with cfg, addresses included, until the test ends; see
// startServer.
func startServerConfig(t *testing.T, cfg serveConfig) (public, admin string) {
	t.Helper()
	public, admin, _ = startServerWith(t, func(c *serveConfig) {
		*c = cfg
		c.ShutdownTimeout = 5 * time.Second
	})
	return public, admin
}

// serveErr returns serve's error for cfg, which must fail at start.
func serveErr(t *testing.T, cfg serveConfig) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ready := make(chan [2]string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ready) }()
	select {
	case <-ready:
		cancel()
		<-done
		return nil
	case err := <-done:
		return err
	}
}

// nonLoopbackIP returns an address of this machine that is not loopback, as a listener facing
// a network would be bound to.
func nonLoopbackIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Skip("this machine has no non-loopback IPv4 address to bind to")
	return ""
}

// bearerClient is an HTTP client that sends cred as a Bearer credential.
func bearerClient(cred string) *http.Client {
	c := &client{}
	c.creds.apiKey = cred
	return c.withCredentials(&http.Client{})
}

// dataCalls calls every method of the permission, relationship and schema services with hc and
// returns each call's error by procedure.
func dataCalls(ctx context.Context, hc *http.Client, public, admin string) map[string]error {
	perms := permissionv1connect.NewPermissionServiceClient(hc, public)
	rels := relationshipv1connect.NewRelationshipServiceClient(hc, admin)
	schemas := schemav1connect.NewSchemaServiceClient(hc, admin)
	obj := &relv1.ObjectReference{Type: "document", Id: "x"}
	subj := &relv1.SubjectReference{Type: "user", Id: "a"}
	tuple := &relv1.Relationship{Resource: obj, Relation: "viewer", Subject: subj}
	out := map[string]error{}
	_, out["Check"] = perms.Check(ctx, connect.NewRequest(&permv1.CheckRequest{Resource: obj, Permission: "view", Subject: subj}))
	_, out["CheckBulk"] = perms.CheckBulk(ctx, connect.NewRequest(&permv1.CheckBulkRequest{Items: []*permv1.CheckBulkRequestItem{{Resource: obj, Permission: "view", Subject: subj}}}))
	_, out["Expand"] = perms.Expand(ctx, connect.NewRequest(&permv1.ExpandRequest{Resource: obj, Permission: "view"}))
	_, out["LookupResources"] = perms.LookupResources(ctx, connect.NewRequest(&permv1.LookupResourcesRequest{ResourceType: "document", Permission: "view", Subject: subj}))
	_, out["LookupSubjects"] = perms.LookupSubjects(ctx, connect.NewRequest(&permv1.LookupSubjectsRequest{Resource: obj, Permission: "view", SubjectType: "user"}))
	_, out["ReadRelationships"] = rels.ReadRelationships(ctx, connect.NewRequest(&relv1.ReadRelationshipsRequest{Filter: &relv1.RelationshipFilter{ResourceType: "document"}}))
	_, out["WriteRelationships"] = rels.WriteRelationships(ctx, connect.NewRequest(&relv1.WriteRelationshipsRequest{Updates: []*relv1.RelationshipUpdate{{Operation: relv1.RelationshipUpdate_OPERATION_TOUCH, Relationship: tuple}}}))
	_, out["DeleteRelationships"] = rels.DeleteRelationships(ctx, connect.NewRequest(&relv1.DeleteRelationshipsRequest{Filter: &relv1.RelationshipFilter{ResourceType: "document", ResourceId: "nothing"}}))
	_, out["ReadSchema"] = schemas.ReadSchema(ctx, connect.NewRequest(&schemav1.ReadSchemaRequest{}))
	_, out["WriteSchema"] = schemas.WriteSchema(ctx, connect.NewRequest(&schemav1.WriteSchemaRequest{Schema: authSchema}))
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	stream, err := rels.Watch(wctx, connect.NewRequest(&relv1.WatchRequest{}))
	if err == nil {
		stream.Receive()
		err = stream.Err()
		if connect.CodeOf(err) == connect.CodeDeadlineExceeded {
			err = nil // it was let in, and waited for changes
		}
		stream.Close()
	}
	out["Watch"] = err
	return out
}

const authSchema = "definition user {}\ndefinition document {\n  relation viewer: user\n  permission view = viewer\n}\n"

// TestAPIAuth serves both listeners on a non-loopback address, where auth is on by default, and
// attacks every data method without credentials, with an API key from the config, with one
// from a hashed file, with ward-issued tokens of the right and the wrong scope, and with a
// revoked token; and the admin listener without its admin key.
func TestAPIAuth(t *testing.T) {
	ctx := context.Background()
	ip := nonLoopbackIP(t)
	key, fileKey, adminKey := "test-api-key-0123456789", "file-api-key-0123456789", "admin-key-0123456789abc"
	keyFile := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keyFile, []byte("# rotated 2026-12\n"+hashLine(fileKey)+" ci\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := defaultServeConfig()
	cfg.PublicAddr, cfg.AdminAddr = ip+":0", ip+":0"
	cfg.APIKeys, cfg.APIKeysFile, cfg.AdminAPIKeys = []string{key}, keyFile, []string{adminKey}
	cfg.MaxStaleness = 0             // reads see the schema the test just wrote
	cfg.Issuer = "https://ward.test" // an issuer off loopback must be https, as behind a TLS proxy
	public, admin := startServerConfig(t, cfg)

	for proc, err := range dataCalls(ctx, &http.Client{}, public, admin) {
		if connect.CodeOf(err) != connect.CodeUnauthenticated || !strings.Contains(err.Error(), "Authorization: Bearer") {
			t.Errorf("%s without credentials: %v, want unauthenticated naming Authorization: Bearer", proc, err)
		}
	}
	for proc, err := range dataCalls(ctx, bearerClient("wrong-key-0123456789abcdef"), public, admin) {
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Errorf("%s with a wrong key: %v, want unauthenticated", proc, err)
		}
	}
	for _, k := range []string{key, fileKey, adminKey} {
		for proc, err := range dataCalls(ctx, bearerClient(k), public, admin) {
			if c := connect.CodeOf(err); err != nil && (c == connect.CodeUnauthenticated || c == connect.CodePermissionDenied) {
				t.Errorf("%s with API key %.8s…: %v, want it let in", proc, k, err)
			}
		}
	}

	// The admin listener asks for the admin key on everything but the data services.
	get := func(cred, path string) int {
		req, _ := http.NewRequest(http.MethodGet, admin+path, nil)
		if cred != "" {
			req.Header.Set("Authorization", "Bearer "+cred)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, path := range []string{"/metrics", "/health/ready", "/health/alive"} {
		for cred, want := range map[string]int{"": 401, key: 401, adminKey: 200} {
			if got := get(cred, path); got != want {
				t.Errorf("GET %s with %q: status %d, want %d", path, cred, got, want)
			}
		}
	}

	// Tokens: a client-credentials token with ward:check may check, and nothing else.
	run := func(env []string, args ...string) (string, error) {
		var out, errOut bytes.Buffer
		cmd := newRootCommand(&out, &errOut, func() []string { return env })
		cmd.SetArgs(append([]string{"--endpoint", public, "--admin-endpoint", admin}, args...))
		cmd.SetIn(strings.NewReader(authSchema))
		err := cmd.ExecuteContext(ctx)
		return out.String(), err
	}
	if _, err := run(nil, "clients", "create", "--json", "--grant-types", "client_credentials", "--scopes", "ward:check,ward:lookup"); err == nil || !strings.Contains(oneLine(err), "unauthenticated") {
		t.Errorf("clients create without the admin key: %v, want unauthenticated", err)
	}
	out, err := run([]string{"WARD_ADMIN_API_KEY=" + adminKey}, "clients", "create", "--json", "--grant-types", "client_credentials", "--scopes", "ward:check,ward:lookup")
	if err != nil {
		t.Fatalf("clients create with the admin key: %v", oneLine(err))
	}
	var c createdClient
	if err := jsonUnmarshal(out, &c); err != nil {
		t.Fatal(err)
	}
	cc := clientcredentials.Config{ClientID: c.Client.ClientID, ClientSecret: c.ClientSecret, TokenURL: public + "/oauth2/token", Scopes: []string{"ward:check"}}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	calls := dataCalls(ctx, bearerClient(tok.AccessToken), public, admin)
	for proc, err := range calls {
		allowed := proc == "Check" || proc == "CheckBulk" || proc == "Expand"
		switch c := connect.CodeOf(err); {
		case allowed && err != nil && (c == connect.CodeUnauthenticated || c == connect.CodePermissionDenied):
			t.Errorf("%s with a ward:check token: %v, want it let in", proc, err)
		case !allowed && (c != connect.CodePermissionDenied || !strings.Contains(err.Error(), "ward:")):
			t.Errorf("%s with a ward:check token: %v, want permission_denied naming the scope", proc, err)
		}
	}

	// The CLI with --api-key and WARD_API_KEY, and with --token.
	if _, err := run(nil, "--api-key", key, "schema", "write", "-"); err != nil {
		t.Errorf("ward schema write with --api-key: %v", oneLine(err))
	}
	for _, args := range [][]string{
		{"--api-key", key, "check", "document:x#view@user:a"},
		{"--token", tok.AccessToken, "check", "document:x#view@user:a"},
	} {
		if _, err := run(nil, args...); err != nil {
			t.Errorf("ward %v: %v", args, oneLine(err))
		}
	}
	if _, err := run([]string{"WARD_API_KEY=" + fileKey}, "tuples", "read", "document"); err != nil {
		t.Errorf("ward tuples read with WARD_API_KEY: %v", oneLine(err))
	}
	if _, err := run(nil, "check", "document:x#view@user:a"); err == nil || !strings.Contains(oneLine(err), "unauthenticated") {
		t.Errorf("ward check without a key: %v, want unauthenticated", err)
	}

	// A revoked token is refused.
	form := url.Values{"token": {tok.AccessToken}}
	req, _ := http.NewRequest(http.MethodPost, public+"/oauth2/revoke", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.Client.ClientID), url.QueryEscape(c.ClientSecret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("revoke: status %d", res.StatusCode)
	}
	if err := calls["Check"]; err != nil && connect.CodeOf(err) == connect.CodeUnauthenticated {
		t.Fatal("the token was refused before it was revoked")
	}
	if err := dataCalls(ctx, bearerClient(tok.AccessToken), public, admin)["Check"]; connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Errorf("Check with a revoked token: %v, want unauthenticated", err)
	}
}

// TestAPIAuthModes checks the switch: required on loopback asks for a key, auto on loopback
// does not, and an admin listener off loopback without an admin key does not start.
func TestAPIAuthModes(t *testing.T) {
	ctx := context.Background()
	cfg := defaultServeConfig()
	cfg.PublicAddr, cfg.AdminAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.APIAuth, cfg.APIKeys = "required", []string{"test-api-key-0123456789"}
	public, admin := startServerConfig(t, cfg)
	if err := dataCalls(ctx, &http.Client{}, public, admin)["Check"]; connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Errorf("Check without a key, api_auth=required on loopback: %v, want unauthenticated", err)
	}
	cfg.APIAuth = "auto"
	public, admin = startServerConfig(t, cfg)
	if err := dataCalls(ctx, &http.Client{}, public, admin)["Check"]; connect.CodeOf(err) == connect.CodeUnauthenticated {
		t.Errorf("Check without a key, api_auth=auto on loopback: %v, want it open", err)
	}

	ip := nonLoopbackIP(t)
	cfg = defaultServeConfig()
	cfg.PublicAddr, cfg.AdminAddr = "127.0.0.1:0", ip+":0"
	if err := serveErr(t, cfg); err == nil || !strings.Contains(err.Error(), "admin_api_keys") {
		t.Errorf("admin listener off loopback without an admin key: %v, want a refusal naming admin_api_keys", err)
	}
	cfg.APIAuth = "open"
	if err := serveErr(t, cfg); err != nil {
		t.Errorf("api_auth=open: %v, want it to start", err)
	}
	cfg = defaultServeConfig()
	cfg.APIKeys = []string{"short"}
	if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Errorf("a short key: %v, want a refusal", err)
	}
}

// hashLine is the api_keys_file line of key, as `ward apikey hash` prints it.
func hashLine(key string) string {
	var out bytes.Buffer
	cmd := newRootCommand(&out, io.Discard, func() []string { return nil })
	cmd.SetArgs([]string{"apikey", "hash"})
	cmd.SetIn(strings.NewReader(key + "\n"))
	if err := cmd.Execute(); err != nil {
		panic(err)
	}
	return strings.TrimSpace(out.String())
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
