package main

import (
	"strings"
	"testing"
)

// TestTuplesDeleteValidatedAndCounted runs `ward tuples delete` against a real `ward serve` on
// loopback: a mistyped revocation is refused, naming what the schema does not know, and deletes
// nothing, even when the batch also holds a valid delete; a valid one says on stderr how many
// tuples it removed, and keeps stdout for the token.
func TestTuplesDeleteValidatedAndCounted(t *testing.T) {
	public, admin, _ := startServer(t)
	if _, err := ward(t, public, admin, "", "schema", "write", "../../examples/schema.zed"); err != nil {
		t.Fatal(oneLine(err))
	}
	if _, err := ward(t, public, admin, "", "tuples", "write", "../../examples/tuples.txt"); err != nil {
		t.Fatal(oneLine(err))
	}
	all := func() string {
		t.Helper()
		out, err := ward(t, public, admin, "", "tuples", "read", "--consistency", "fully_consistent")
		if err != nil {
			t.Fatal(oneLine(err))
		}
		return out
	}
	before := all()
	const ban = "document:readme#banned@user:bob\n"
	for _, tc := range []struct{ stdin, want string }{
		{"documnet:readme#banned@user:bob\n", `invalid_argument: -:1: updates[0].relationship.resource.type: the schema has no type "documnet"`},
		{ban + "document:readme#baned@user:bob\n", `invalid_argument: -:2: updates[1].relationship.relation: type "document" has no relation "baned"`},
		{ban + "document:readme#banned@usr:bob\n", `invalid_argument: -:2: updates[1].relationship.subject.type: the schema has no type "usr"`},
		{ban + "document:readme#view@user:bob\n", "invalid_argument: -:2: updates[1].relationship.relation: document#view is a permission"},
		{ban + "document:readme#viewer@group:engineering\n", "invalid_argument: -:2: updates[1].relationship.subject: relation document#viewer does not allow subject group:engineering"},
	} {
		out, _, err := wardStreams(t, public, admin, tc.stdin, "tuples", "delete", "-")
		if err == nil || !strings.Contains(oneLine(err), tc.want) {
			t.Errorf("ward tuples delete of %q: %q, %v; want an error containing %q", tc.stdin, out, err, tc.want)
		}
		if after := all(); after != before {
			t.Fatalf("a refused delete of %q changed the stored tuples:\nbefore:\n%safter:\n%s", tc.stdin, before, after)
		}
	}

	for _, tc := range []struct{ stdin, want string }{
		{ban + "document:readme#banned@user:nobody\n", "deleted 1 tuple; 1 tuple of those given was not stored\n"},
		{ban, "deleted nothing: the tuple given was not stored\n"},
		{ban + "document:readme#owner@user:nobody\n", "deleted nothing: none of the 2 tuples given was stored\n"},
		{"group:engineering#member@user:alice\ngroup:engineering#member@user:bob\n", "deleted 2 tuples\n"},
	} {
		out, errOut, err := wardStreams(t, public, admin, tc.stdin, "tuples", "delete", "-")
		if err != nil {
			t.Fatalf("ward tuples delete of %q: %v", tc.stdin, oneLine(err))
		}
		if errOut != tc.want {
			t.Errorf("ward tuples delete of %q said %q on stderr; want %q", tc.stdin, errOut, tc.want)
		}
		if tok := strings.TrimSpace(out); tok == "" || strings.Contains(tok, "\n") || strings.Contains(tok, " ") {
			t.Errorf("ward tuples delete printed %q on stdout; want the token alone", out)
		}
	}
	if got := all(); strings.Contains(got, "banned@user:bob") || strings.Contains(got, "group:engineering#member@user:") {
		t.Errorf("deleted tuples are still stored:\n%s", got)
	}
}
