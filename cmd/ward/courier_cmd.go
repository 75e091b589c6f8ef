package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	storesql "github.com/wardhq/ward/store/sql"
)

func newCourierCommand(environ func() []string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "courier",
		Short: "The identity service's courier",
	}
	watch := &cobra.Command{
		Use:   "watch",
		Short: "Deliver the courier's queued messages, without serving anything",
		Long: `Run the courier worker alone: it delivers the messages queued in the database at --dsn over
the SMTP server of courier.smtp.connection_uri, as every ward serve with SMTP configured does too.
It takes the configuration of ward serve (--config, WARD_* variables, flags), of which it uses dsn,
the courier.* keys and the log keys. It stops at SIGINT or SIGTERM, leaving a message it was sending
to be sent again after its lease.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadServeConfig(cmd.Flags(), environ)
			if err != nil {
				return err
			}
			if cfg.DSN == "" {
				return errors.New("ward courier watch needs the database the servers queue messages in: set dsn (the embedded store lives inside one ward serve, whose own worker sends its messages)")
			}
			if cfg.Courier.SMTP.ConnectionURI == "" {
				return errors.New("ward courier watch needs courier.smtp.connection_uri")
			}
			log := newLogger(cfg)
			ctx := cmd.Context()
			if err := checkSchema(ctx, cfg.DSN); err != nil {
				return err
			}
			st, err := storesql.Open(ctx, cfg.DSN, storesql.WithLogger(log))
			if err != nil {
				return fmt.Errorf("opening the database: %w", err)
			}
			defer st.Close()
			w, err := newCourierWorker(cfg, st.Courier(), log)
			if err != nil {
				return err
			}
			return w.Run(ctx)
		},
	}
	addServeFlags(watch.Flags())
	cmd.AddCommand(watch)
	return cmd
}
