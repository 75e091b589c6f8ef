package main

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/identity/courier"
	"github.com/wardhq/ward/store/memory"
)

// TestCourierConfig reads the courier section in Kratos's shape from YAML, WARD_COURIER_*
// variables and --courier-* flags; a template override from the file is what Enqueue renders.
func TestCourierConfig(t *testing.T) {
	subject := base64.StdEncoding.EncodeToString([]byte("Code: {{ .RecoveryCode }}"))
	yaml := `courier:
  smtp:
    connection_uri: smtps://mailer:s3cret@mail.example.com:2465/
    from_address: accounts@example.com
    headers:
      X-SES-SOURCE-ARN: arn:aws:ses:us-west-2:1:identity/example.com
  message_retries: 2
  templates:
    recovery_code:
      valid:
        email:
          subject: base64://` + subject + `
`
	cfg, err := loadCourierTestConfig(t, yaml, []string{"WARD_COURIER_SMTP_FROM_NAME=Example Accounts"}, "--courier-worker-pull-count", "3")
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Courier
	if c.SMTP.ConnectionURI != "smtps://mailer:s3cret@mail.example.com:2465/" || c.SMTP.FromAddress != "accounts@example.com" ||
		c.SMTP.FromName != "Example Accounts" || c.SMTP.Headers["x-ses-source-arn"] == "" && c.SMTP.Headers["X-SES-SOURCE-ARN"] == "" ||
		c.MessageRetries != 2 || c.Worker.PullCount != 3 || c.Worker.PullWait != courier.DefaultPollInterval {
		t.Errorf("courier config = %+v", c)
	}
	templates, err := c.templates()
	if err != nil {
		t.Fatal(err)
	}
	q, err := courier.New(memory.NewCourierStore(), courier.Config{Templates: templates})
	if err != nil {
		t.Fatal(err)
	}
	id, err := q.Enqueue(context.Background(), courier.RecoveryCodeValid, "a@example.com", map[string]any{"RecoveryCode": "9876"})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := q.GetMessage(context.Background(), id); err != nil || m.Subject != "Code: 9876" {
		t.Errorf("the overridden subject: %+v, %v", m, err)
	}
	if w, err := newCourierWorker(cfg, memory.NewCourierStore(), nil); err != nil || w == nil {
		t.Errorf("newCourierWorker: %v, %v", w, err)
	}
}

func TestCourierConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"courier:\n  smtp:\n    connection_uri: http://u:hunter2hunter2@mail.example.com\n", "courier.smtp.connection_uri: the SMTP connection URI must start with smtp:// or smtps://"},
		{"courier:\n  smtp:\n    connection_uri: smtp://u:hunter2hunter2@mail.example.com:x\n", "courier.smtp.connection_uri: the SMTP connection URI is not a URL"},
		{"courier:\n  templates:\n    recovery_sms:\n      valid:\n        email:\n          subject: base64://eA==\n", "courier.templates.recovery_sms.valid: no such template (known: recovery.valid, recovery.invalid, recovery_code.valid"},
		{"courier:\n  templates:\n    login_code:\n      invalid:\n        email:\n          subject: base64://eA==\n", "courier.templates.login_code.invalid: no such template"},
		{"courier:\n  worker:\n    pull_count: 0\n", "courier.worker.pull_count must be at least 1"},
		{"courier:\n  smtp:\n    from_adress: a@example.com\n", `unknown key "courier.smtp.from_adress"`},
	} {
		_, err := loadCourierTestConfig(t, tc.yaml, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v\nwant one saying %q", tc.yaml, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error %q shows the password", err)
		}
	}
}

// loadCourierTestConfig loads the serve configuration from yaml, env and flags.
func loadCourierTestConfig(t *testing.T, yaml string, env []string, flags ...string) (serveConfig, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ward.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	environ := func() []string { return env }
	cmd := newServeCommand(environ)
	if err := cmd.ParseFlags(append([]string{"--config", path}, flags...)); err != nil {
		t.Fatal(err)
	}
	return loadServeConfig(cmd.Flags(), environ)
}
