package main

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/spf13/cobra"
)

// usageError is a mistake in a command's arguments or flags: main prints it with the command's
// usage line.
type usageError struct {
	err error
	cmd *cobra.Command
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// withUsage makes every argument and flag error of the commands under root a usageError, and
// has each command that only groups others answer an unknown subcommand as the root does, with
// cobra's suggestions, instead of printing its help and succeeding.
func withUsage(root *cobra.Command) {
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return &usageError{err: err, cmd: cmd} })
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		if args := cmd.Args; args != nil {
			cmd.Args = func(cmd *cobra.Command, a []string) error {
				if err := args(cmd, a); err != nil {
					return &usageError{err: err, cmd: cmd}
				}
				return nil
			}
		}
		if cmd.HasParent() && cmd.HasSubCommands() && !cmd.Runnable() {
			cmd.RunE = func(cmd *cobra.Command, a []string) error {
				if len(a) == 0 {
					return cmd.Help()
				}
				return unknownCommand(cmd, a[0])
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// unknownCommand is cobra's error for an unknown subcommand, with its suggestions.
func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, which it sets only for the root
	}
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t") + "\n"
	}
	return errors.New(msg)
}

// errorText is what main prints for err: one line, as oneLine makes it, but for an argument
// error, which is followed by the command's usage line, and cobra's unknown command error, whose
// suggestions are printed as cobra lays them out.
func errorText(err error) string {
	if ue, ok := errors.AsType[*usageError](err); ok && ue.cmd != nil {
		return fmt.Sprintf("ward: %s\nusage: %s\n(`%s --help` says more)\n", oneLine(ue.err), ue.cmd.UseLine(), ue.cmd.CommandPath())
	}
	if msg := err.Error(); strings.HasPrefix(msg, "unknown command ") {
		return "ward: " + strings.TrimRight(msg, "\n") + "\n"
	}
	return "ward: " + oneLine(err) + "\n"
}

// normalizeEndpoint accepts an endpoint without a scheme as http when its host is loopback
// (127.0.0.1:4466, localhost:4466, [::1]:4466), where plain HTTP is what a local server speaks; for
// any other host the scheme must be given, so that a token is never sent in the clear by accident.
func normalizeEndpoint(flag, endpoint string) (string, error) {
	if endpoint == "" || strings.Contains(endpoint, "://") {
		return endpoint, nil
	}
	host, _, err := net.SplitHostPort(strings.TrimRight(endpoint, "/"))
	if err != nil {
		host = strings.TrimRight(endpoint, "/")
	}
	if ip := net.ParseIP(strings.Trim(host, "[]")); host == "localhost" || ip != nil && ip.IsLoopback() {
		return "http://" + endpoint, nil
	}
	return "", &usageError{err: fmt.Errorf("--%s %q has no scheme: write https://%s (or http:// for a server without TLS)", flag, endpoint, endpoint)}
}
