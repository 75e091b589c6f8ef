package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"
)

// The images the example runs with here: ward's, built from the working tree, and the tests'
// PostgreSQL (make images), which takes the official image's place without a registry.
const (
	wardImage     = "ward:dev"
	postgresImage = "ward-test-postgres:17"
)

// TestCompose brings deploy/compose.yaml up as a user would, with the local images: the
// migration job runs, ward becomes healthy by the image's own health check, runs as a non-root
// user, and answers a permission check (schema and tuples written through the CLI) and an
// OAuth2 token request (golang.org/x/oauth2's client credentials flow).
func TestCompose(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the image and starts containers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ward := buildImage(ctx, t)
	compose, err := exec.LookPath("docker-compose")
	if err != nil {
		t.Fatal("docker-compose is not installed (apt-get install docker-compose; .ci/run does)")
	}
	apiKey, adminKey, secret := newKey(ctx, t, ward), newKey(ctx, t, ward), newKey(ctx, t, ward)
	publicPort, adminPort := freePort(t), freePort(t)
	project := fmt.Sprintf("ward-compose-test-%d", os.Getpid())
	env := append(os.Environ(),
		"WARD_IMAGE="+wardImage, "POSTGRES_IMAGE="+postgresImage,
		"WARD_API_KEYS="+apiKey, "WARD_ADMIN_API_KEYS="+adminKey, "WARD_TOKEN_SECRETS="+secret,
		fmt.Sprintf("WARD_PUBLIC_PORT=%d", publicPort), fmt.Sprintf("WARD_ADMIN_PORT=%d", adminPort))
	run := func(ctx context.Context, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, compose, append([]string{"-p", project, "-f", "compose.yaml"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if t.Failed() {
			logs, _ := run(ctx, "logs", "--no-color")
			t.Logf("docker-compose logs:\n%s", logs)
		}
		if out, err := run(ctx, "down", "--volumes", "--remove-orphans", "--timeout", "5"); err != nil {
			t.Errorf("docker-compose down: %v\n%s", err, out)
		}
	})
	if out, err := run(ctx, "up", "--detach"); err != nil {
		t.Fatalf("docker-compose up: %v\n%s", err, out)
	}
	out, err := run(ctx, "ps", "--quiet", "ward")
	if err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("docker-compose ps ward: %v\n%s", err, out)
	}
	container := strings.TrimSpace(out)
	waitHealthy(ctx, t, container)
	checkNonRoot(ctx, t, container)

	public := fmt.Sprintf("http://127.0.0.1:%d", publicPort)
	admin := fmt.Sprintf("http://127.0.0.1:%d", adminPort)
	cli := func(args ...string) string {
		t.Helper()
		all := append([]string{"--endpoint", public, "--admin-endpoint", admin, "--api-key", apiKey, "--admin-api-key", adminKey}, args...)
		out, err := exec.CommandContext(ctx, ward, all...).CombinedOutput()
		if err != nil {
			t.Fatalf("ward %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	examples := filepath.Join("..", "examples")
	cli("schema", "write", filepath.Join(examples, "schema.zed"))
	token := cli("tuples", "write", filepath.Join(examples, "tuples.txt"))
	if got := cli("check", "--at-least-as-fresh", token, "document:readme#view@user:alice"); !strings.Contains(got, "allowed") {
		t.Errorf("check of alice on readme printed %q, want allowed", got)
	}
	if got := cli("check", "--at-least-as-fresh", token, "document:readme#view@user:bob"); !strings.Contains(got, "denied") {
		t.Errorf("check of bob (banned) on readme printed %q, want denied", got)
	}

	var created struct {
		Client struct {
			ClientID string `json:"client_id"`
		} `json:"client"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(cli("clients", "create", "--json", "--grant-types", "client_credentials", "--scopes", "ward:check")), &created); err != nil {
		t.Fatal(err)
	}
	cc := clientcredentials.Config{ClientID: created.Client.ClientID, ClientSecret: created.ClientSecret,
		TokenURL: public + "/oauth2/token", Scopes: []string{"ward:check"}}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client credentials token request: %v", err)
	}
	if tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "bearer") || tok.Expiry.Before(time.Now()) {
		t.Errorf("token = %+v, want a bearer access token that has not expired", tok)
	}
	// The token, with the scope ward:check, is a credential of the permission API.
	out2, err := exec.CommandContext(ctx, ward, "--endpoint", public, "--admin-endpoint", admin, "--token", tok.AccessToken,
		"check", "--at-least-as-fresh", token, "document:roadmap#view@user:zoe").CombinedOutput()
	if err != nil || !bytes.Contains(out2, []byte("allowed")) {
		t.Errorf("check with the access token: %v: %s", err, out2)
	}
}

// buildImage runs make image's script (nothing happens when the image is current) and returns
// the static ward binary it built, which the tests use as the CLI.
func buildImage(ctx context.Context, t *testing.T) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, "../scripts/build-image.sh")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build-image.sh: %v\n%s", err, out)
	}
	bin, err := filepath.Abs("../bin/image/ward")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func newKey(ctx context.Context, t *testing.T, ward string) string {
	t.Helper()
	out, err := exec.CommandContext(ctx, ward, "apikey", "new").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func inspect(ctx context.Context, container, format string) (string, error) {
	out, err := exec.CommandContext(ctx, "docker", "inspect", "--format", format, container).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// waitHealthy waits until Docker runs the image's health check and it passes.
func waitHealthy(ctx context.Context, t *testing.T, container string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		status, err := inspect(ctx, container, "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}")
		if err != nil {
			t.Fatalf("docker inspect: %v: %s", err, status)
		}
		if status == "running healthy" {
			return
		}
		if !strings.HasPrefix(status, "running") || time.Now().After(deadline) {
			log, _ := inspect(ctx, container, "{{json .State.Health}}")
			t.Fatalf("ward container is %q, want running and healthy; health: %s", status, log)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// checkNonRoot checks the image's user and the uid the ward process runs under.
func checkNonRoot(ctx context.Context, t *testing.T, container string) {
	t.Helper()
	if user, err := inspect(ctx, container, "{{.Config.User}}"); err != nil || user == "" || strings.HasPrefix(user, "0") || strings.HasPrefix(user, "root") {
		t.Errorf("the image's user is %q (%v), want a non-root uid", user, err)
	}
	out, err := exec.CommandContext(ctx, "docker", "top", container, "-o", "pid,uid,comm").CombinedOutput()
	if err != nil {
		t.Fatalf("docker top: %v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 {
		t.Fatalf("docker top printed %q", out)
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 3 || f[1] == "0" || f[1] == "root" {
			t.Errorf("process %q runs as root", l)
		}
	}
}
