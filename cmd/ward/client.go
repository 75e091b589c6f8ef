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
	tokens        *tokenFile
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
		if ce.Code() == connect.CodeUnimplemented && strings.HasPrefix(msg, "404") {
			// Connect's rendering of an HTTP 404: no handler for the procedure at that address.
			msg = "the server there does not serve this command's API: the service is off (oauth2 or identity not configured), " +
				"or the endpoint is the other listener's (--endpoint is the public API, --admin-endpoint the admin API) (" + msg + ")"
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
	cmd.Flags().StringVar(&f.mode, "consistency", "",
		"minimize_latency or fully_consistent (default: at least as fresh as the last write this ward made to the server, else minimize_latency)")
	cmd.Flags().StringVar(&f.token, "at-least-as-fresh", "", "answer from a snapshot at least as fresh as this token (what writes print)")
}

var minimizeLatency = &relv1.Consistency{Requirement: &relv1.Consistency_MinimizeLatency{MinimizeLatency: true}}

func atLeastAsFresh(token string) *relv1.Consistency {
	return &relv1.Consistency{Requirement: &relv1.Consistency_AtLeastAsFresh{AtLeastAsFresh: token}}
}

// read calls call with the consistency that f asks for a read from endpoint. By default that is
// a snapshot at least as fresh as the last write this CLI made to the server, so that a read in
// the command after a write sees it. When the server refuses that remembered token as newer
// than its data (it was restarted over an empty store, or the URL now names another server),
// read forgets the token, says so, and calls again at minimize_latency.
func (c *client) read(cmd *cobra.Command, f *consistencyFlags, endpoint string, call func(*relv1.Consistency) error) error {
	if f.token != "" {
		return call(atLeastAsFresh(f.token))
	}
	switch f.mode {
	case "minimize_latency":
		return call(minimizeLatency)
	case "fully_consistent":
		return call(&relv1.Consistency{Requirement: &relv1.Consistency_FullyConsistent{FullyConsistent: true}})
	case "":
	default:
		return fmt.Errorf("--consistency must be minimize_latency or fully_consistent, not %q", f.mode)
	}
	remembered := c.tokens.token(cmd.ErrOrStderr(), endpoint)
	if remembered == "" {
		return call(minimizeLatency)
	}
	err := call(atLeastAsFresh(remembered))
	if connect.CodeOf(err) != connect.CodeFailedPrecondition {
		return err
	}
	if err := call(minimizeLatency); err != nil {
		return err
	}
	c.tokens.forget(cmd.ErrOrStderr(), endpoint)
	fmt.Fprintf(cmd.ErrOrStderr(), "ward: warning: %s refused the token of this ward's last write to it (%s), so it was forgotten and the read made at minimize_latency\n",
		endpoint, oneLine(err))
	return nil
}

// wrote remembers the token a write returned, for the reads that follow it through either
// endpoint (they are one server).
func (c *client) wrote(cmd *cobra.Command, token string) {
	c.tokens.remember(cmd.ErrOrStderr(), token, c.endpoint, c.adminEndpoint)
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

// parseFilter parses `[type][:id][#relation][@subject_type[:id][#relation]]`: every part is
// optional, so that `@user:alice` selects a subject's tuples and `#viewer` a relation's across
// types, but an ID needs its type and the filter must select something.
func parseFilter(s string) (*relv1.RelationshipFilter, error) {
	bad := func(why string) error {
		return fmt.Errorf("filter %q: %s; want [type][:id][#relation][@subject_type[:id][#relation]], such as document:readme, #viewer or @user:alice", s, why)
	}
	resource, subject, hasSubject := strings.Cut(s, "@")
	object, relation, hasRelation := strings.Cut(resource, "#")
	typ, id, hasID := strings.Cut(object, ":")
	switch {
	case s == "":
		return nil, bad("it is empty")
	case hasID && (typ == "" || id == ""):
		return nil, bad("a resource ID goes with its type, as type:id")
	case hasRelation && relation == "":
		return nil, bad("'#' is followed by no relation")
	}
	f := &relv1.RelationshipFilter{ResourceType: typ, ResourceId: id, Relation: relation}
	if hasSubject {
		sobj, srel, hasRel := strings.Cut(subject, "#")
		styp, sid, hasSID := strings.Cut(sobj, ":")
		switch {
		case styp == "":
			return nil, bad("'@' is followed by no subject type")
		case hasSID && sid == "":
			return nil, bad("':' is followed by no subject ID")
		case hasRel && srel == "":
			return nil, bad("the subject's '#' is followed by no relation")
		}
		f.SubjectFilter = &relv1.SubjectFilter{Type: styp, Id: sid}
		if hasRel {
			f.SubjectFilter.Relation = &srel
		}
	}
	return f, nil
}
