package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/wardhq/ward/chaos/checker"
	"github.com/wardhq/ward/chaos/cluster"
	"github.com/wardhq/ward/chaos/scenario"
)

// newChaosCommand is `ward chaos run|list|check`: the multi-region chaos harness.
func newChaosCommand(environ func() []string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chaos",
		Short: "Run the multi-region chaos scenarios against a Patroni-managed PostgreSQL cluster in Docker",
		Long: "Each scenario starts three regions in Docker (etcd, PostgreSQL under Patroni and a ward node\n" +
			"each, links through Toxiproxy), runs a workload in every region, injects faults, and judges\n" +
			"availability, lost writes, consistency, staleness and split brain. Needs Docker and the images\n" +
			"of " + cluster.BuildCommand + ".",
	}
	cmd.AddCommand(newChaosRunCommand(environ), newChaosListCommand(), newChaosCheckCommand(), &cobra.Command{
		Use:   "clean",
		Short: "Remove the containers and networks of chaos runs whose process died (run also does it first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cluster.RemoveOrphans(cmd.Context())
		},
	})
	return cmd
}

func newChaosRunCommand(environ func() []string) *cobra.Command {
	var o scenario.Options
	cmd := &cobra.Command{
		Use:   "run NAME...|all",
		Short: "Run scenarios (each on a fresh cluster, removed afterwards); fails if one fails",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var list []scenario.Scenario
			if len(args) == 1 && args[0] == "all" {
				list = scenario.All()
			} else {
				for _, name := range args {
					s, err := scenario.Lookup(name)
					if err != nil {
						return err
					}
					list = append(list, s)
				}
			}
			out := cmd.OutOrStdout()
			o.Log = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelInfo}))
			if err := cluster.RemoveOrphans(cmd.Context()); err != nil {
				o.Log.Warn("removing what earlier runs left behind", "error", err)
			}
			runs := []scenario.Options{o}
			if img := envOr(environ, "WARD_CHAOS_COCKROACH_IMAGE", ""); img == "" {
				fmt.Fprintln(out, "CockroachDB: skipped (set WARD_CHAOS_COCKROACH_IMAGE to a local CockroachDB image to run the scenarios on it too)")
			} else {
				co := o
				co.CockroachImage = img
				runs = append(runs, co)
			}
			var failed []string
			started := time.Now()
			for _, ro := range runs {
				for _, s := range list {
					t0 := time.Now()
					label, report := s.Name, filepath.Join(ro.OutDir, s.Name, "report.html")
					if ro.CockroachImage != "" {
						label, report = "cockroachdb/"+s.Name, filepath.Join(ro.OutDir, "cockroach", s.Name, "report.html")
					}
					res, err := scenario.Run(cmd.Context(), s, ro)
					if err != nil {
						if cmd.Context().Err() != nil {
							return fmt.Errorf("interrupted during %s (its containers are removed): %w", label, err)
						}
						fmt.Fprintf(out, "scenario %s: ERROR: %s\n", label, oneLine(err))
						failed = append(failed, label)
						continue
					}
					if err := checker.Summary(out, res); err != nil {
						return err
					}
					fmt.Fprintf(out, "  wall time %s; report: %s\n", time.Since(t0).Round(time.Second), report)
					if !res.Pass {
						failed = append(failed, label)
					}
				}
			}
			fmt.Fprintf(out, "%d scenarios in %s\n", len(list), time.Since(started).Round(time.Second))
			if len(failed) > 0 {
				return fmt.Errorf("scenarios failed: %s", strings.Join(failed, ", "))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.OutDir, "out", filepath.Join("bin", "chaos-results"), "directory for each scenario's history.json, result.json and report.html")
	f.DurationVar(&o.Warmup, "warmup", 20*time.Second, "workload before the faults")
	f.DurationVar(&o.After, "after", 40*time.Second, "workload after the faults")
	f.DurationVar(&o.MaxStaleness, "max-staleness", 5*time.Second, "the ward nodes' --max-staleness, the bound minimize_latency reads are held to")
	return cmd
}

func newChaosListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the scenarios",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			for _, s := range scenario.All() {
				fmt.Fprintf(w, "%s\t%s\n", s.Name, s.Description)
			}
			return w.Flush()
		},
	}
}

func newChaosCheckCommand() *cobra.Command {
	var htmlOut string
	cmd := &cobra.Command{
		Use:   "check HISTORY.json",
		Short: "Judge a saved history again (such as one a scenario wrote) and print the summary",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := checker.ReadHistory(args[0])
			if err != nil {
				return err
			}
			res := checker.Check(h, checker.DefaultThresholds)
			if err := checker.Summary(cmd.OutOrStdout(), res); err != nil {
				return err
			}
			if htmlOut != "" {
				f, err := os.Create(htmlOut)
				if err != nil {
					return err
				}
				if err := checker.HTML(f, res); err != nil {
					f.Close()
					return err
				}
				if err := f.Close(); err != nil {
					return err
				}
			}
			if !res.Pass {
				return errors.New("the history fails the checks")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&htmlOut, "html", "", "also write the HTML report to this file")
	return cmd
}
