package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHealthCommand: `ward health` answers for a ready server, says what is wrong with an
// endpoint that is not an admin listener, and, on an admin listener off loopback, is refused
// without a key and gets in with the server's own WARD_ADMIN_API_KEYS, as the container image's
// health check runs it.
func TestHealthCommand(t *testing.T) {
	public, admin, _ := startServer(t)
	for _, tc := range []struct{ args, want string }{{"health", "ready: ok"}, {"health alive", "alive: ok"}, {"health ready", "ready: ok"}} {
		out, err := ward(t, public, admin, "", strings.Fields(tc.args)...)
		if err != nil || strings.TrimSpace(out) != tc.want {
			t.Errorf("ward %s = %q, %v; want %q", tc.args, out, err, tc.want)
		}
	}
	if _, err := ward(t, public, public, "", "health"); err == nil || !strings.Contains(err.Error(), "not a health status") {
		t.Errorf("ward health on the public listener: %v, want an error saying it is not a health status", err)
	}
	if _, err := ward(t, public, admin, "", "health", "sick"); err == nil {
		t.Error("ward health sick: no error")
	}

	const key = "ward_key_health-probe-test-key-0123456789"
	_, off, _ := startServerWith(t, func(c *serveConfig) {
		c.AdminAddr = "0.0.0.0:0"
		c.AdminAPIKeys = []string{key}
	})
	off = strings.NewReplacer("0.0.0.0", "127.0.0.1", "[::]", "127.0.0.1").Replace(off)
	if _, err := ward(t, public, off, "", "health"); err == nil || !strings.Contains(err.Error(), "admin key") {
		t.Errorf("ward health without a key off loopback: %v, want a refusal naming the admin key", err)
	}
	var out bytes.Buffer
	cmd := newRootCommand(&out, &out, func() []string { return []string{"WARD_ADMIN_API_KEYS=" + key + ",ward_key_another-one-0123456789"} })
	cmd.SetArgs([]string{"--admin-endpoint", off, "health"})
	if err := cmd.ExecuteContext(context.Background()); err != nil || strings.TrimSpace(out.String()) != "ready: ok" {
		t.Errorf("ward health with WARD_ADMIN_API_KEYS = %q, %v; want ready: ok", out.String(), err)
	}
}
