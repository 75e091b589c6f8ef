package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wardEnv runs `ward ARGS…` in this process with environ as its whole environment (the commands
// that read the server's configuration, serve and config print, see no other), and returns its
// standard output and error.
func wardEnv(t *testing.T, environ []string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCommand(&out, &errOut, func() []string { return environ })
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(t.Context())
	return out.String(), err
}

// printedConfig is the JSON of `ward config print -o json`.
type printedConfig struct {
	Config  map[string]any    `json:"config"`
	Sources map[string]string `json:"sources"`
}

// configJSON runs `ward config print -o json ARGS…` and parses what it prints.
func configJSON(t *testing.T, environ []string, args ...string) printedConfig {
	t.Helper()
	out, err := wardEnv(t, environ, append([]string{"config", "print", "-o", "json"}, args...)...)
	if err != nil {
		t.Fatalf("config print %s: %v", strings.Join(args, " "), err)
	}
	var p printedConfig
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("config print -o json printed what is not JSON (%v):\n%s", err, out)
	}
	return p
}

// writeConfig writes a YAML configuration file and returns its path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ward.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A duration written without its unit is an error wherever it is written, naming the key (and
// the variable, for the environment) and the value, rather than the nanoseconds it used to be;
// durations with units, and 0, are read as before.
func TestConfigDurationsNeedUnits(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"max_staleness: 3\n", "max_staleness: 3 has no unit; write 3s or 3ms"},
		{"max_staleness: \"3\"\n", `max_staleness: "3" has no unit; write 3s or 3ms`},
		{"max_staleness: 1.5\n", "max_staleness: 1.5 has no unit; write 1.5s or 1.5ms"},
		{"max_staleness: -2\n", "max_staleness: -2 has no unit; write -2s or -2ms"},
		{"read_timeout: 3x\n", `read_timeout: "3x" is not a duration; write one with its unit, such as 3s, 150ms or 1h30m`},
		{"identity:\n  session_lifespan: 86400\n", "identity.session_lifespan: 86400 has no unit; write 86400s or 86400ms"},
	} {
		path := writeConfig(t, tc.yaml)
		for _, command := range [][]string{{"serve"}, {"config", "print"}} {
			_, err := wardEnv(t, nil, append(command, "--config", path)...)
			if want := "config file " + path + ": " + tc.want; err == nil || err.Error() != want {
				t.Errorf("%s with %q: error %v\nwant %s", strings.Join(command, " "), tc.yaml, err, want)
			}
		}
	}

	_, err := wardEnv(t, []string{"WARD_MAX_STALENESS=3"}, "serve")
	if want := `environment variable WARD_MAX_STALENESS: max_staleness: "3" has no unit; write 3s or 3ms`; err == nil || err.Error() != want {
		t.Errorf("WARD_MAX_STALENESS=3: error %v\nwant %s", err, want)
	}
	_, err = wardEnv(t, nil, "serve", "--max-staleness", "3")
	if err == nil || !strings.Contains(err.Error(), `invalid argument "3" for "--max-staleness" flag: time: missing unit`) {
		t.Errorf("--max-staleness 3: error %v, want one naming the flag and the missing unit", err)
	}

	path := writeConfig(t, "max_staleness: 150ms\nretention: 3s\nshutdown_timeout: 0\nidentity:\n  session_lifespan: 2h\n")
	p := configJSON(t, []string{"WARD_REQUEST_TIMEOUT=2500ms"}, "--config", path, "--access-token-lifetime", "90m")
	identity, _ := p.Config["identity"].(map[string]any)
	for key, want := range map[string]any{
		"max_staleness": "150ms", "retention": "3s", "shutdown_timeout": "0s", "request_timeout": "2.5s",
		"access_token_lifetime": "1h30m0s", "identity.session_lifespan": "2h0m0s",
	} {
		got := p.Config[key]
		if k, ok := strings.CutPrefix(key, "identity."); ok {
			got = identity[k]
		}
		if got != want {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
}

// A value that a WARD_* variable gets wrong is an error that names the variable, the key and the
// value, and says what the key wants.
func TestConfigEnvErrorsNameTheVariable(t *testing.T) {
	for env, want := range map[string]string{
		"WARD_MAX_DEPTH=abc":                   `environment variable WARD_MAX_DEPTH: max_depth: "abc" is not an integer`,
		"WARD_MIRROR=maybe":                    `environment variable WARD_MIRROR: mirror: "maybe" is not true or false`,
		"WARD_CLIENT_AUTH_RATE=fast":           `environment variable WARD_CLIENT_AUTH_RATE: client_auth_rate: "fast" is not a number`,
		"WARD_IDENTITY_ARGON2_PARALLELISM=300": `environment variable WARD_IDENTITY_ARGON2_PARALLELISM: identity.argon2_parallelism: "300" is not an integer from 0 to 255`,
		"WARD_IDENTITY_SESSION_LIFESPAN=24":    `environment variable WARD_IDENTITY_SESSION_LIFESPAN: identity.session_lifespan: "24" has no unit; write 24s or 24ms`,
	} {
		_, err := wardEnv(t, []string{env}, "serve")
		if err == nil || err.Error() != want {
			t.Errorf("%s: error %v\nwant %s", env, err, want)
		}
	}
	// The file's values are checked the same way; an integral number in exponent form still
	// counts as an integer.
	_, err := wardEnv(t, nil, "serve", "--config", writeConfig(t, "max_depth: 1.5\n"))
	if err == nil || !strings.HasSuffix(err.Error(), "max_depth: 1.5 is not an integer") {
		t.Errorf("max_depth: 1.5: error %v", err)
	}
	p := configJSON(t, []string{"WARD_MAX_DEPTH=0x10"}, "--config", writeConfig(t, "cache_size: 1e6\n"))
	if p.Config["cache_size"] != 1e6 || p.Config["max_depth"] != 16.0 {
		t.Errorf("cache_size = %v, max_depth = %v; want 1000000 and 16", p.Config["cache_size"], p.Config["max_depth"])
	}
}
