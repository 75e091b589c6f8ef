package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"
	"strings"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
	"github.com/wardhq/ward/proto/ward/schema/v1/schemav1connect"
	"github.com/wardhq/ward/store"
)

// client holds the endpoints the CLI talks to.
type client struct {
	endpoint      string
	adminEndpoint string
	creds         credentials
}

func (c *client) permissions() permissionv1connect.PermissionServiceClient {
	return permissionv1connect.NewPermissionServiceClient(c.withCredentials(http.DefaultClient), c.endpoint)
}

func (c *client) relationships() relationshipv1connect.RelationshipServiceClient {
	return relationshipv1connect.NewRelationshipServiceClient(c.withCredentials(http.DefaultClient), c.adminEndpoint)
}

func (c *client) schemas() schemav1connect.SchemaServiceClient {
	return schemav1connect.NewSchemaServiceClient(c.withCredentials(http.DefaultClient), c.adminEndpoint)
}

// oneLine renders an error as one line: the Connect code and message for API errors.
func oneLine(err error) string {
	var ce *connect.Error
	if errors.As(err, &ce) {
		msg := ce.Message()
		if ce.Code() == connect.CodeUnavailable && strings.Contains(msg, "connection refused") {
			msg = "cannot reach the ward server (is `ward serve` running, and are --endpoint/--admin-endpoint right?): " + msg
		}
		err = fmt.Errorf("%s: %s", ce.Code(), msg)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

// consistencyFlags are the read commands' freshness flags.
type consistencyFlags struct {
	mode  string
	token string
}

func (f *consistencyFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.mode, "consistency", "minimize_latency", "minimize_latency or fully_consistent")
	cmd.Flags().StringVar(&f.token, "at-least-as-fresh", "", "answer from a snapshot at least as fresh as this token (what writes print)")
}

func (f *consistencyFlags) proto() (*relv1.Consistency, error) {
	if f.token != "" {
		return &relv1.Consistency{Requirement: &relv1.Consistency_AtLeastAsFresh{AtLeastAsFresh: f.token}}, nil
	}
	switch f.mode {
	case "minimize_latency", "":
		return &relv1.Consistency{Requirement: &relv1.Consistency_MinimizeLatency{MinimizeLatency: true}}, nil
	case "fully_consistent":
		return &relv1.Consistency{Requirement: &relv1.Consistency_FullyConsistent{FullyConsistent: true}}, nil
	}
	return nil, fmt.Errorf("--consistency must be minimize_latency or fully_consistent, not %q", f.mode)
}

// openInput opens a file argument, or standard input for "-".
func openInput(cmd *cobra.Command, name string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(cmd.InOrStdin()), nil
	}
	return os.Open(name)
}

// lineTuple is a tuple and the line it was read from.
type lineTuple struct {
	store.Tuple
	Line int
}

// scanTuples yields the tuples of r, one per line; blank lines and lines starting with '#' or "//"
// are skipped. An error names the file and line.
func scanTuples(r io.Reader, name string) iter.Seq2[lineTuple, error] {
	return func(yield func(lineTuple, error) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for line := 1; sc.Scan(); line++ {
			s := strings.TrimSpace(sc.Text())
			if s == "" || strings.HasPrefix(s, "#") || strings.HasPrefix(s, "//") {
				continue
			}
			t, err := store.ParseTuple(s)
			if err != nil {
				yield(lineTuple{}, fmt.Errorf("%s:%d: %w", name, line, err))
				return
			}
			if !yield(lineTuple{Tuple: t, Line: line}, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(lineTuple{}, fmt.Errorf("reading %s: %w", name, err))
		}
	}
}

// readTuples reads every tuple of r.
func readTuples(r io.Reader, name string) ([]store.Tuple, error) {
	var out []store.Tuple
	for t, err := range scanTuples(r, name) {
		if err != nil {
			return nil, err
		}
		out = append(out, t.Tuple)
	}
	return out, nil
}

// parseFilter parses `type[:id][#relation][@subject_type[:id][#relation]]`; every part is optional
// but the resource type.
func parseFilter(s string) (*relv1.RelationshipFilter, error) {
	resource, subject, hasSubject := strings.Cut(s, "@")
	object, relation, _ := strings.Cut(resource, "#")
	typ, id, _ := strings.Cut(object, ":")
	f := &relv1.RelationshipFilter{ResourceType: typ, ResourceId: id, Relation: relation}
	if typ == "" {
		return nil, fmt.Errorf("filter %q: want type[:id][#relation][@subject_type[:id][#relation]]", s)
	}
	if hasSubject {
		sobj, srel, hasRel := strings.Cut(subject, "#")
		styp, sid, _ := strings.Cut(sobj, ":")
		f.SubjectFilter = &relv1.SubjectFilter{Type: styp, Id: sid}
		if hasRel {
			f.SubjectFilter.Relation = &srel
		}
	}
	return f, nil
}
