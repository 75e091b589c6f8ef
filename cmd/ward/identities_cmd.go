package main

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/wardhq/ward/identity"
)

// maxBodyFile bounds a file the identity commands send as one body (traits, an update, a
// patch): the server takes far less.
const maxBodyFile = 16 << 20

// maxPassword bounds a password read from standard input; Kratos's own limit is far lower.
const maxPassword = 4 << 10

func newIdentitiesCommand(c *client) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "identities",
		Aliases: []string{"identity"},
		Short:   "Manage identities (the admin API, in Ory Kratos's contract)",
	}
	cmd.AddCommand(
		newIdentitiesCreateCommand(c),
		newIdentitiesGetCommand(c),
		newIdentitiesListCommand(c),
		newIdentitiesUpdateCommand(c),
		newIdentitiesPatchCommand(c),
		newIdentitiesDeleteCommand(c),
		newIdentitiesImportCommand(c),
	)
	return cmd
}

// createFlags are the flags of `ward identities create`.
type createFlags struct {
	schemaID, traits, traitsFile, state, metadataPublic, metadataAdmin, externalID string
	password, passwordStdin                                                        bool
}

func newIdentitiesCreateCommand(c *client) *cobra.Command {
	var f createFlags
	cmd := &cobra.Command{
		Use:   "create --traits JSON [--password | --password-stdin]",
		Short: "Create an identity; prints it as JSON",
		Long: `Create an identity with the traits given (validated by the server against the identity
schema). With --password the password is asked for on the terminal, or read from standard input
when that is not a terminal; --password-stdin always reads it from standard input (one line). A
password is never taken as a flag's value, which other users could read in the process list.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body, err := f.body(cmd)
			if err != nil {
				return err
			}
			b, err := json.Marshal(body)
			if err != nil {
				return err
			}
			return c.identityAdmin().show(cmd, "POST", "/admin/identities", nil, b)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.schemaID, "schema-id", "", "the identity schema (default: the server's default schema)")
	fl.StringVar(&f.traits, "traits", "", "the traits, a JSON object")
	fl.StringVar(&f.traitsFile, "traits-file", "", "read the traits from this file (- for standard input)")
	fl.StringVar(&f.state, "state", "", "active (the default) or inactive")
	fl.StringVar(&f.metadataPublic, "metadata-public", "", "public metadata, JSON (shown to the identity)")
	fl.StringVar(&f.metadataAdmin, "metadata-admin", "", "admin metadata, JSON (shown only on the admin API)")
	fl.StringVar(&f.externalID, "external-id", "", "an ID of the identity in another system")
	fl.BoolVar(&f.password, "password", false, "set a password: asked for on the terminal, or read from standard input")
	fl.BoolVar(&f.passwordStdin, "password-stdin", false, "set a password read from standard input")
	cmd.MarkFlagsMutuallyExclusive("traits", "traits-file")
	cmd.MarkFlagsOneRequired("traits", "traits-file")
	cmd.MarkFlagsMutuallyExclusive("password", "password-stdin")
	return cmd
}

// body builds the create body from the flags, reading the traits and the password.
func (f *createFlags) body(cmd *cobra.Command) (*identity.CreateIdentityBody, error) {
	traits := []byte(f.traits)
	if f.traitsFile != "" {
		if f.traitsFile == "-" && (f.passwordStdin || (f.password && !isTerminal(cmd.InOrStdin()))) {
			return nil, errors.New("--traits-file - and a password from standard input cannot both read standard input")
		}
		var err error
		if traits, err = readBodyFile(cmd, f.traitsFile); err != nil {
			return nil, fmt.Errorf("--traits-file: %w", err)
		}
	}
	if err := checkJSON("--traits", traits, '{'); err != nil {
		return nil, err
	}
	body := &identity.CreateIdentityBody{
		SchemaID: f.schemaID, Traits: traits, State: identity.State(f.state), ExternalID: f.externalID,
	}
	switch f.state {
	case "", string(identity.StateActive), string(identity.StateInactive):
	default:
		return nil, fmt.Errorf("--state must be %s or %s, not %q", identity.StateActive, identity.StateInactive, f.state)
	}
	for _, m := range []struct {
		flag  string
		value string
		to    *json.RawMessage
	}{{"--metadata-public", f.metadataPublic, &body.MetadataPublic}, {"--metadata-admin", f.metadataAdmin, &body.MetadataAdmin}} {
		if m.value == "" {
			continue
		}
		if err := checkJSON(m.flag, []byte(m.value), 0); err != nil {
			return nil, err
		}
		*m.to = json.RawMessage(m.value)
	}
	if f.password || f.passwordStdin {
		pw, err := readPassword(cmd, f.passwordStdin)
		if err != nil {
			return nil, err
		}
		body.Credentials = &identity.ImportCredentials{Password: &identity.ImportPassword{
			Config: identity.ImportPasswordConfig{Password: pw},
		}}
	}
	return body, nil
}

// checkJSON refuses b unless it is JSON (and, when kind is not 0, a value that starts with kind:
// '{' for an object, '[' for an array), naming what it was given as.
func checkJSON(what string, b []byte, kind byte) error {
	if !json.Valid(b) {
		return fmt.Errorf("%s is not valid JSON", what)
	}
	if kind != 0 {
		if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != kind {
			return fmt.Errorf("%s must be a JSON %s", what, map[byte]string{'{': "object", '[': "array"}[kind])
		}
	}
	return nil
}

// readBodyFile reads a file argument (- for standard input) of at most maxBodyFile bytes.
func readBodyFile(cmd *cobra.Command, name string) ([]byte, error) {
	r, err := openInput(cmd, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, maxBodyFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(b) > maxBodyFile {
		return nil, fmt.Errorf("%s is larger than %d MB", name, maxBodyFile>>20)
	}
	return b, nil
}

// isTerminal reports whether r is a terminal.
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// readPassword asks for a password twice on the terminal, or reads its first line from standard
// input when fromStdin is set or standard input is no terminal.
func readPassword(cmd *cobra.Command, fromStdin bool) (string, error) {
	in := cmd.InOrStdin()
	if !fromStdin && isTerminal(in) {
		fd := int(in.(*os.File).Fd())
		fmt.Fprint(cmd.ErrOrStderr(), "Password: ")
		first, err := term.ReadPassword(fd)
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		fmt.Fprint(cmd.ErrOrStderr(), "Repeat the password: ")
		again, err := term.ReadPassword(fd)
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		if subtle.ConstantTimeCompare(first, again) != 1 {
			return "", errors.New("the passwords differ")
		}
		if len(first) == 0 {
			return "", errors.New("the password is empty")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(io.LimitReader(in, maxPassword+1)).ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	if len(line) > maxPassword {
		return "", fmt.Errorf("the password on standard input is longer than %d bytes", maxPassword)
	}
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	if len(line) == 0 {
		return "", errors.New("no password on standard input")
	}
	return string(line), nil
}

func newIdentitiesGetCommand(c *client) *cobra.Command {
	var include []string
	var externalID string
	cmd := &cobra.Command{
		Use:   "get ID | get --external-id EXTERNAL_ID",
		Short: "Print an identity as JSON",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{}
			for _, t := range include {
				q.Add("include_credential", t)
			}
			var path string
			switch {
			case len(args) == 1 && externalID == "":
				if err := checkID("identity ID", args[0]); err != nil {
					return err
				}
				path = "/admin/identities/" + args[0]
			case len(args) == 0 && externalID != "":
				path = "/admin/identities/by/external/" + url.PathEscape(externalID)
			default:
				return errors.New("give an identity ID or --external-id, not both")
			}
			return c.identityAdmin().show(cmd, "GET", path, q, nil)
		},
	}
	cmd.Flags().StringSliceVar(&include, "include-credential", nil, "credentials to show (password shows its identifiers, never the hash)")
	cmd.Flags().StringVar(&externalID, "external-id", "", "find the identity by its external ID instead")
	return cmd
}

func newIdentitiesListCommand(c *client) *cobra.Command {
	var pages pageFlags
	var identifier string
	var ids []string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List identities (a page, or --all) as a JSON array",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if identifier != "" {
				q.Set("credentials_identifier", identifier)
			}
			for _, id := range ids {
				if err := checkID("--ids", id); err != nil {
					return err
				}
				q.Add("ids", id)
			}
			return pages.list(cmd.Context(), cmd, c.identityAdmin(), "/admin/identities", q)
		},
	}
	pages.add(cmd, "identities")
	cmd.Flags().StringVar(&identifier, "credentials-identifier", "", "only the identity that logs in with this identifier (an email, a username)")
	cmd.Flags().StringSliceVar(&ids, "ids", nil, "only these identities")
	return cmd
}

func newIdentitiesUpdateCommand(c *client) *cobra.Command {
	return &cobra.Command{
		Use:   "update ID [FILE]",
		Short: "Replace an identity (PUT) with the JSON body in FILE (default: standard input); prints it",
		Long: `Replace an identity with the body in FILE, as Kratos's updateIdentityBody: traits (required),
schema_id, state, metadata_public, metadata_admin, external_id and credentials. Traits and
metadata are replaced whole; the state and schema change only when given.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return sendBodyFile(cmd, c, "PUT", args, '{')
		},
	}
}

func newIdentitiesPatchCommand(c *client) *cobra.Command {
	return &cobra.Command{
		Use:   "patch ID [FILE]",
		Short: "Change an identity with the RFC 6902 JSON Patch in FILE (default: standard input); prints it",
		Long: `Apply an RFC 6902 JSON Patch (a JSON array of operations such as
{"op":"replace","path":"/traits/email","value":"a@example.com"}) to an identity, atomically:
if one operation fails, nothing changes.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return sendBodyFile(cmd, c, "PATCH", args, '[')
		},
	}
}

// sendBodyFile sends to identity args[0] the JSON body of file args[1] (standard input when
// absent), which must start with kind, and prints the answer.
func sendBodyFile(cmd *cobra.Command, c *client, method string, args []string, kind byte) error {
	if err := checkID("identity ID", args[0]); err != nil {
		return err
	}
	name := "-"
	if len(args) == 2 {
		name = args[1]
	}
	b, err := readBodyFile(cmd, name)
	if err != nil {
		return err
	}
	if err := checkJSON(name, b, kind); err != nil {
		return err
	}
	return c.identityAdmin().show(cmd, method, "/admin/identities/"+args[0], nil, b)
}

func newIdentitiesDeleteCommand(c *client) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID...",
		Short: "Delete identities, their credentials and sessions; prints each ID deleted",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return deleteEach(cmd, c.identityAdmin(), "identity ID", "/admin/identities/", args)
		},
	}
}

// deleteEach sends DELETE prefix+id for each of ids (of what), going on past failures, and
// prints each ID deleted. Every ID is checked before any is sent: a typo deletes nothing.
func deleteEach(cmd *cobra.Command, a *identityAdmin, what, prefix string, ids []string) error {
	for _, id := range ids {
		if err := checkID(what, id); err != nil {
			return err
		}
	}
	var errs []error
	for _, id := range ids {
		if _, err := a.do(cmd.Context(), "DELETE", prefix+id, nil, nil); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
			continue
		}
		fmt.Fprintln(cmd.OutOrStdout(), id)
	}
	return errors.Join(errs...)
}
