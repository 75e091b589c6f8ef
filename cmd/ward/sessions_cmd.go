package main

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/spf13/cobra"
)

func newSessionsCommand(c *client) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "sessions",
		Aliases: []string{"session"},
		Short:   "List, inspect, revoke and extend identities' sessions (the admin API, in Ory Kratos's contract)",
	}
	cmd.AddCommand(newSessionsListCommand(c), newSessionsGetCommand(c), newSessionsRevokeCommand(c), newSessionsExtendCommand(c))
	return cmd
}

// expandFlag is --expand, Kratos's expand query parameter of the session reads.
func expandFlag(cmd *cobra.Command, to *[]string) {
	cmd.Flags().StringSliceVar(to, "expand", nil, "what to include of each session: identity, devices")
}

func expandQuery(expand []string) (url.Values, error) {
	q := url.Values{}
	for _, e := range expand {
		if e != "identity" && e != "devices" {
			return nil, fmt.Errorf("--expand takes identity and devices, not %q", e)
		}
		q.Add("expand", e)
	}
	return q, nil
}

func newSessionsListCommand(c *client) *cobra.Command {
	var pages pageFlags
	var identityID string
	var active bool
	var expand []string
	cmd := &cobra.Command{
		Use:   "list [--identity ID] [--active]",
		Short: "List sessions (all, or an identity's) as a JSON array",
		Long: `List sessions, of every identity or of --identity's. --active lists only the active ones,
--active=false only the others; without it, both.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := "/admin/sessions"
			q, err := expandQuery(expand)
			if err != nil {
				return err
			}
			if identityID != "" {
				if err := checkID("--identity", identityID); err != nil {
					return err
				}
				if len(expand) > 0 {
					return errors.New("--expand applies to the list of every session; an identity's sessions come with their identity")
				}
				path = "/admin/identities/" + identityID + "/sessions"
			}
			if cmd.Flags().Changed("active") {
				q.Set("active", strconv.FormatBool(active))
			}
			return pages.list(cmd.Context(), cmd, c.identityAdmin(), path, q)
		},
	}
	pages.add(cmd, "sessions")
	cmd.Flags().StringVar(&identityID, "identity", "", "only this identity's sessions")
	cmd.Flags().BoolVar(&active, "active", true, "only active sessions (--active=false: only inactive ones)")
	expandFlag(cmd, &expand)
	return cmd
}

func newSessionsGetCommand(c *client) *cobra.Command {
	var expand []string
	cmd := &cobra.Command{
		Use:   "get SESSION_ID",
		Short: "Print a session as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkID("session ID", args[0]); err != nil {
				return err
			}
			q, err := expandQuery(expand)
			if err != nil {
				return err
			}
			return c.identityAdmin().show(cmd, "GET", "/admin/sessions/"+args[0], q, nil)
		},
	}
	expandFlag(cmd, &expand)
	return cmd
}

func newSessionsRevokeCommand(c *client) *cobra.Command {
	var identityID string
	cmd := &cobra.Command{
		Use:   "revoke SESSION_ID... | revoke --identity ID",
		Short: "Revoke sessions, or every session of an identity",
		Args: func(cmd *cobra.Command, args []string) error {
			if (identityID == "") == (len(args) == 0) {
				return errors.New("give session IDs or --identity, not both")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			a := c.identityAdmin()
			if identityID != "" {
				if err := checkID("--identity", identityID); err != nil {
					return err
				}
				_, err := a.do(cmd.Context(), "DELETE", "/admin/identities/"+identityID+"/sessions", nil, nil)
				return err
			}
			return deleteEach(cmd, a, "session ID", "/admin/sessions/", args)
		},
	}
	cmd.Flags().StringVar(&identityID, "identity", "", "revoke every session of this identity")
	return cmd
}

func newSessionsExtendCommand(c *client) *cobra.Command {
	return &cobra.Command{
		Use:   "extend SESSION_ID",
		Short: "Extend a session by the server's session lifespan; prints it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkID("session ID", args[0]); err != nil {
				return err
			}
			// Kratos before v1.1 answered 204, which prints nothing.
			return c.identityAdmin().show(cmd, "PATCH", "/admin/sessions/"+args[0]+"/extend", nil, nil)
		},
	}
}
