package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	strongSecret1 = "q3J9vX2mL8pR4tY7wZ1bN6cF0hK5sD2gA9eU3iO7"
	strongSecret2 = "Zp8Lr2Qm6Tx0Vb4Nc9Hs3Jd7Kf1Wg5Ya8Ue2Io6"
)

func loadWith(t *testing.T, env []string, args ...string) (serveConfig, error) {
	t.Helper()
	cmd := newServeCommand(func() []string { return env })
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	return loadServeConfig(cmd.Flags(), func() []string { return env })
}

// WARD_TOKEN_SECRETS takes several secrets comma-separated, as --token-secrets does.
func TestTokenSecretsFromEnvironment(t *testing.T) {
	cfg, err := loadWith(t, []string{"WARD_TOKEN_SECRETS=" + strongSecret1 + "," + strongSecret2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.TokenSecrets, []string{strongSecret1, strongSecret2}) {
		t.Errorf("token secrets from the environment: %d of them; want the 2 given, in order", len(cfg.TokenSecrets))
	}
	cfg, err = loadWith(t, nil, "--token-secrets", strongSecret1+","+strongSecret2)
	if err != nil || len(cfg.TokenSecrets) != 2 {
		t.Errorf("token secrets from the flag: %d, %v; want 2", len(cfg.TokenSecrets), err)
	}
}

// Weak secrets are refused with a message naming which one, never its value; strong ones pass.
func TestTokenSecretsEntropy(t *testing.T) {
	for _, weak := range []string{
		strings.Repeat("a", 40),
		strings.Repeat("ab", 20),
		strings.Repeat("secret12", 5),
		"correcthorsebatterystaplecorrecthorse",
		"00000000000000000000000000000000111111111111",
		"passwordpasswordpasswordpassword",
	} {
		_, err := loadWith(t, []string{"WARD_TOKEN_SECRETS=" + strongSecret1 + "," + weak})
		if err == nil || !strings.Contains(err.Error(), "token_secrets[1] is too easy to guess") || strings.Contains(err.Error(), weak) {
			t.Errorf("weak secret %q: %v; want token_secrets[1] refused without its value", weak, err)
		}
	}
	for _, strong := range []string{strongSecret1, "bench-secret-of-at-least-32-bytes-long",
		"4f1c2a9e7b3d5f608e1a2c4b6d8f0a1c3e5b7d9f1a2c4e6b8d0f1a3c5e7b9d1f"} {
		if _, err := loadWith(t, nil, "--token-secrets", strong); err != nil {
			t.Errorf("strong secret %q: %v; want it accepted", strong, err)
		}
	}
}

// token_secrets_file: one secret per line, comments and blank lines skipped, after token_secrets;
// a missing or empty file and a weak secret in it are refused.
func TestTokenSecretsFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secrets")
	if err := os.WriteFile(path, []byte("# rotated 2026-12\n\n  "+strongSecret2+"  \n# old\n"+strongSecret1+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadWith(t, []string{"WARD_TOKEN_SECRETS_FILE=" + path}, "--token-secrets", strongSecret1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.TokenSecrets, []string{strongSecret1, strongSecret2, strongSecret1}) {
		t.Errorf("secrets: %d; want the flag's, then the file's two", len(cfg.TokenSecrets))
	}
	if _, err := loadWith(t, nil, "--token-secrets-file", filepath.Join(dir, "none")); err == nil || !strings.Contains(err.Error(), "token_secrets_file") {
		t.Errorf("a missing file: %v; want an error naming token_secrets_file", err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("# nothing yet\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadWith(t, nil, "--token-secrets-file", empty); err == nil || !strings.Contains(err.Error(), "holds no secret") {
		t.Errorf("a file without secrets: %v; want it refused", err)
	}
	weak := filepath.Join(dir, "weak")
	if err := os.WriteFile(weak, []byte(strings.Repeat("x", 48)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadWith(t, nil, "--token-secrets-file", weak); err == nil || !strings.Contains(err.Error(), "token_secrets[0]") {
		t.Errorf("a weak secret in the file: %v; want it refused", err)
	}
}

// TestEnvListsSplit checks that every list key given as one WARD_* variable is split at commas,
// as its flag is: not only token_secrets, but the DSNs, keys, host names and proxies too.
func TestEnvListsSplit(t *testing.T) {
	cfg, err := loadWith(t, []string{
		"WARD_API_KEYS=key-one-0123456789abcdef, key-two-0123456789abcdef",
		"WARD_ADMIN_HOSTS=ward-admin.internal,10.0.0.7",
		"WARD_TRUSTED_PROXIES=10.0.0.0/8,192.168.1.1",
		"WARD_PAGE_TOKEN_SECRETS=page-secret-one-0123456789,page-secret-two-0123456789,",
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]string{"api_keys": cfg.APIKeys, "admin_hosts": cfg.AdminHosts,
		"trusted_proxies": cfg.TrustedProxies, "page_token_secrets": cfg.PageTokenSecrets} {
		if len(got) != 2 {
			t.Errorf("%s from the environment: %q, want two items", name, got)
		}
	}
}
