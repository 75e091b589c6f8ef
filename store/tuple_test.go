package store_test

import (
	"strings"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

func TestParseTuple(t *testing.T) {
	for _, tc := range []struct {
		in    string
		field string // "" when valid
	}{
		{"document:readme#viewer@user:alice", ""},
		{"document:readme#viewer@user:*", ""},
		{"document:readme#viewer@group:eng#member", ""},
		{"document:a/b|c-d=e+f.g:h_i#viewer@user:x", ""},
		{"document:readme#viewer", "tuple"},
		{"document:readme@user:alice", "tuple"},
		{"documentreadme#viewer@user:alice", "resource"},
		{"Document:readme#viewer@user:alice", "resource.type"},
		{"document:#viewer@user:alice", "resource.id"},
		{"document:read me#viewer@user:alice", "resource.id"},
		{"document:r\xffe#viewer@user:alice", "resource.id"},
		{"document:*#viewer@user:alice", "resource.id"},
		{"document:readme#@user:alice", "relation"},
		{"document:readme#view-er@user:alice", "relation"},
		{"document:readme#viewer@user", "subject"},
		{"document:readme#viewer@user:", "subject.id"},
		{"document:readme#viewer@user:a#", "subject.relation"},
		{"document:readme#viewer@user:*#member", "subject.relation"},
		{"document:readme#viewer@user:" + strings.Repeat("a", store.MaxIDLength+1), "subject.id"},
		{"document:readme#viewer@" + strings.Repeat("u", store.MaxTypeLength+1) + ":a", "subject.type"},
	} {
		got, err := store.ParseTuple(tc.in)
		if tc.field == "" {
			if err != nil {
				t.Errorf("ParseTuple(%q): %v", tc.in, err)
			} else if got.String() != tc.in {
				t.Errorf("ParseTuple(%q).String() = %q", tc.in, got.String())
			}
			continue
		}
		fe, ok := err.(*fault.Error)
		if !ok || fe.Code != fault.InvalidArgument || fe.Field != tc.field {
			t.Errorf("ParseTuple(%q) = %v; want InvalidArgument in field %q", truncate(tc.in), err, tc.field)
		}
	}
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func TestRevisionEncoding(t *testing.T) {
	for _, r := range []store.Revision{{}, {Major: 1}, {Major: 1 << 62, Minor: 7}, {Major: 12345, Minor: 1<<32 - 1}} {
		b, _ := r.AppendBinary(nil)
		got, rest, err := store.DecodeRevision(b)
		if err != nil || got != r || len(rest) != 0 {
			t.Errorf("round trip of %v = %v, %q, %v", r, got, rest, err)
		}
	}
	if !(store.Revision{Major: 1, Minor: 9}).Less(store.Revision{Major: 2}) || (store.Revision{Major: 2}).Less(store.Revision{Major: 1, Minor: 9}) {
		t.Error("Revision.Less does not order by Major first")
	}
}

// FuzzParseTuple checks that the parser never panics, that what it accepts is valid, and that
// accepted tuples print back to the same text.
func FuzzParseTuple(f *testing.F) {
	f.Add("document:readme#viewer@user:alice")
	f.Fuzz(func(t *testing.T, s string) {
		tu, err := store.ParseTuple(s)
		if err != nil {
			if _, ok := err.(*fault.Error); !ok {
				t.Fatalf("ParseTuple(%q) returned a %T, not a *fault.Error", s, err)
			}
			return
		}
		if err := tu.Validate(); err != nil {
			t.Fatalf("ParseTuple(%q) accepted a tuple that does not validate: %v", s, err)
		}
		if tu.String() != s {
			t.Fatalf("ParseTuple(%q).String() = %q", s, tu.String())
		}
	})
}
