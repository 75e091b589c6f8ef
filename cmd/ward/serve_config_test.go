package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wardhq/ward/store/sql/pgtest"
)

// Every fatal problem of the configuration stops `ward serve` with a non-zero exit status and a
// message naming it, and the process never logs "listening": not for problems found as the
// configuration is read (a weak token secret, a duration without its unit), nor for those found
// as the services are built over bound listeners (a missing API key file, a bad identity schema
// URL, an http issuer off loopback, an unsealed signing key in the database).
func TestBadConfigNeverListens(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	noUnit := filepath.Join(dir, "no-unit.yaml")
	if err := os.WriteFile(noUnit, []byte("max_staleness: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dsn := pgtest.Shared(t).NewMigratedDatabase(t)
	plantUnsealed(t, dsn, "planted-kid")

	loopback := []string{"serve", "--public-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"weak token secret", nil, []string{"--token-secrets", "short"}, "token_secrets[0] is too easy to guess"},
		{"unreadable token secrets file", nil, []string{"--token-secrets-file", missing}, "token_secrets_file: open " + missing},
		{"duration without unit in the file", nil, []string{"--config", noUnit}, "max_staleness: 3 has no unit; write 3s or 3ms"},
		{"duration without unit in the environment", []string{"WARD_RETENTION=600"}, nil, `environment variable WARD_RETENTION: retention: "600" has no unit`},
		{"unreadable API key file", nil, []string{"--api-keys-file", missing}, "api_keys_file: open " + missing},
		{"bad identity schema URL", nil, []string{"--identity-schemas", "default=file://" + missing}, "identity.schemas"},
		{"http issuer off loopback", nil, []string{"--issuer", "http://ward.example.com"}, "issuer"},
		{"unsealed signing key", nil, []string{"--dsn", dsn, "--token-secrets", sealSecret}, "signing key kid=planted-kid is not sealed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := wardProcess(t, tc.env, append(loopback, tc.args...)...)
			if code == 0 {
				t.Errorf("exit status 0; want non-zero\n%s", stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, stderr)
			}
			if strings.Contains(stderr, "listening") {
				t.Errorf("a bad configuration logged listening before it failed:\n%s", stderr)
			}
		})
	}

	// The same process with a good configuration does log "listening", and stops cleanly.
	t.Run("good configuration", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestWardProcess$")
		cmd.Env = append(processEnv(), "WARD_TEST_PROCESS="+strings.Join(loopback, " "))
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		listening := 0
		for listening < 2 && sc.Scan() {
			if strings.Contains(sc.Text(), "msg=listening") {
				listening++
			}
		}
		if listening < 2 {
			t.Errorf("a good configuration logged listening %d times, want 2", listening)
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, stderr) // until the process ends
		if err := cmd.Wait(); err != nil {
			t.Errorf("ward serve after SIGTERM: %v", err)
		}
	})
}
