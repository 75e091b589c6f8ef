package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wardhq/ward/api/middleware"
)

// newAPIKeyCommand is `ward apikey new|hash`: making API keys and the lines of an api_keys_file.
func newAPIKeyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apikey",
		Short: "Make API keys, and the hashed lines of api_keys_file / admin_api_keys_file",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "new",
		Short: "Print a new random API key (32 random bytes, base64url)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := make([]byte, 32)
			rand.Read(b)
			fmt.Fprintln(cmd.OutOrStdout(), "ward_key_"+base64.RawURLEncoding.EncodeToString(b))
			return nil
		},
	}, &cobra.Command{
		Use:   "hash [LABEL]",
		Short: "Read an API key from standard input and print its line for an API key file",
		Long: `Read one API key from standard input (so that it stays out of ps and the shell's history)
and print its api_keys_file line, sha256:<hex>, followed by LABEL if given.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc := bufio.NewScanner(cmd.InOrStdin())
			if !sc.Scan() {
				if err := sc.Err(); err != nil {
					return fmt.Errorf("reading the key: %w", err)
				}
				return errors.New("no key on standard input")
			}
			key := strings.TrimSpace(sc.Text())
			if _, err := middleware.NewAPIKeys(key); err != nil {
				return err
			}
			line := middleware.HashAPIKey(key)
			if len(args) == 1 {
				line += " " + args[0]
			}
			fmt.Fprintln(cmd.OutOrStdout(), line)
			return nil
		},
	})
	return cmd
}
