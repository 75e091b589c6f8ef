package main

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/wardhq/ward/identity/courier"
	"github.com/wardhq/ward/store"
)

// courierConfig is the courier's section of the serve configuration, in Kratos's shape: the keys
// courier.smtp.connection_uri and the like in YAML, WARD_COURIER_SMTP_CONNECTION_URI in the
// environment, --courier-smtp-connection-uri as flags. courier.smtp.headers and
// courier.templates are mappings, for the YAML file only.
type courierConfig struct {
	SMTP struct {
		ConnectionURI string            `koanf:"connection_uri" secret:"dsn"`
		FromAddress   string            `koanf:"from_address"`
		FromName      string            `koanf:"from_name"`
		Headers       map[string]string `koanf:"headers"`
	} `koanf:"smtp"`
	// MessageRetries is how often a failed message is tried again before it is abandoned.
	MessageRetries int `koanf:"message_retries"`
	Worker         struct {
		PullWait     time.Duration `koanf:"pull_wait"`
		PullCount    int           `koanf:"pull_count"`
		RetryBackoff time.Duration `koanf:"retry_backoff"`
		SendTimeout  time.Duration `koanf:"send_timeout"`
	} `koanf:"worker"`
	// ShowBodies shows message bodies at GET /admin/courier/messages (Kratos shows them only in
	// its development mode).
	ShowBodies bool `koanf:"show_bodies"`
	// Templates are Kratos's courier.templates.<purpose>.<valid|invalid>.email.
	Templates map[string]map[string]struct {
		Email struct {
			Subject string `koanf:"subject"`
			Body    struct {
				PlainText string `koanf:"plaintext"`
				HTML      string `koanf:"html"`
			} `koanf:"body"`
		} `koanf:"email"`
	} `koanf:"templates"`
}

func defaultCourierConfig() courierConfig {
	var c courierConfig
	c.SMTP.FromAddress = courier.DefaultFromAddress
	c.MessageRetries = courier.DefaultMaxAttempts - 1
	c.Worker.PullWait = courier.DefaultPollInterval
	c.Worker.PullCount = courier.DefaultBatchSize
	c.Worker.RetryBackoff = courier.DefaultRetryBackoff
	c.Worker.SendTimeout = courier.DefaultSendTimeout
	return c
}

// courierOpenKey reports whether key is one of those whose names are the operator's: header
// names and template types, checked by validate rather than against the flags.
func courierOpenKey(key string) bool {
	return strings.HasPrefix(key, "courier.smtp.headers.") || strings.HasPrefix(key, "courier.templates.")
}

func addCourierFlags(fs *pflag.FlagSet) {
	d := defaultCourierConfig()
	fs.String("courier-smtp-connection-uri", "", "the courier's mail server, as Kratos's courier.smtp.connection_uri: smtp://USER:PASSWORD@HOST:PORT/ (STARTTLS required unless ?disable_starttls=true) or smtps://… (TLS), ?skip_ssl_verify=true for self-signed certificates; empty: messages queue, and no worker on this node sends them")
	fs.String("courier-smtp-from-address", d.SMTP.FromAddress, "the address the courier's messages come from")
	fs.String("courier-smtp-from-name", "", "the name the courier's messages come from")
	fs.Int("courier-message-retries", d.MessageRetries, "how often a message that failed is tried again before it is abandoned (Kratos's courier.message_retries)")
	fs.Duration("courier-worker-pull-wait", d.Worker.PullWait, "how long the courier worker waits before it looks for due messages again")
	fs.Int("courier-worker-pull-count", d.Worker.PullCount, "how many messages the courier worker claims at once, and sends over one connection")
	fs.Duration("courier-worker-retry-backoff", d.Worker.RetryBackoff, "the wait after a message's first failed attempt; it doubles after each further one, up to 10 minutes")
	fs.Duration("courier-worker-send-timeout", d.Worker.SendTimeout, "the longest one message's delivery, or a connection's setup, may take")
	fs.Bool("courier-show-bodies", false, "show message bodies at GET /admin/courier/messages; they hold codes that act for the recipient (Kratos shows them only with --dev)")
}

// courierKey returns the configuration key of a flag name of the courier section without its
// prefix ("smtp_from_address" → "courier.smtp.from_address").
func courierKey(rest string) string {
	for _, sub := range []string{"smtp_", "worker_"} {
		if r, ok := strings.CutPrefix(rest, sub); ok {
			return "courier." + strings.TrimSuffix(sub, "_") + "." + r
		}
	}
	return "courier." + rest
}

func (c courierConfig) validate() error {
	if c.SMTP.ConnectionURI != "" {
		if _, err := courier.ParseConnectionURI(c.SMTP.ConnectionURI); err != nil {
			return fmt.Errorf("courier.smtp.connection_uri: %w", err)
		}
	}
	switch {
	case c.MessageRetries < 0:
		return fmt.Errorf("courier.message_retries must not be negative, not %d", c.MessageRetries)
	case c.Worker.PullWait <= 0 || c.Worker.RetryBackoff <= 0 || c.Worker.SendTimeout <= 0:
		return fmt.Errorf("courier.worker.pull_wait, retry_backoff and send_timeout must be positive")
	case c.Worker.PullCount < 1:
		return fmt.Errorf("courier.worker.pull_count must be at least 1, not %d", c.Worker.PullCount)
	}
	_, err := c.templates()
	return err
}

// templates returns the template overrides by template type.
func (c courierConfig) templates() (map[string]courier.TemplateOverride, error) {
	out := map[string]courier.TemplateOverride{}
	for purpose, byValidity := range c.Templates {
		for validity, t := range byValidity {
			typ := purpose + "_" + validity
			if validity != "valid" && validity != "invalid" || !slices.Contains(courier.TemplateTypes(), typ) {
				return nil, fmt.Errorf("courier.templates.%s.%s: no such template (known: %s)", purpose, validity, strings.Join(kratosTemplateKeys(), ", "))
			}
			out[typ] = courier.TemplateOverride{Subject: t.Email.Subject, PlainText: t.Email.Body.PlainText, HTML: t.Email.Body.HTML}
		}
	}
	return out, nil
}

// kratosTemplateKeys returns the template types as Kratos's configuration names them.
func kratosTemplateKeys() []string {
	var keys []string
	for _, t := range courier.TemplateTypes() {
		i := strings.LastIndex(t, "_")
		keys = append(keys, t[:i]+"."+t[i+1:])
	}
	return keys
}

// newCourierWorker returns the worker cfg describes over st, or nil when no SMTP server is
// configured.
func newCourierWorker(cfg serveConfig, st store.CourierStore, log *slog.Logger) (*courier.Worker, error) {
	c := cfg.Courier
	if c.SMTP.ConnectionURI == "" {
		return nil, nil
	}
	conn, err := courier.ParseConnectionURI(c.SMTP.ConnectionURI) // validated
	if err != nil {
		return nil, fmt.Errorf("courier.smtp.connection_uri: %w", err)
	}
	w, err := courier.NewWorker(st, courier.WorkerConfig{
		SMTP: conn, FromAddress: c.SMTP.FromAddress, FromName: c.SMTP.FromName, Headers: c.SMTP.Headers,
		PollInterval: c.Worker.PullWait, BatchSize: c.Worker.PullCount, MaxAttempts: c.MessageRetries + 1,
		SendTimeout: c.Worker.SendTimeout, RetryBackoff: c.Worker.RetryBackoff, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("the courier's configuration: %w", err)
	}
	return w, nil
}
