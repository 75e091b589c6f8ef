package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/wardhq/ward/oauth2"
	oauth2v1 "github.com/wardhq/ward/proto/ward/oauth2/v1"
	"github.com/wardhq/ward/proto/ward/oauth2/v1/oauth2v1connect"
	storesql "github.com/wardhq/ward/store/sql"
)

func (c *client) oauth2Admin() oauth2v1connect.OAuth2AdminServiceClient {
	return oauth2v1connect.NewOAuth2AdminServiceClient(c.withCredentials(http.DefaultClient), c.adminEndpoint)
}

// printJSON writes m as indented JSON with the proto field names (client_id, not clientId), the
// names of RFC 7591 and of the OAuth2 APIs.
func printJSON(w io.Writer, m proto.Message) error {
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  ", UseProtoNames: true}.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

// clientFlags are the registration fields that create and update set.
type clientFlags struct {
	name, authMethod, jwks, tokenFormat                                        string
	grantTypes, responseTypes, redirectURIs, postLogoutURIs, scopes, audiences []string
}

func (f *clientFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "a name for humans, shown on consent screens")
	fl.StringSliceVar(&f.grantTypes, "grant-types", nil, "authorization_code, client_credentials, refresh_token, device_code (comma-separated)")
	fl.StringSliceVar(&f.responseTypes, "response-types", nil, "response types (default: code when authorization_code is granted)")
	fl.StringSliceVar(&f.redirectURIs, "redirect-uris", nil, "redirect URIs, compared exactly")
	fl.StringSliceVar(&f.postLogoutURIs, "post-logout-redirect-uris", nil, "where logout may send the browser back to")
	fl.StringSliceVar(&f.scopes, "scopes", nil, "scopes the client may request")
	fl.StringSliceVar(&f.audiences, "audiences", nil, "audiences the client may request")
	fl.StringVar(&f.authMethod, "auth-method", "client_secret_basic", "client_secret_basic, client_secret_post, private_key_jwt or none (a public client)")
	fl.StringVar(&f.jwks, "jwks", "", "the client's public keys as a JSON Web Key Set, for private_key_jwt")
	fl.StringVar(&f.tokenFormat, "access-token-format", "", "opaque or jwt; empty follows the server's default")
}

func (f *clientFlags) client(id string) *oauth2v1.Client {
	grants := make([]string, len(f.grantTypes))
	for i, g := range f.grantTypes {
		if g == "device_code" {
			g = "urn:ietf:params:oauth:grant-type:device_code"
		}
		grants[i] = g
	}
	responses := f.responseTypes
	if responses == nil && strings.Contains(strings.Join(grants, " "), "authorization_code") {
		responses = []string{"code"}
	}
	return &oauth2v1.Client{
		ClientId:                id,
		ClientName:              f.name,
		GrantTypes:              grants,
		ResponseTypes:           responses,
		RedirectUris:            f.redirectURIs,
		PostLogoutRedirectUris:  f.postLogoutURIs,
		Scopes:                  f.scopes,
		Audiences:               f.audiences,
		TokenEndpointAuthMethod: f.authMethod,
		Jwks:                    f.jwks,
		AccessTokenFormat:       f.tokenFormat,
	}
}

func newClientsCommand(c *client) *cobra.Command {
	cmd := &cobra.Command{Use: "clients", Short: "Manage OAuth2 clients (admin API)"}

	var create clientFlags
	var id string
	var asJSON bool
	createCmd := &cobra.Command{
		Use:   "create",
		Short: "Register a client; prints its ID and, once, its secret",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := c.oauth2Admin().CreateClient(cmd.Context(), connect.NewRequest(&oauth2v1.CreateClientRequest{Client: create.client(id)}))
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), res.Msg)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "client_id:", res.Msg.GetClient().GetClientId())
			if s := res.Msg.GetClientSecret(); s != "" {
				fmt.Fprintln(cmd.OutOrStdout(), "client_secret:", s, "(shown once: ward keeps only its hash)")
			}
			return nil
		},
	}
	create.add(createCmd)
	createCmd.Flags().StringVar(&id, "id", "", "the client ID (default: random)")
	createCmd.Flags().BoolVar(&asJSON, "json", false, "print the client, secret included, as JSON")

	getCmd := &cobra.Command{
		Use:   "get CLIENT_ID",
		Short: "Print a client as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := c.oauth2Admin().GetClient(cmd.Context(), connect.NewRequest(&oauth2v1.GetClientRequest{ClientId: args[0]}))
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), res.Msg.GetClient())
		},
	}

	var listJSON bool
	listCmd := &cobra.Command{
		Use:   "list",
		Short: "List clients",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := &oauth2v1.ListClientsResponse{}
			token := ""
			for {
				res, err := c.oauth2Admin().ListClients(cmd.Context(), connect.NewRequest(&oauth2v1.ListClientsRequest{PageToken: token}))
				if err != nil {
					return err
				}
				all.Clients = append(all.Clients, res.Msg.GetClients()...)
				if token = res.Msg.GetNextPageToken(); token == "" {
					break
				}
			}
			if listJSON {
				return printJSON(cmd.OutOrStdout(), all)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CLIENT_ID\tNAME\tAUTH_METHOD\tGRANT_TYPES")
			for _, cl := range all.Clients {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cl.GetClientId(), cl.GetClientName(), cl.GetTokenEndpointAuthMethod(), strings.Join(cl.GetGrantTypes(), ","))
			}
			return tw.Flush()
		},
	}
	listCmd.Flags().BoolVar(&listJSON, "json", false, "print JSON")

	var update clientFlags
	updateCmd := &cobra.Command{
		Use:   "update CLIENT_ID",
		Short: "Replace a client's registration (the flags given replace the stored fields; the others are kept)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			got, err := c.oauth2Admin().GetClient(cmd.Context(), connect.NewRequest(&oauth2v1.GetClientRequest{ClientId: args[0]}))
			if err != nil {
				return err
			}
			next := got.Msg.GetClient()
			changed := update.client(args[0])
			fl := cmd.Flags()
			for flag, apply := range map[string]func(){
				"name":                      func() { next.ClientName = changed.ClientName },
				"grant-types":               func() { next.GrantTypes = changed.GrantTypes },
				"response-types":            func() { next.ResponseTypes = changed.ResponseTypes },
				"redirect-uris":             func() { next.RedirectUris = changed.RedirectUris },
				"post-logout-redirect-uris": func() { next.PostLogoutRedirectUris = changed.PostLogoutRedirectUris },
				"scopes":                    func() { next.Scopes = changed.Scopes },
				"audiences":                 func() { next.Audiences = changed.Audiences },
				"auth-method":               func() { next.TokenEndpointAuthMethod = changed.TokenEndpointAuthMethod },
				"jwks":                      func() { next.Jwks = changed.Jwks },
				"access-token-format":       func() { next.AccessTokenFormat = changed.AccessTokenFormat },
			} {
				if fl.Changed(flag) {
					apply()
				}
			}
			if fl.Changed("grant-types") && !fl.Changed("response-types") {
				next.ResponseTypes = changed.ResponseTypes
			}
			res, err := c.oauth2Admin().UpdateClient(cmd.Context(), connect.NewRequest(&oauth2v1.UpdateClientRequest{Client: next}))
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), res.Msg)
		},
	}
	update.add(updateCmd)

	deleteCmd := &cobra.Command{
		Use:   "delete CLIENT_ID",
		Short: "Delete a client and revoke every token it holds",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := c.oauth2Admin().DeleteClient(cmd.Context(), connect.NewRequest(&oauth2v1.DeleteClientRequest{ClientId: args[0]}))
			return err
		},
	}

	rotateCmd := &cobra.Command{
		Use:   "rotate-secret CLIENT_ID",
		Short: "Give a client a new secret and print it (once)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := c.oauth2Admin().RotateClientSecret(cmd.Context(), connect.NewRequest(&oauth2v1.RotateClientSecretRequest{ClientId: args[0]}))
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), res.Msg.GetClientSecret())
			return nil
		},
	}
	cmd.AddCommand(createCmd, getCmd, listCmd, updateCmd, deleteCmd, rotateCmd)
	return cmd
}

// newLoginCommand lets scripts play the login app: each subcommand prints the URL to send the
// browser to next.
func newLoginCommand(c *client) *cobra.Command {
	cmd := &cobra.Command{Use: "login", Short: "Answer login challenges, as a login app does (admin API)"}
	var subject, acr string
	var amr []string
	var remember bool
	var rememberFor time.Duration
	accept := &cobra.Command{
		Use:   "accept LOGIN_CHALLENGE --subject S",
		Short: "Accept a login for a subject; prints where to send the browser next",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if subject == "" {
				return fmt.Errorf("--subject is required")
			}
			req := &oauth2v1.AcceptLoginRequest{LoginChallenge: args[0], Subject: subject, Remember: remember, Acr: acr, Amr: amr}
			if rememberFor > 0 {
				req.RememberFor = durationpb.New(rememberFor)
			}
			res, err := c.oauth2Admin().AcceptLogin(cmd.Context(), connect.NewRequest(req))
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), res.Msg.GetRedirectTo())
			return nil
		},
	}
	accept.Flags().StringVar(&subject, "subject", "", "who logged in (required)")
	accept.Flags().BoolVar(&remember, "remember", false, "remember the login in the browser")
	accept.Flags().DurationVar(&rememberFor, "remember-for", 0, "how long to remember it (default: the server's login session lifetime)")
	accept.Flags().StringVar(&acr, "acr", "", "authentication context class reference")
	accept.Flags().StringSliceVar(&amr, "amr", nil, "authentication methods used")

	reject := newRejectCommand("login", func(ctx context.Context, challenge, code, description string) (string, error) {
		res, err := c.oauth2Admin().RejectLogin(ctx, connect.NewRequest(&oauth2v1.RejectLoginRequest{
			LoginChallenge: challenge, Error: code, ErrorDescription: description}))
		if err != nil {
			return "", err
		}
		return res.Msg.GetRedirectTo(), nil
	})

	show := &cobra.Command{
		Use:   "get LOGIN_CHALLENGE",
		Short: "Print a pending login as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := c.oauth2Admin().GetLogin(cmd.Context(), connect.NewRequest(&oauth2v1.GetLoginRequest{LoginChallenge: args[0]}))
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), res.Msg.GetLogin())
		},
	}
	cmd.AddCommand(accept, reject, show)
	return cmd
}

// newRejectCommand is `ward login reject` or `ward consent reject`: reject calls the admin API and
// returns where to send the browser.
func newRejectCommand(kind string, reject func(ctx context.Context, challenge, code, description string) (string, error)) *cobra.Command {
	var code, description string
	cmd := &cobra.Command{
		Use:   "reject " + strings.ToUpper(kind) + "_CHALLENGE",
		Short: "Refuse a " + kind + "; prints where to send the browser next",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := reject(cmd.Context(), args[0], code, description)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), to)
			return nil
		},
	}
	cmd.Flags().StringVar(&code, "error", "access_denied", "the OAuth2 error code the client receives")
	cmd.Flags().StringVar(&description, "description", "", "a description for the client")
	return cmd
}

// newConsentCommand lets scripts play the consent app.
func newConsentCommand(c *client) *cobra.Command {
	cmd := &cobra.Command{Use: "consent", Short: "Answer consent challenges, as a consent app does (admin API)"}
	var scopes, audiences []string
	var all, remember bool
	var rememberFor time.Duration
	accept := &cobra.Command{
		Use:   "accept CONSENT_CHALLENGE [--grant-scopes a,b]",
		Short: "Grant scopes (default: all requested); prints where to send the browser next",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !cmd.Flags().Changed("grant-scopes") || !cmd.Flags().Changed("grant-audiences") {
				pending, err := c.oauth2Admin().GetConsent(ctx, connect.NewRequest(&oauth2v1.GetConsentRequest{ConsentChallenge: args[0]}))
				if err != nil {
					return err
				}
				if !cmd.Flags().Changed("grant-scopes") && all {
					scopes = pending.Msg.GetConsent().GetRequestedScopes()
				}
				if !cmd.Flags().Changed("grant-audiences") && all {
					audiences = pending.Msg.GetConsent().GetRequestedAudiences()
				}
			}
			req := &oauth2v1.AcceptConsentRequest{ConsentChallenge: args[0], GrantScopes: scopes, GrantAudiences: audiences, Remember: remember}
			if rememberFor > 0 {
				req.RememberFor = durationpb.New(rememberFor)
			}
			res, err := c.oauth2Admin().AcceptConsent(ctx, connect.NewRequest(req))
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), res.Msg.GetRedirectTo())
			return nil
		},
	}
	accept.Flags().StringSliceVar(&scopes, "grant-scopes", nil, "scopes to grant (a subset of those requested)")
	accept.Flags().StringSliceVar(&audiences, "grant-audiences", nil, "audiences to grant (a subset of those requested)")
	accept.Flags().BoolVar(&all, "all", true, "without --grant-scopes or --grant-audiences, grant everything requested")
	accept.Flags().BoolVar(&remember, "remember", false, "remember the consent, so that later flows skip the consent app")
	accept.Flags().DurationVar(&rememberFor, "remember-for", 0, "how long to remember it (default: until revoked)")

	reject := newRejectCommand("consent", func(ctx context.Context, challenge, code, description string) (string, error) {
		res, err := c.oauth2Admin().RejectConsent(ctx, connect.NewRequest(&oauth2v1.RejectConsentRequest{
			ConsentChallenge: challenge, Error: code, ErrorDescription: description}))
		if err != nil {
			return "", err
		}
		return res.Msg.GetRedirectTo(), nil
	})

	var client string
	revoke := &cobra.Command{
		Use:   "revoke SUBJECT [--client ID]",
		Short: "Forget a subject's remembered consent (to one client, or all) and revoke the grants it gave",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := c.oauth2Admin().RevokeConsent(cmd.Context(), connect.NewRequest(&oauth2v1.RevokeConsentRequest{Subject: args[0], ClientId: client}))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %d\n", res.Msg.GetRevoked())
			return nil
		},
	}
	revoke.Flags().StringVar(&client, "client", "", "only the consent to this client")

	show := &cobra.Command{
		Use:   "get CONSENT_CHALLENGE",
		Short: "Print a pending consent as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := c.oauth2Admin().GetConsent(cmd.Context(), connect.NewRequest(&oauth2v1.GetConsentRequest{ConsentChallenge: args[0]}))
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), res.Msg.GetConsent())
		},
	}
	cmd.AddCommand(accept, reject, revoke, show)
	return cmd
}

// newKeysCommand manages the signing keys of ID tokens and JWT access tokens.
func newKeysCommand(c *client, environ func() []string) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage OAuth2 signing keys (admin API; `seal` works on the database)"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List signing keys, newest first, as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := c.oauth2Admin().ListSigningKeys(cmd.Context(), connect.NewRequest(&oauth2v1.ListSigningKeysRequest{}))
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), res.Msg)
		},
	}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new signing key; the old one stays published until the tokens it signed expire",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := c.oauth2Admin().RotateSigningKey(cmd.Context(), connect.NewRequest(&oauth2v1.RotateSigningKeyRequest{}))
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), res.Msg.GetKey())
		},
	}
	cmd.AddCommand(list, rotate, newKeysSealCommand(environ))
	return cmd
}

// newKeysSealCommand is `ward keys seal`. It works on the database, not through the admin API:
// a server over unsealed keys refuses to start, so there is no server to ask. It reads the
// configuration `ward serve` reads (--config, WARD_*, the same flags), so that it seals under
// the very first token secret the servers will open the keys with.
func newKeysSealCommand(environ func() []string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "seal",
		Short: "Seal the signing keys stored unsealed (by a ward from before sealing) under the first token secret",
		Long: `Seal, under the first of token_secrets, every signing key in the database that is stored
unsealed, and print the ID of each; ward refuses such keys (they neither sign nor are
published, and ` + "`ward serve`" + ` does not start over them). Keys sealed already are left alone, so
running it again does nothing. It reads dsn and token_secrets as ` + "`ward serve`" + ` does: from
--config, WARD_DSN and WARD_TOKEN_SECRETS (or token_secrets_file), and the flags.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadServeConfig(cmd.Flags(), environ)
			if err != nil {
				return err
			}
			if cfg.DSN == "" {
				return errors.New("no database given: set --dsn or WARD_DSN; the embedded store lives in one process, and its keys are sealed as they are made")
			}
			if len(cfg.TokenSecrets) == 0 {
				return errors.New("no token secret given: set token_secrets (--token-secrets, WARD_TOKEN_SECRETS or token_secrets_file) as for `ward serve`")
			}
			ctx := cmd.Context()
			if err := checkSchema(ctx, cfg.DSN); err != nil {
				return err
			}
			st, err := storesql.Open(ctx, cfg.DSN)
			if err != nil {
				return fmt.Errorf("opening the database: %w", err)
			}
			defer st.Close()
			secrets := make([][]byte, len(cfg.TokenSecrets))
			for i, s := range cfg.TokenSecrets {
				secrets[i] = []byte(s)
			}
			sealed, err := oauth2.SealSigningKeys(ctx, st.OAuth2(), secrets)
			out := cmd.OutOrStdout()
			for _, k := range sealed {
				fmt.Fprintf(out, "sealed signing key kid=%s (%s)\n", k.ID, k.Algorithm)
			}
			if err != nil {
				return err
			}
			if len(sealed) == 0 {
				fmt.Fprintln(out, "every signing key is sealed already")
			}
			return nil
		},
	}
	addServeFlags(cmd.Flags())
	return cmd
}
