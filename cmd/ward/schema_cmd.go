package main

import (
	"fmt"
	"io"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	schemav1 "github.com/wardhq/ward/proto/ward/schema/v1"
)

func newSchemaCommand(c *client) *cobra.Command {
	cmd := &cobra.Command{Use: "schema", Short: "Read and write the schema"}
	cmd.AddCommand(&cobra.Command{
		Use:   "write FILE|-",
		Short: "Replace the schema; prints the snapshot token of the write",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := openInput(cmd, args[0])
			if err != nil {
				return err
			}
			defer in.Close()
			text, err := io.ReadAll(in)
			if err != nil {
				return fmt.Errorf("reading %s: %w", args[0], err)
			}
			res, err := c.schemas().WriteSchema(cmd.Context(), connect.NewRequest(&schemav1.WriteSchemaRequest{Schema: string(text)}))
			if err != nil {
				return err
			}
			c.wrote(cmd, res.Msg.GetWrittenAt())
			fmt.Fprintln(cmd.OutOrStdout(), res.Msg.GetWrittenAt())
			return nil
		},
	}, &cobra.Command{
		Use:   "read",
		Short: "Print the schema in force",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := c.schemas().ReadSchema(cmd.Context(), connect.NewRequest(&schemav1.ReadSchemaRequest{}))
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), res.Msg.GetSchema())
			return nil
		},
	})
	return cmd
}
