package main

import (
	"strings"
	"testing"
)

// TestTuplesFilters runs the CLI's filters against a real `ward serve`: tuples read by subject
// and by relation across types, tuples delete --filter (counted, asked about unless --yes, and
// refused when not confirmed), and lookup subjects of subject sets. Each read follows the write
// before it in the next command.
func TestTuplesFilters(t *testing.T) {
	public, admin := startStaleServer(t)
	w := func(stdin string, args ...string) string {
		t.Helper()
		return mustWard(t, public, admin, stdin, args...)
	}
	w("", "schema", "write", "../../examples/schema.zed")
	w("", "tuples", "write", "../../examples/tuples.txt")

	for _, tc := range []struct{ filter, want string }{
		{"@user:alice", "group:engineering#member@user:alice\n"},
		{"@group:engineering#member", "document:roadmap#editor@group:engineering#member\ngroup:staff#member@group:engineering#member\n"},
		{"@group", "document:roadmap#editor@group:engineering#member\nfolder:handbook#viewer@group:staff#member\ngroup:staff#member@group:engineering#member\n"},
		{"#viewer", "document:roadmap#viewer@user:*\nfolder:handbook#viewer@group:staff#member\n"},
		{"#member@user:carol", "group:staff#member@user:carol\n"},
		{"document#banned", "document:readme#banned@user:bob\n"},
	} {
		if got := w("", "tuples", "read", tc.filter); got != tc.want {
			t.Errorf("tuples read %s = %q, want %q", tc.filter, got, tc.want)
		}
	}
	for _, tc := range []struct{ filter, want string }{
		{"#viewr", `no type of the schema has a relation "viewr"`},
		{":readme", "a resource ID goes with its type"},
		{"document#", "'#' is followed by no relation"},
		{"@", "'@' is followed by no subject type"},
		{"@user:", "':' is followed by no subject ID"},
	} {
		if out, err := ward(t, public, admin, "", "tuples", "read", tc.filter); err == nil || !strings.Contains(oneLine(err), tc.want) {
			t.Errorf("tuples read %q: %q, %v; want an error containing %q", tc.filter, out, err, tc.want)
		}
	}

	if got := w("", "lookup", "subjects", "document:readme#view", "group#member"); got != "engineering\nstaff\n" {
		t.Errorf("lookup subjects document:readme#view group#member = %q, want engineering and staff", got)
	}
	if got := w("", "lookup", "subjects", "document:roadmap#edit", "group#member"); got != "engineering\n" {
		t.Errorf("lookup subjects document:roadmap#edit group#member = %q, want engineering", got)
	}
	for _, arg := range []string{"group#membr", "group#", "#member"} {
		if out, err := ward(t, public, admin, "", "lookup", "subjects", "document:readme#view", arg); err == nil {
			t.Errorf("lookup subjects with %q: %q; want an error", arg, out)
		}
	}

	// Delete by filter: counted and asked about first.
	out, errOut, err := wardStreams(t, public, admin, "n\n", "tuples", "delete", "--filter", "group:engineering#member")
	if err == nil || !strings.Contains(oneLine(err), "not confirmed: nothing was deleted") ||
		!strings.Contains(errOut, "delete 2 tuples that match group:engineering#member? [y/N]") || out != "" {
		t.Errorf("delete --filter answered no: %q, %q, %v; want the count asked about and a refusal", out, errOut, err)
	}
	if got := w("", "tuples", "read", "group:engineering"); strings.Count(got, "\n") != 2 {
		t.Errorf("after a delete not confirmed, group:engineering holds %q", got)
	}
	out, errOut, err = wardStreams(t, public, admin, "y\n", "tuples", "delete", "--filter", "group:engineering#member")
	if err != nil || !strings.HasSuffix(errOut, "[y/N] deleted 2 tuples\n") || strings.TrimSpace(out) == "" {
		t.Errorf("delete --filter confirmed: %q, %q, %v; want 2 deleted and the token", out, errOut, err)
	}
	if got := w("", "tuples", "read", "group:engineering"); got != "" {
		t.Errorf("after the delete, group:engineering holds %q", got)
	}
	if got := w("", "check", "document:roadmap#edit@user:alice"); got != "denied\n" {
		t.Errorf("check after the delete = %q, want denied", got)
	}
	_, errOut, err = wardStreams(t, public, admin, "", "tuples", "delete", "--filter", "document:roadmap", "--yes")
	if err != nil || errOut != "deleted 2 tuples\n" {
		t.Errorf("delete --filter --yes: %q, %v; want 2 deleted without asking", errOut, err)
	}
	_, errOut, err = wardStreams(t, public, admin, "", "tuples", "delete", "--filter", "document:nothing")
	if err != nil || errOut != "deleted nothing: no tuple matches document:nothing\n" {
		t.Errorf("delete --filter of nothing: %q, %v", errOut, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--filter", "@user:alice", "--yes"}, "a delete must name a resource type"},
		{[]string{"--filter", "document", "file.txt"}, "unknown command \"file.txt\""},
		{[]string{"--filter", "documnt", "--yes"}, `the schema has no type "documnt"`},
	} {
		if out, err := ward(t, public, admin, "", append([]string{"tuples", "delete"}, tc.args...)...); err == nil || !strings.Contains(oneLine(err), tc.want) {
			t.Errorf("tuples delete %s: %q, %v; want an error containing %q", strings.Join(tc.args, " "), out, err, tc.want)
		}
	}
	if _, stderr, code := wardProcess(t, nil, "--endpoint", public, "--admin-endpoint", admin, "tuples", "delete", "--filter", "group"); code != 1 ||
		!strings.Contains(stderr, "not confirmed") {
		t.Errorf("delete --filter with nothing on stdin: exit %d, %q; want exit 1, not confirmed", code, stderr)
	}
}

// FuzzParseFilter checks that parseFilter never panics, and that a filter it accepts selects
// something and, written back in the filter syntax, parses to the same filter.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"document", "document:readme#viewer@user:alice", "@user:alice", "#viewer",
		"#member@group:eng#member", "@group#member", ":x", "document#", "@", "a:b:c#d#e@f:g#h#i", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseFilter(s)
		if err != nil {
			return
		}
		sf := got.GetSubjectFilter()
		if got.GetResourceType() == "" && got.GetRelation() == "" && sf == nil {
			t.Fatalf("parseFilter(%q) selects everything", s)
		}
		text := got.GetResourceType()
		if got.GetResourceId() != "" {
			text += ":" + got.GetResourceId()
		}
		if got.GetRelation() != "" {
			text += "#" + got.GetRelation()
		}
		if sf != nil {
			text += "@" + sf.GetType()
			if sf.GetId() != "" {
				text += ":" + sf.GetId()
			}
			if sf.Relation != nil {
				text += "#" + sf.GetRelation()
			}
		}
		again, err := parseFilter(text)
		if err != nil || again.String() != got.String() {
			t.Fatalf("parseFilter(%q) = %v, written back as %q, which parses to %v, %v", s, got, text, again, err)
		}
	})
}
