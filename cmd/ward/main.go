// Command ward is ward's single binary: the server (`ward serve`) and the command-line client of
// its API (`ward schema`, `ward tuples`, `ward check`, `ward expand`, `ward lookup`, and for the
// OAuth2 server `ward clients`, `ward login`, `ward consent`, `ward keys`, and for the identity
// service `ward identities`, `ward sessions`, and its courier `ward courier watch`), besides
// `ward migrate`, `ward config print` and `ward version`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand(os.Stdout, os.Stderr, os.Environ).ExecuteContext(ctx)
	stop()
	if err != nil {
		var exit exitError
		if errors.As(err, &exit) {
			os.Exit(exit.code)
		}
		fmt.Fprint(os.Stderr, errorText(err))
		os.Exit(1)
	}
}

func newRootCommand(stdout, stderr interface{ Write([]byte) (int, error) }, environ func() []string) *cobra.Command {
	root := &cobra.Command{
		Use:           "ward",
		Short:         "ward: permissions, OAuth2 and identity in one binary",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	c := &client{tokens: newTokenFile(environ)}
	root.PersistentFlags().StringVar(&c.endpoint, "endpoint", envOr(environ, "WARD_ENDPOINT", "http://127.0.0.1:4466"),
		"public API of the ward server (WARD_ENDPOINT)")
	root.PersistentFlags().StringVar(&c.adminEndpoint, "admin-endpoint", envOr(environ, "WARD_ADMIN_ENDPOINT", "http://127.0.0.1:4467"),
		"admin API of the ward server (WARD_ADMIN_ENDPOINT)")
	c.creds.addFlags(root, environ)
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		var err error
		if c.endpoint, err = normalizeEndpoint("endpoint", c.endpoint); err != nil {
			return err
		}
		c.adminEndpoint, err = normalizeEndpoint("admin-endpoint", c.adminEndpoint)
		return err
	}
	root.AddCommand(
		newServeCommand(environ),
		newSchemaCommand(c),
		newTuplesCommand(c),
		newCheckCommand(c),
		newExpandCommand(c),
		newLookupCommand(c),
		newMigrateCommand(environ),
		newLoadCommand(c),
		newClientsCommand(c),
		newLoginCommand(c),
		newConsentCommand(c),
		newKeysCommand(c, environ),
		newIdentitiesCommand(c),
		newSessionsCommand(c),
		newCourierCommand(environ),
		newChaosCommand(environ),
		newAPIKeyCommand(),
		newConfigCommand(environ),
		newVersionCommand(),
		newHealthCommand(c, environ),
	)
	withUsage(root)
	// --version prints what `ward version` does.
	bi := readBuildInfo()
	var text strings.Builder
	bi.write(&text, false)
	root.Version = bi.Version
	root.SetVersionTemplate(text.String())
	return root
}

func envOr(environ func() []string, key, fallback string) string {
	for _, kv := range environ() {
		if len(kv) > len(key) && kv[:len(key)] == key && kv[len(key)] == '=' {
			return kv[len(key)+1:]
		}
	}
	return fallback
}
