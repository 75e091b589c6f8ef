package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIdentityConfig reads the identity section from YAML (nested under identity:), WARD_IDENTITY_*
// variables and --identity-* flags, later ones winning, and refuses bad values by key.
func TestIdentityConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ward.yaml")
	yaml := "identity:\n  schemas: [\"people=file:///etc/people.json\"]\n  cookie_name: from_file\n  session_lifespan: 2h\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func() []string {
		return []string{"WARD_IDENTITY_COOKIE_NAME=from_env", "WARD_IDENTITY_ALLOWED_RETURN_URLS=https://a.example/,https://b.example/"}
	}
	cmd := newServeCommand(env)
	if err := cmd.ParseFlags([]string{"--config", path, "--identity-login-burst", "3", "--identity-password-algorithm", "bcrypt"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadServeConfig(cmd.Flags(), env)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Identity
	if !c.Enabled || len(c.Schemas) != 1 || c.Schemas[0] != "people=file:///etc/people.json" || c.CookieName != "from_env" ||
		c.SessionLifespan != 2*time.Hour || len(c.AllowedReturnURLs) != 2 || c.LoginBurst != 3 || c.PasswordAlgorithm != "bcrypt" {
		t.Errorf("identity config = %+v", c)
	}
	for _, bad := range [][]string{
		{"--identity-schemas", "no-url"},
		{"--identity-password-algorithm", "md5"},
		{"--identity-session-lifespan", "1s"},
		{"--identity-verification-lifespan", "1s"},
		{"--identity-verification-ui-url", "ftp://files.example/verify"},
		{"--identity-verification-after-return-url", "/relative"},
		{"--identity-recovery-lifespan", "30s"},
		{"--identity-recovery-code-lifespan", "30s"},
		{"--identity-recovery-ui-url", "/ui/mine"},
		{"--identity-recovery-use", "sms"},
		{"--identity-verification-use", "carrier-pigeon"},
		{"--identity-recovery-link-lifespan", "1s"},
	} {
		cmd := newServeCommand(func() []string { return nil })
		if err := cmd.ParseFlags(bad); err != nil {
			t.Fatal(err)
		}
		if _, err := loadServeConfig(cmd.Flags(), func() []string { return nil }); err == nil || !strings.Contains(err.Error(), "identity.") {
			t.Errorf("%v: error %v, want one naming the identity key", bad, err)
		}
	}
}

// loadIdentityConfig loads the serve config from yaml ("" for no file), the variables env and
// the flags, as ward serve does.
func loadIdentityConfig(t *testing.T, yaml string, env []string, flags ...string) serveConfig {
	t.Helper()
	if yaml != "" {
		path := filepath.Join(t.TempDir(), "ward.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		flags = append([]string{"--config", path}, flags...)
	}
	vars := func() []string { return env }
	cmd := newServeCommand(vars)
	if err := cmd.ParseFlags(flags); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadServeConfig(cmd.Flags(), vars)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestVerificationConfig reads identity.verification.* (Kratos's selfservice.flows.verification)
// from YAML, WARD_IDENTITY_VERIFICATION_* and --identity-verification-*; it is off by default with
// Kratos's hour.
func TestVerificationConfig(t *testing.T) {
	if v := loadIdentityConfig(t, "", nil).Identity.Verification; v.Enabled || v.Lifespan != time.Hour || v.UIURL != "" || v.Use != "code" {
		t.Errorf("default verification config = %+v", v)
	}
	cfg := loadIdentityConfig(t, "identity:\n  verification:\n    ui_url: https://app.example/verify\n    lifespan: 2h\n    after_return_url: https://app.example/welcome\n",
		[]string{"WARD_IDENTITY_VERIFICATION_LIFESPAN=30m", "WARD_IDENTITY_VERIFICATION_USE=link"}, "--identity-verification-enabled")
	if v := cfg.Identity.Verification; !v.Enabled || v.Lifespan != 30*time.Minute || v.UIURL != "https://app.example/verify" ||
		v.AfterReturnURL != "https://app.example/welcome" || v.Use != "link" {
		t.Errorf("verification config = %+v", v)
	}
}

// TestRecoveryConfig reads identity.recovery.* (Kratos's selfservice.flows.recovery and
// selfservice.methods.code.config.lifespan) from YAML, WARD_IDENTITY_RECOVERY_* and
// --identity-recovery-*; it is off by default with Kratos's hour and fifteen minutes.
func TestRecoveryConfig(t *testing.T) {
	if r := loadIdentityConfig(t, "", nil).Identity.Recovery; r.Enabled || r.Lifespan != time.Hour || r.CodeLifespan != 15*time.Minute || r.UIURL != "" ||
		r.Use != "code" || r.LinkLifespan != time.Hour {
		t.Errorf("default recovery config = %+v", r)
	}
	cfg := loadIdentityConfig(t, "identity:\n  recovery:\n    ui_url: https://app.example/recover\n    lifespan: 2h\n    code_lifespan: 10m\n    use: link\n",
		[]string{"WARD_IDENTITY_RECOVERY_CODE_LIFESPAN=20m", "WARD_IDENTITY_RECOVERY_LINK_LIFESPAN=90m"}, "--identity-recovery-enabled")
	if r := cfg.Identity.Recovery; !r.Enabled || r.Lifespan != 2*time.Hour || r.CodeLifespan != 20*time.Minute || r.UIURL != "https://app.example/recover" ||
		r.Use != "link" || r.LinkLifespan != 90*time.Minute {
		t.Errorf("recovery config = %+v", r)
	}
}

// TestServeRecovery: ward serve answers the recovery routes with 400, and the admin code route
// with 404, until identity.recovery.enabled; then with a flow whose UI is the built-in page.
func TestServeRecovery(t *testing.T) {
	get := func(u string) (int, string) {
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	post := func(u string) int {
		res, err := http.Post(u, "application/json", strings.NewReader(`{"identity_id":"6a0c2f6e-8b0e-4bb8-9d0b-8a9a3c1d2e3f"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	off, offAdmin, _ := startServer(t)
	if code, body := get(off + "/self-service/recovery/api"); code != http.StatusBadRequest {
		t.Errorf("disabled: %d %s, want 400", code, body)
	}
	if code := post(offAdmin + "/admin/recovery/code"); code != http.StatusNotFound {
		t.Errorf("disabled admin route: %d, want 404", code)
	}
	on, onAdmin, _ := startServerWith(t, func(c *serveConfig) { c.Identity.Recovery.Enabled = true })
	if code, body := get(on + "/self-service/recovery/api"); code != http.StatusOK || !strings.Contains(body, `"state":"choose_method"`) {
		t.Errorf("enabled: %d %s, want 200 and a flow", code, body)
	}
	if code := post(onAdmin + "/admin/recovery/code"); code != http.StatusNotFound {
		t.Errorf("an unknown identity's code: %d, want 404", code)
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(on + "/self-service/recovery/browser")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, on+"/ui/recovery?flow=") {
		t.Errorf("a browser's recovery goes to %d %q, want the built-in page", res.StatusCode, loc)
	}
}

// TestServeVerification: ward serve answers the verification routes with 400 until
// identity.verification.enabled, and with a flow of Kratos's shape once it is.
func TestServeVerification(t *testing.T) {
	status := func(public string) (int, string) {
		res, err := http.Get(public + "/self-service/verification/api")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	off, _, _ := startServer(t)
	if code, body := status(off); code != http.StatusBadRequest {
		t.Errorf("disabled: %d %s, want 400", code, body)
	}
	on, _, _ := startServerWith(t, func(c *serveConfig) { c.Identity.Verification.Enabled = true })
	if code, body := status(on); code != http.StatusOK || !strings.Contains(body, `"state":"choose_method"`) {
		t.Errorf("enabled: %d %s, want 200 and a flow", code, body)
	}
}

// TestServeIdentity checks that ward serve mounts the identity API: whoami on the public
// listener (401 without a session), the identities on the admin listener only.
func TestServeIdentity(t *testing.T) {
	public, admin, _ := startServer(t)
	get := func(url string) (int, string) {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get(public + "/sessions/whoami"); code != http.StatusUnauthorized || !strings.Contains(body, "session_inactive") {
		t.Errorf("whoami without a session: %d %s", code, body)
	}
	if code, body := get(admin + "/admin/identities"); code != http.StatusOK || strings.TrimSpace(body) != "[]" {
		t.Errorf("admin list: %d %s", code, body)
	}
	if code, _ := get(public + "/admin/identities"); code == http.StatusOK {
		t.Error("the public listener serves the admin identities")
	}
}
