package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecondFactorConfig reads the second factors' keys (Kratos's selfservice.methods.totp and
// lookup_secret, session.whoami.required_aal, selfservice.flows.settings.required_aal) from
// YAML, WARD_IDENTITY_* and --identity-*: off by default, highest_available by default, and a
// level other than aal1 and highest_available refused by key.
func TestSecondFactorConfig(t *testing.T) {
	none := func() []string { return nil }
	if c := loadTestConfig(t, none).Identity; c.TOTPEnabled || c.LookupSecretEnabled || c.WhoamiRequiredAAL != "highest_available" || c.SettingsRequiredAAL != "highest_available" {
		t.Errorf("default second-factor config = %+v", c)
	}
	path := filepath.Join(t.TempDir(), "ward.yaml")
	yaml := "identity:\n  totp_enabled: true\n  totp_issuer: from_file\n  whoami_required_aal: aal1\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func() []string { return []string{"WARD_IDENTITY_TOTP_ISSUER=Example Inc."} }
	if c := loadTestConfig(t, env, "--config", path, "--identity-lookup-secret-enabled", "--identity-settings-required-aal", "aal1").Identity; !c.TOTPEnabled || c.TOTPIssuer != "Example Inc." || !c.LookupSecretEnabled || c.WhoamiRequiredAAL != "aal1" || c.SettingsRequiredAAL != "aal1" {
		t.Errorf("second-factor config = %+v", c)
	}
	for _, bad := range [][]string{{"--identity-whoami-required-aal", "aal2"}, {"--identity-settings-required-aal", "aal3"}} {
		cmd := newServeCommand(none)
		if err := cmd.ParseFlags(bad); err != nil {
			t.Fatal(err)
		}
		if _, err := loadServeConfig(cmd.Flags(), none); err == nil || !strings.Contains(err.Error(), "identity."+strings.ReplaceAll(bad[0][len("--identity-"):], "-", "_")) {
			t.Errorf("%v: error %v, want one naming the key", bad, err)
		}
	}
}

// loadTestConfig loads ward serve's configuration from these flags and environment.
func loadTestConfig(t *testing.T, env func() []string, args ...string) serveConfig {
	t.Helper()
	cmd := newServeCommand(env)
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadServeConfig(cmd.Flags(), env)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
