package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/wardhq/ward/migrations"
)

// newMigrateCommand is `ward migrate up|status`, which apply and list the database migrations.
func newMigrateCommand(environ func() []string) *cobra.Command {
	var dsn, dialect string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply or list the SQL database's schema migrations",
		Long: "Apply or list the migrations of ward's SQL schema, which are built into the binary.\n\n" +
			"`ward migrate up` is safe to run from several processes at once (every replica at start,\n" +
			"say): one applies the migrations and the others wait for it, then find nothing to do.",
	}
	// No default shown for --dsn: it may hold a password.
	cmd.PersistentFlags().StringVar(&dsn, "dsn", "", "database to migrate, as a URL or key=value DSN (default $WARD_DSN)")
	cmd.PersistentFlags().StringVar(&dialect, "dialect", "postgres", "SQL dialect: postgres, cockroachdb or cockroachdb-multiregion")

	open := func(ctx context.Context) (*sql.DB, migrations.Dialect, error) {
		d, err := migrations.ParseDialect(dialect)
		if err != nil {
			return nil, 0, err
		}
		if dsn == "" {
			dsn = envOr(environ, "WARD_DSN", "")
		}
		if dsn == "" {
			return nil, 0, errors.New("no database given: set --dsn or WARD_DSN (for example postgres://ward@localhost:5432/ward?sslmode=disable)")
		}
		db, err := migrations.Open(dsn)
		if err != nil {
			return nil, 0, err
		}
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, 0, fmt.Errorf("connecting to the database: %w", err)
		}
		return db, d, nil
	}

	cmd.AddCommand(&cobra.Command{
		Use:   "up",
		Short: "Apply the pending migrations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, d, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			applied, err := migrations.Up(cmd.Context(), db, d)
			out := cmd.OutOrStdout()
			for _, a := range applied {
				fmt.Fprintf(out, "applied %s/%s (%s)\n", a.Set, a.Name, a.Duration.Round(time.Millisecond))
			}
			if err != nil {
				return err
			}
			states, err := migrations.Status(cmd.Context(), db, d)
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintf(out, "already up to date (%s)\n", versions(states))
			} else {
				fmt.Fprintf(out, "up to date (%s)\n", versions(states))
			}
			return nil
		},
	})

	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "List the migrations, applied and pending; exit non-zero unless the schema is current",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, d, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			states, err := migrations.Status(cmd.Context(), db, d)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SET\tVERSION\tNAME\tSTATE\tAPPLIED AT")
			for _, s := range states {
				name, state, at := s.Name, "pending", "-"
				if name == "" {
					name = "(unknown to this ward)"
				}
				if s.Applied {
					state, at = "applied", s.AppliedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", s.Set, s.Version, name, state, at)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			// A script (a deploy step, a readiness gate) needs the answer in the exit status:
			// only a current schema exits 0.
			switch err := migrations.Check(cmd.Context(), db, d); {
			case err == nil:
				fmt.Fprintln(cmd.OutOrStdout(), "the database schema is current")
				return nil
			case errors.Is(err, migrations.ErrBehind):
				return fmt.Errorf("the database is behind this ward's migrations: %w", err)
			case errors.Is(err, migrations.ErrAhead):
				return fmt.Errorf("the database is ahead of this ward's migrations: %w", err)
			default:
				return err
			}
		},
	})
	return cmd
}

// versions summarizes the database's version of each migration set: "postgres version 1".
func versions(states []migrations.State) string {
	var sets []string
	current := map[string]int64{}
	for _, s := range states {
		if _, ok := current[s.Set]; !ok {
			sets = append(sets, s.Set)
			current[s.Set] = 0
		}
		if s.Applied {
			current[s.Set] = max(current[s.Set], s.Version)
		}
	}
	parts := make([]string, len(sets))
	for i, set := range sets {
		parts[i] = fmt.Sprintf("%s version %d", set, current[set])
	}
	return strings.Join(parts, ", ")
}
