package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"

	"github.com/spf13/cobra"
)

// buildInfo is what `ward version` says of the binary, from the build information the Go
// toolchain records in it.
type buildInfo struct {
	// Version is the module's version: a tag such as v1.2.0, a pseudo-version of the commit
	// (v0.0.0-20261204101500-fb2eea1c0de5, +dirty when modified) when built in a checkout, or
	// "(devel)" when the toolchain knew none.
	Version string `json:"version"`
	// Commit is the VCS revision built; empty when the build had no VCS information (go run, a
	// test binary, -buildvcs=false).
	Commit string `json:"commit,omitempty"`
	// CommitTime is the commit's time, as the VCS gives it (RFC 3339).
	CommitTime string `json:"commit_time,omitempty"`
	// Modified reports that the working tree had changes the commit lacks.
	Modified bool `json:"modified"`
	// GoVersion is the toolchain that built the binary.
	GoVersion string `json:"go_version"`
}

// readBuildInfo returns the running binary's build information.
func readBuildInfo() buildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return buildInfo{Version: "(devel)", GoVersion: "unknown"}
	}
	return buildInfoOf(bi)
}

// buildInfoOf extracts ward's version, commit, modification and toolchain from bi.
func buildInfoOf(bi *debug.BuildInfo) buildInfo {
	out := buildInfo{Version: bi.Main.Version, GoVersion: bi.GoVersion}
	if out.Version == "" {
		out.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			out.Commit = s.Value
		case "vcs.time":
			out.CommitTime = s.Value
		case "vcs.modified":
			out.Modified, _ = strconv.ParseBool(s.Value)
		}
	}
	return out
}

// write prints b as text, one "name: value" line each, or as JSON.
func (b buildInfo) write(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	}
	commit := b.Commit
	if commit == "" {
		commit = "unknown (built without VCS information)"
	}
	_, err := fmt.Fprintf(w, "ward %s\ncommit: %s\n", b.Version, commit)
	if err != nil {
		return err
	}
	if b.CommitTime != "" {
		fmt.Fprintf(w, "commit time: %s\n", b.CommitTime)
	}
	if b.Commit != "" {
		fmt.Fprintf(w, "modified: %t\n", b.Modified)
	}
	_, err = fmt.Fprintf(w, "go: %s\n", b.GoVersion)
	return err
}

// newVersionCommand is `ward version`; the root command's --version prints the same.
func newVersionCommand() *cobra.Command {
	var output string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print ward's version, commit and Go toolchain",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return fmt.Errorf("-o must be text or json, not %q", output)
			}
			return readBuildInfo().write(cmd.OutOrStdout(), asJSON || output == "json")
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	cmd.Flags().BoolVar(&asJSON, "json", false, "the same as -o json")
	return cmd
}
