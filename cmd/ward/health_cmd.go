package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// newHealthCommand asks a server's admin listener whether it is alive or ready. Container images
// built on an empty base have no curl: their health checks run this.
//
// An admin listener off loopback wants an admin key on every request, probes included. A health
// check runs beside the server, in its environment: without --admin-api-key, the first of the
// server's own WARD_ADMIN_API_KEYS is used, so that the image's health check needs nothing more
// than the server does.
func newHealthCommand(c *client, environ func() []string) *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "health [alive|ready]",
		Short: "Ask a ward server whether it is alive or ready to serve (exit status 1 when not)",
		Long: `Ask the admin listener of a ward server (--admin-endpoint) whether it is alive (the process
answers) or ready (it answers and its store does; the default). Prints the answer and exits 0
when it is yes, 1 otherwise: fit for a container's health check or a readiness script. Without
--admin-api-key, it sends the first of WARD_ADMIN_API_KEYS, the server's own admin keys, when
that is set.`,
		Args:      cobra.MatchAll(cobra.MaximumNArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"alive", "ready"},
		RunE: func(cmd *cobra.Command, args []string) error {
			which := "ready"
			if len(args) == 1 {
				which = args[0]
			}
			url := strings.TrimSuffix(c.adminEndpoint, "/") + "/health/" + which
			req, err := http.NewRequestWithContext(cmd.Context(), http.MethodGet, url, nil)
			if err != nil {
				return fmt.Errorf("the admin endpoint %q: %w", c.adminEndpoint, err)
			}
			hc := &http.Client{Timeout: timeout}
			probe := *c
			if probe.creds.adminAPIKey == "" {
				keys, _, _ := strings.Cut(envOr(environ, "WARD_ADMIN_API_KEYS", ""), ",")
				probe.creds.adminAPIKey = strings.TrimSpace(keys)
			}
			resp, err := probe.withCredentials(hc).Do(req)
			if err != nil {
				return fmt.Errorf("cannot reach the ward server at %s: %w", c.adminEndpoint, err)
			}
			defer resp.Body.Close()
			var body struct {
				Status string `json:"status"`
				Reason string `json:"reason"`
			}
			raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			if err != nil {
				return fmt.Errorf("reading the answer of %s: %w", url, err)
			}
			if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
				return fmt.Errorf("%s refused the probe (%s): an admin listener off loopback wants an admin key: give --admin-api-key, or set WARD_ADMIN_API_KEYS", url, resp.Status)
			}
			if err := json.Unmarshal(raw, &body); err != nil || body.Status == "" {
				return fmt.Errorf("%s answered %s, not a health status: is --admin-endpoint a ward admin listener?", url, resp.Status)
			}
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("not %s: %s (%s)", which, body.Status, body.Reason)
			}
			fmt.Fprintln(cmd.OutOrStdout(), which+": "+body.Status)
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "how long to wait for the answer")
	return cmd
}
