package main

import (
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// `ward config print` shows every key with where its value came from (default, file, env, flag),
// masks every secret, and, as YAML, reads back as the same configuration.
func TestConfigPrint(t *testing.T) {
	secrets := []string{
		"hunter2-db-password", "replica-pass-9", "quorum-pw-7", "otlp-token-5",
		"Hq7vN2xK9pLm4RtY8wZc3FjB6sDg1EuA", "pX4mQ8zR2vT6yN1kW9cJ5hL3bF7dG0sE",
		"api-key-0123456789abcdef", "admin-key-0123456789abcdef", "smtp-pass-3",
	}
	path := writeConfig(t, "max_staleness: 2s\n"+
		"dsn: postgres://ward:"+secrets[0]+"@db1:5432/ward?sslmode=disable\n"+
		"identity:\n  session_lifespan: 2h\n"+
		"courier:\n  smtp:\n    connection_uri: smtps://mailer:"+secrets[8]+"@mail.example.com:2465/\n    headers:\n      X-Tag: ward\n")
	env := []string{
		"WARD_REPLICA_DSNS=host=r1 user=ward password='" + secrets[1] + "' dbname=ward",
		"WARD_API_KEYS=" + secrets[6],
		"WARD_IDENTITY_COOKIE_NAME=sid",
		"WARD_ENDPOINT=http://not-the-servers:1",
	}
	args := []string{
		"--config", path, "--cache-size", "5",
		"--quorum-dsns", "postgres://a:" + secrets[2] + "@q1/ward,postgres://a:" + secrets[2] + "@q2/ward,postgres://a:" + secrets[2] + "@q3/ward",
		"--otlp-traces-endpoint", "https://ward:" + secrets[3] + "@collector:4318/v1/traces",
		"--token-secrets", secrets[4], "--page-token-secrets", secrets[5], "--admin-api-keys", secrets[7],
	}

	out, err := wardEnv(t, env, append([]string{"config", "print"}, args...)...)
	if err != nil {
		t.Fatalf("config print: %v", err)
	}
	for _, line := range []string{
		"max_staleness: 2s # file " + path,
		"cache_size: 5 # flag --cache-size",
		"max_depth: 50 # default",
		"dsn: postgres://ward:********@db1:5432/ward?sslmode=disable # file " + path,
		"replica_dsns: # env WARD_REPLICA_DSNS\n  - host=r1 user=ward password=******** dbname=ward",
		"quorum_dsns: # flag --quorum-dsns\n  - postgres://a:********@q1/ward",
		"otlp_traces_endpoint: https://ward:********@collector:4318/v1/traces # flag --otlp-traces-endpoint",
		"token_secrets: # flag --token-secrets\n  - '********'",
		"api_keys: # env WARD_API_KEYS\n  - '********'",
		"identity:\n  enabled: true # default",
		"  session_lifespan: 2h0m0s # file " + path,
		"  cookie_name: sid # env WARD_IDENTITY_COOKIE_NAME",
		"courier:\n  smtp:\n    connection_uri: smtps://mailer:********@mail.example.com:2465/ # file " + path,
		"    headers: # file " + path + "\n      X-Tag: ward",
		"  templates: {} # default",
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("config print lacks the line %q:\n%s", line, out)
		}
	}
	rawJSON, err := wardEnv(t, env, append([]string{"config", "print", "--json"}, args...)...)
	if err != nil {
		t.Fatalf("config print --json: %v", err)
	}
	p := configJSON(t, env, args...)
	all := out + "\n" + rawJSON
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("config print shows the secret %q", s)
		}
	}
	for key, want := range map[string]string{
		"max_staleness": "file " + path, "identity.session_lifespan": "file " + path,
		"identity.cookie_name": "env WARD_IDENTITY_COOKIE_NAME", "cache_size": "flag --cache-size",
		"token_secrets": "flag --token-secrets", "mirror": "default", "identity.enabled": "default",
	} {
		if p.Sources[key] != want {
			t.Errorf("sources[%s] = %q, want %q", key, p.Sources[key], want)
		}
	}
	if n := len(configEntries(defaultServeConfig(), nil)); len(p.Sources) != n || n < len(newConfigKeys().names) {
		t.Errorf("sources has %d keys, want every one of the %d", len(p.Sources), n)
	}
	if p.Config["dsn"] != "postgres://ward:********@db1:5432/ward?sslmode=disable" || p.Config["identity"].(map[string]any)["cookie_name"] != "sid" {
		t.Errorf("config print -o json: dsn %v, identity %v", p.Config["dsn"], p.Config["identity"])
	}

	// Without secrets, the YAML printed is a configuration file that gives the same configuration.
	path = writeConfig(t, "max_staleness: 2s\nidentity:\n  session_lifespan: 2h\ncourier:\n  smtp:\n    headers:\n      X-Tag: ward\n"+
		"  templates:\n    recovery_code:\n      valid:\n        email:\n          subject: base64://eA==\n")
	plain := []string{"--config", path, "--cache-size", "5", "--admin-hosts", "ward-admin.internal", "--identity-schemas", "default=base64://e30="}
	printed, err := wardEnv(t, nil, append([]string{"config", "print"}, plain...)...)
	if err != nil {
		t.Fatal(err)
	}
	again := writeConfig(t, printed)
	first, second := configJSON(t, nil, plain...), configJSON(t, nil, "--config", again)
	if first.Config["courier"].(map[string]any)["templates"].(map[string]any)["recovery_code"] == nil {
		t.Errorf("config print -o json lacks the template: %v", first.Config["courier"])
	}
	if !reflect.DeepEqual(first.Config, second.Config) {
		t.Errorf("the printed YAML reads back as another configuration:\n%v\nwant\n%v", second.Config, first.Config)
	}
	if second.Sources["mirror"] != "file "+again {
		t.Errorf("read back, mirror comes from %q", second.Sources["mirror"])
	}

	// The configuration is validated as serve validates it.
	if _, err := wardEnv(t, nil, "config", "print", "--token-secrets", "short"); err == nil || !strings.Contains(err.Error(), "token_secrets[0] is too easy to guess") {
		t.Errorf("config print with a weak secret: %v", err)
	}
	if _, err := wardEnv(t, nil, "config", "print", "-o", "toml"); err == nil || !strings.Contains(err.Error(), "yaml or json") {
		t.Errorf("config print -o toml: %v", err)
	}
}

// secretKey matches the names of configuration keys that hold secrets or may: a key added under
// such a name without a secret tag would be printed in the clear.
var secretKey = regexp.MustCompile(`secret|password|passwd|dsn|api_keys$|connection_ur[il]|credential|private`)

// notSecret are the keys whose names match secretKey and hold no secret.
var notSecret = map[string]bool{"identity.password_algorithm": true, "identity.lookup_secret_enabled": true}

// Every configuration key that holds a secret is marked so, and the mark is one ward can mask.
func TestConfigSecretFieldsTagged(t *testing.T) {
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, prefix string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			key := prefix + f.Tag.Get("koanf")
			if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() != "time" {
				walk(f.Type, key+".")
				continue
			}
			tag := f.Tag.Get("secret")
			if secretKey.MatchString(key) && !strings.HasSuffix(key, "_file") && !notSecret[key] && tag == "" {
				t.Errorf("%s looks like a secret and has no secret tag", key)
			}
			if tag != "" && tag != "value" && tag != "dsn" {
				t.Errorf("%s: secret:%q; want value or dsn", key, tag)
			}
			if tag != "" && f.Type != reflect.TypeFor[string]() && f.Type != reflect.TypeFor[[]string]() {
				t.Errorf("%s: a secret of type %s, which config print cannot mask", key, f.Type)
			}
		}
	}
	walk(reflect.TypeFor[serveConfig](), "")
}

func TestMaskDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://ward:pw@db:5432/ward?sslmode=disable":              "postgres://ward:********@db:5432/ward?sslmode=disable",
		"postgresql://ward:p%40ss@a,b,c/ward?target_session_attrs=rw":  "postgresql://ward:********@a,b,c/ward?target_session_attrs=rw",
		"postgres://ward@db/ward?password=pw&sslpassword=x&sslmode=on": "postgres://ward@db/ward?password=********&sslpassword=********&sslmode=on",
		"postgres://db/ward":                                      "postgres://db/ward",
		"https://collector:4318/v1/traces#frag":                   "https://collector:4318/v1/traces#frag",
		"host=db user=ward password=pw dbname=ward":               "host=db user=ward password=******** dbname=ward",
		"host=db password = 'it''s' user=ward":                    maskedSecret, // '' is no escape in libpq: unreadable
		`host=db password='a \' b' user=ward`:                     "host=db password=******** user=ward",
		`host=db password=a\ b user=ward`:                         "host=db password=******** user=ward",
		"host=db PASSWORD=pw":                                     "host=db PASSWORD=********",
		"host=db password='unterminated":                          maskedSecret,
		"just-a-bare-secret":                                      maskedSecret,
		"":                                                        "",
		"host=a,b,c port=5432 target_session_attrs=read-write":    "host=a,b,c port=5432 target_session_attrs=read-write",
		"postgres://user:pa:ss@db/x":                              "postgres://user:********@db/x",
		"postgres://u:pw@db/x?application_name=a%20b&password=pw": "postgres://u:********@db/x?application_name=a%20b&password=********",
	} {
		if got := maskDSN(in); got != want {
			t.Errorf("maskDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzMaskDSN checks that maskDSN never panics, and that a password written into a URL or a
// key=value DSN never survives it.
func FuzzMaskDSN(f *testing.F) {
	f.Add("s3cr3t", "db")
	f.Add("p@ss/w:rd?#", "a,b,c")
	f.Add(`it's \ a`, "db:5432")
	f.Fuzz(func(t *testing.T, password, host string) {
		maskDSN(password)
		maskDSN(host)
		if len(password) < 4 || strings.ContainsAny(host, "/?#@ '\\") || strings.Contains(maskedSecret, password) {
			return
		}
		userinfo := url.UserPassword("ward", password).String()
		u := "postgres://" + userinfo + "@" + host + "/ward?sslmode=disable"
		if got := maskDSN(u); strings.Contains(got, userinfo+"@") {
			t.Errorf("maskDSN(%q) = %q keeps the password", u, got)
		}
		quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(password) + "'"
		kv := "host=" + host + " password=" + quoted + " user=ward"
		if got := maskDSN(kv); strings.Contains(got, quoted) {
			t.Errorf("maskDSN(%q) = %q keeps the password", kv, got)
		}
	})
}

// Keys nested deeper than one section (a courier.smtp section, say) print as nested mappings.
func TestConfigYAMLNesting(t *testing.T) {
	var out strings.Builder
	err := printConfigYAML(&out, []configEntry{
		{key: "dsn", value: "", source: "default"},
		{key: "courier.smtp.from_address", value: "ward@example.com", source: "env WARD_COURIER_SMTP_FROM_ADDRESS"},
		{key: "courier.smtp.port", value: 587, source: "default"},
		{key: "courier.enabled", value: true, source: "flag --courier-enabled"},
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	want := "dsn: \"\" # default\ncourier:\n  smtp:\n    from_address: ward@example.com # env WARD_COURIER_SMTP_FROM_ADDRESS\n" +
		"    port: 587 # default\n  enabled: true # flag --courier-enabled\n"
	if !strings.HasSuffix(out.String(), want) {
		t.Errorf("printed:\n%s\nwant it to end with:\n%s", out.String(), want)
	}
}
