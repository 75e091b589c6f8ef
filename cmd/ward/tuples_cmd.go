package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"github.com/wardhq/ward/engine"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/store"
	storesql "github.com/wardhq/ward/store/sql"
)

func newTuplesCommand(c *client) *cobra.Command {
	cmd := &cobra.Command{Use: "tuples", Short: "Write, delete and read relationship tuples"}
	cmd.AddCommand(
		newTuplesWriteCommand(c, "write", "Write (touch) tuples, one `type:id#relation@subject` per line, in one atomic batch",
			relv1.RelationshipUpdate_OPERATION_TOUCH),
		newTuplesDeleteCommand(c),
		newTuplesReadCommand(c),
		newTuplesImportCommand(),
	)
	return cmd
}

func newTuplesImportCommand() *cobra.Command {
	var dsn string
	cmd := &cobra.Command{
		Use:   "import FILE|- --dsn DSN",
		Short: "Bulk-load tuples straight into the database with COPY, 500,000 per transaction",
		Long: `Bulk-load tuples, one per line, straight into the database with COPY: the way to load
millions. Every tuple is checked against the schema in force first; existing tuples are left as
they are. Each chunk of 500,000 tuples is one transaction, so an import that fails part-way leaves
the chunks before it. Prints the snapshot token of the last chunk.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dsn == "" {
				return fmt.Errorf("no database given: set --dsn or WARD_DSN")
			}
			ctx := cmd.Context()
			st, err := storesql.Open(ctx, dsn)
			if err != nil {
				return err
			}
			defer st.Close()
			eng, err := engine.New(st)
			if err != nil {
				return err
			}
			validate, err := eng.Validator(ctx)
			if err != nil {
				return err
			}
			in, err := openInput(cmd, args[0])
			if err != nil {
				return err
			}
			defer in.Close()
			start := time.Now()
			rev, n, err := st.Import(ctx, func(yield func(store.Tuple, error) bool) {
				for t, err := range scanTuples(in, args[0]) {
					if err == nil {
						if verr := validate(t.Tuple); verr != nil {
							err = fmt.Errorf("%s:%d: %w", args[0], t.Line, verr)
						}
					}
					if !yield(t.Tuple, err) || err != nil {
						return
					}
				}
			})
			if err != nil {
				return err
			}
			elapsed := time.Since(start)
			fmt.Fprintf(cmd.ErrOrStderr(), "imported %d new tuples in %s (%.0f/s)\n", n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
			fmt.Fprintln(cmd.OutOrStdout(), engine.TokenFor(rev))
			return nil
		},
	}
	cmd.Flags().StringVar(&dsn, "dsn", os.Getenv("WARD_DSN"), "database to import into (default $WARD_DSN)")
	return cmd
}

// newTuplesDeleteCommand is `ward tuples delete`: of the tuples of a file, or of those that match
// a filter.
func newTuplesDeleteCommand(c *client) *cobra.Command {
	var filter string
	var yes bool
	cmd := newTuplesWriteCommand(c, "delete", "Delete tuples, one per line, in one atomic batch, or with --filter every tuple that matches; says on stderr how many it removed",
		relv1.RelationshipUpdate_OPERATION_DELETE)
	cmd.Use = "delete FILE|- | delete --filter FILTER [--yes]"
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		if filter != "" {
			return cobra.NoArgs(cmd, args)
		}
		return cobra.ExactArgs(1)(cmd, args)
	}
	byFile := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if filter == "" {
			return byFile(cmd, args)
		}
		return deleteByFilter(cmd, c, filter, yes)
	}
	cmd.Flags().StringVar(&filter, "filter", "",
		"delete every tuple that matches type[:id][#relation][@subject_type[:id][#relation]] (the type is required), atomically")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "with --filter: delete without asking")
	return cmd
}

// deleteByFilter deletes the tuples that match filter, after saying how many there are and
// asking on standard input unless yes.
func deleteByFilter(cmd *cobra.Command, c *client, filter string, yes bool) error {
	f, err := parseFilter(filter)
	if err != nil {
		return err
	}
	if f.GetResourceType() == "" {
		return fmt.Errorf("--filter %q: a delete must name a resource type, such as document#viewer@user:alice", filter)
	}
	if !yes {
		// Counted at the newest snapshot: the number asked about is the number a delete now removes.
		n := 0
		req := &relv1.ReadRelationshipsRequest{Filter: f, PageSize: engine.MaxPageSize,
			Consistency: &relv1.Consistency{Requirement: &relv1.Consistency_FullyConsistent{FullyConsistent: true}}}
		for {
			res, err := c.relationships().ReadRelationships(cmd.Context(), connect.NewRequest(req))
			if err != nil {
				return err
			}
			n += len(res.Msg.GetRelationships())
			if req.PageToken = res.Msg.GetNextPageToken(); req.PageToken == "" {
				break
			}
		}
		if n == 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "deleted nothing: no tuple matches %s\n", filter)
			return nil
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "delete %s that match %s? [y/N] ", plural(uint64(n)), filter)
		answer, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(cmd.ErrOrStderr())
			return fmt.Errorf("not confirmed: nothing was deleted (--yes deletes without asking)")
		}
	}
	res, err := c.relationships().DeleteRelationships(cmd.Context(), connect.NewRequest(&relv1.DeleteRelationshipsRequest{Filter: f}))
	if err != nil {
		return err
	}
	c.wrote(cmd, res.Msg.GetDeletedAt())
	fmt.Fprintln(cmd.ErrOrStderr(), "deleted "+plural(res.Msg.GetDeletedCount()))
	fmt.Fprintln(cmd.OutOrStdout(), res.Msg.GetDeletedAt())
	return nil
}

func newTuplesWriteCommand(c *client, name, short string, op relv1.RelationshipUpdate_Operation) *cobra.Command {
	var batchSize int
	cmd := &cobra.Command{
		Use:   name + " FILE|-",
		Short: short + "; prints the snapshot token of the write",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if batchSize < 0 || batchSize > engine.MaxWriteBatch {
				return fmt.Errorf("--batch-size must be between 1 and %d (0: the whole file in one write)", engine.MaxWriteBatch)
			}
			in, err := openInput(cmd, args[0])
			if err != nil {
				return err
			}
			defer in.Close()
			var tuples []lineTuple
			for t, err := range scanTuples(in, args[0]) {
				if err != nil {
					return err
				}
				tuples = append(tuples, t)
			}
			size := batchSize
			if size == 0 {
				if len(tuples) > engine.MaxWriteBatch {
					return fmt.Errorf("%s holds %d tuples; one atomic write takes at most %d: pass --batch-size %d to write them in batches, each atomic on its own, or split the file",
						args[0], len(tuples), engine.MaxWriteBatch, engine.MaxWriteBatch)
				}
				size = max(len(tuples), 1)
			}
			var deleted uint64
			var token string
			// An empty file is still sent, for the server's refusal.
			for start := 0; start == 0 || start < len(tuples); start += size {
				batch := tuples[start:min(start+size, len(tuples))]
				req := &relv1.WriteRelationshipsRequest{}
				for _, t := range batch {
					req.Updates = append(req.Updates, &relv1.RelationshipUpdate{Operation: op, Relationship: tupleProto(t.Tuple)})
				}
				res, err := c.relationships().WriteRelationships(cmd.Context(), connect.NewRequest(req))
				if err != nil {
					return atLine(err, args[0], batch, start, token)
				}
				deleted += res.Msg.GetDeletedCount()
				token = res.Msg.GetWrittenAt()
				c.wrote(cmd, token)
			}
			if op == relv1.RelationshipUpdate_OPERATION_DELETE {
				// stderr, so that stdout stays the token for scripts. A delete of tuples that are
				// not stored is not an error, but it is worth seeing.
				fmt.Fprintln(cmd.ErrOrStderr(), deletedText(deleted, len(tuples)))
			}
			fmt.Fprintln(cmd.OutOrStdout(), token)
			return nil
		},
	}
	cmd.Flags().IntVar(&batchSize, "batch-size", 0,
		fmt.Sprintf("write in batches of this many tuples, each atomic on its own (at most %d; 0: the whole file in one atomic write)", engine.MaxWriteBatch))
	return cmd
}

// atLine puts the file and line of the tuple that the server refused in front of its error
// (file:line: as compilers do), and says what earlier batches wrote.
func atLine(err error, name string, batch []lineTuple, start int, token string) error {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err
	}
	msg := ce.Message()
	// The server names the refused update's field: updates[i]….
	if rest, ok := strings.CutPrefix(msg, "updates["); ok {
		digits, _, _ := strings.Cut(rest, "]")
		if i, aerr := strconv.Atoi(digits); aerr == nil && i >= 0 && i < len(batch) {
			msg = fmt.Sprintf("%s:%d: %s", name, batch[i].Line, msg)
		}
	}
	if start > 0 {
		msg += fmt.Sprintf(" (this batch wrote nothing; the %s before it were written, at %s)", plural(uint64(start)), token)
	}
	return connect.NewError(ce.Code(), errors.New(msg))
}

// plural is "1 tuple" or "n tuples".
func plural(n uint64) string {
	if n == 1 {
		return "1 tuple"
	}
	return strconv.FormatUint(n, 10) + " tuples"
}

// deletedText says how many of the asked tuples a delete removed.
func deletedText(deleted uint64, asked int) string {
	switch {
	case deleted == 0 && asked == 1:
		return "deleted nothing: the tuple given was not stored"
	case deleted == 0:
		return "deleted nothing: none of the " + plural(uint64(asked)) + " given was stored"
	case deleted < uint64(asked):
		missing := uint64(asked) - deleted
		return "deleted " + plural(deleted) + "; " + plural(missing) + " of those given " + wasWere(missing) + " not stored"
	}
	return "deleted " + plural(deleted)
}

func wasWere(n uint64) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

func newTuplesReadCommand(c *client) *cobra.Command {
	var cf consistencyFlags
	cmd := &cobra.Command{
		Use:   "read [FILTER]",
		Short: "Print the tuples that match [type][:id][#relation][@subject_type[:id][#relation]] (such as @user:alice or #viewer), or all of them",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := &relv1.RelationshipFilter{}
			if len(args) == 1 {
				var err error
				if f, err = parseFilter(args[0]); err != nil {
					return err
				}
			}
			return c.read(cmd, &cf, c.adminEndpoint, func(cons *relv1.Consistency) error {
				req := &relv1.ReadRelationshipsRequest{Consistency: cons, Filter: f, PageSize: engine.MaxPageSize}
				for {
					res, err := c.relationships().ReadRelationships(cmd.Context(), connect.NewRequest(req))
					if err != nil {
						return err
					}
					for _, r := range res.Msg.GetRelationships() {
						fmt.Fprintln(cmd.OutOrStdout(), tupleText(r))
					}
					if res.Msg.GetNextPageToken() == "" {
						return nil
					}
					req.PageToken = res.Msg.GetNextPageToken()
				}
			})
		},
	}
	cf.add(cmd)
	return cmd
}

func tupleProto(t store.Tuple) *relv1.Relationship {
	return &relv1.Relationship{
		Resource: &relv1.ObjectReference{Type: t.Resource.Type, Id: t.Resource.ID},
		Relation: t.Relation,
		Subject:  &relv1.SubjectReference{Type: t.Subject.Type, Id: t.Subject.ID, Relation: t.Subject.Relation},
	}
}

func tupleText(r *relv1.Relationship) string {
	return store.Tuple{
		Resource: store.ObjectRef{Type: r.GetResource().GetType(), ID: r.GetResource().GetId()},
		Relation: r.GetRelation(),
		Subject:  store.Subject{Type: r.GetSubject().GetType(), ID: r.GetSubject().GetId(), Relation: r.GetSubject().GetRelation()},
	}.String()
}
