package main

import (
	"fmt"
	"io"
	"strings"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"github.com/wardhq/ward/engine"
	permv1 "github.com/wardhq/ward/proto/ward/permission/v1"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/store"
)

// exitDenied is ward check's exit status for a denied check with --fail-on-denied: apart from
// 1, which every other failure has, so that a script can tell "no" from "could not ask".
const exitDenied = 2

// exitError ends the command with its status and no message of its own: what it means has
// been printed already.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func newCheckCommand(c *client) *cobra.Command {
	var cf consistencyFlags
	var failOnDenied bool
	var output string
	cmd := &cobra.Command{
		Use:   "check 'type:id#permission@subject'",
		Short: "Print allowed or denied",
		Long: `Check a permission and print allowed or denied (with -o json, the API's CheckResponse).
The exit status is 0 for an answer either way; with --fail-on-denied it is 2 for denied (zed's
--error-on-no-permission), and 1 for every error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "text" && output != "json" {
				return fmt.Errorf("-o must be text or json, not %q", output)
			}
			item, err := engine.ParseCheckItem(args[0])
			if err != nil {
				return err
			}
			return c.read(cmd, &cf, c.endpoint, func(cons *relv1.Consistency) error {
				res, err := c.permissions().Check(cmd.Context(), connect.NewRequest(&permv1.CheckRequest{
					Consistency: cons,
					Resource:    &relv1.ObjectReference{Type: item.Resource.Type, Id: item.Resource.ID},
					Permission:  item.Permission,
					Subject:     &relv1.SubjectReference{Type: item.Subject.Type, Id: item.Subject.ID, Relation: item.Subject.Relation},
				}))
				if err != nil {
					return err
				}
				decision := res.Msg.GetDecision()
				if decision != permv1.Decision_DECISION_ALLOWED && decision != permv1.Decision_DECISION_DENIED {
					return fmt.Errorf("the server returned no decision")
				}
				if output == "json" {
					if err := printJSON(cmd.OutOrStdout(), res.Msg); err != nil {
						return err
					}
				} else if decision == permv1.Decision_DECISION_ALLOWED {
					fmt.Fprintln(cmd.OutOrStdout(), "allowed")
				} else {
					fmt.Fprintln(cmd.OutOrStdout(), "denied")
				}
				if failOnDenied && decision == permv1.Decision_DECISION_DENIED {
					return exitError{exitDenied}
				}
				return nil
			})
		},
	}
	cf.add(cmd)
	cmd.Flags().BoolVar(&failOnDenied, "fail-on-denied", false, "exit with status 2 when the check is denied")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}

func newExpandCommand(c *client) *cobra.Command {
	var cf consistencyFlags
	cmd := &cobra.Command{
		Use:   "expand type:id#permission",
		Short: "Print the userset tree of a permission",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, permission, err := parseUserset(args[0])
			if err != nil {
				return err
			}
			return c.read(cmd, &cf, c.endpoint, func(cons *relv1.Consistency) error {
				res, err := c.permissions().Expand(cmd.Context(), connect.NewRequest(&permv1.ExpandRequest{
					Consistency: cons, Resource: o, Permission: permission,
				}))
				if err != nil {
					return err
				}
				printTree(cmd.OutOrStdout(), res.Msg.GetTree(), "")
				return nil
			})
		},
	}
	cf.add(cmd)
	return cmd
}

var kindNames = map[permv1.UsersetTree_Kind]string{
	permv1.UsersetTree_KIND_LEAF:         "",
	permv1.UsersetTree_KIND_UNION:        "union",
	permv1.UsersetTree_KIND_INTERSECTION: "intersection",
	permv1.UsersetTree_KIND_EXCLUSION:    "exclusion",
}

// printTree writes one node per line, indented by depth: `type:id#relation` then the operator or,
// for leaves, the subjects.
func printTree(w io.Writer, t *permv1.UsersetTree, indent string) {
	line := indent + t.GetResource().GetType() + ":" + t.GetResource().GetId() + "#" + t.GetRelation()
	if t.GetKind() == permv1.UsersetTree_KIND_LEAF {
		var subjects []string
		for _, s := range t.GetSubjects() {
			subjects = append(subjects, subjectText(s))
		}
		line += " = " + strings.Join(subjects, ", ")
		if len(subjects) == 0 {
			line += "(none)"
		}
	} else {
		line += " (" + kindNames[t.GetKind()] + ")"
	}
	fmt.Fprintln(w, line)
	for _, c := range t.GetChildren() {
		printTree(w, c, indent+"  ")
	}
}

func subjectText(s *relv1.SubjectReference) string {
	return store.Subject{Type: s.GetType(), ID: s.GetId(), Relation: s.GetRelation()}.String()
}

func newLookupCommand(c *client) *cobra.Command {
	cmd := &cobra.Command{Use: "lookup", Short: "List resources a subject can reach, or subjects that can reach a resource"}
	var rf, sf consistencyFlags
	resources := &cobra.Command{
		Use:   "resources TYPE PERMISSION SUBJECT",
		Short: "Print the IDs of the resources of TYPE on which SUBJECT has PERMISSION, one per line",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			subject, err := store.ParseSubject(args[2])
			if err != nil {
				return fmt.Errorf("subject: %w", err)
			}
			return c.read(cmd, &rf, c.endpoint, func(cons *relv1.Consistency) error {
				req := &permv1.LookupResourcesRequest{Consistency: cons, ResourceType: args[0], Permission: args[1],
					Subject: &relv1.SubjectReference{Type: subject.Type, Id: subject.ID, Relation: subject.Relation}, PageSize: engine.MaxPageSize}
				for {
					res, err := c.permissions().LookupResources(cmd.Context(), connect.NewRequest(req))
					if err != nil {
						return err
					}
					for _, id := range res.Msg.GetResourceIds() {
						fmt.Fprintln(cmd.OutOrStdout(), id)
					}
					if req.PageToken = res.Msg.GetNextPageToken(); req.PageToken == "" {
						return nil
					}
				}
			})
		},
	}
	rf.add(resources)
	subjects := &cobra.Command{
		Use:   "subjects TYPE:ID#PERMISSION SUBJECT_TYPE[#RELATION]",
		Short: "Print the IDs of the subjects of SUBJECT_TYPE that have PERMISSION, one per line ('*' for a wildcard); with #RELATION (such as group#member), of the subject sets that have it",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, permission, err := parseUserset(args[0])
			if err != nil {
				return err
			}
			subjectType, subjectRelation, isSet := strings.Cut(args[1], "#")
			if subjectType == "" || isSet && subjectRelation == "" {
				return fmt.Errorf("%q is not a subject type, nor one with a relation such as group#member", args[1])
			}
			return c.read(cmd, &sf, c.endpoint, func(cons *relv1.Consistency) error {
				req := &permv1.LookupSubjectsRequest{Consistency: cons, Resource: o, Permission: permission,
					SubjectType: subjectType, SubjectRelation: subjectRelation, PageSize: engine.MaxPageSize}
				for {
					res, err := c.permissions().LookupSubjects(cmd.Context(), connect.NewRequest(req))
					if err != nil {
						return err
					}
					for _, id := range res.Msg.GetSubjectIds() {
						fmt.Fprintln(cmd.OutOrStdout(), id)
					}
					if ex := res.Msg.GetExcludedSubjectIds(); len(ex) > 0 {
						fmt.Fprintf(cmd.ErrOrStderr(), "note: '*' excludes %s\n", strings.Join(ex, ", "))
					}
					if req.PageToken = res.Msg.GetNextPageToken(); req.PageToken == "" {
						return nil
					}
				}
			})
		},
	}
	sf.add(subjects)
	cmd.AddCommand(resources, subjects)
	return cmd
}

// parseUserset parses `type:id#permission`.
func parseUserset(s string) (*relv1.ObjectReference, string, error) {
	object, permission, ok := strings.Cut(s, "#")
	if !ok {
		return nil, "", fmt.Errorf("%q is not of the form type:id#permission", s)
	}
	o, err := store.ParseObject(object)
	if err != nil {
		return nil, "", err
	}
	return &relv1.ObjectReference{Type: o.Type, Id: o.ID}, permission, nil
}
