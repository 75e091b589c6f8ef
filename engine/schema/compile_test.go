package schema_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wardhq/ward/engine/schema"
)

func TestLookup(t *testing.T) {
	s, err := schema.Compile(`
definition user {}
definition document {
  relation viewer: user
  permission view = viewer
}`)
	if err != nil {
		t.Fatal(err)
	}
	doc, ok := s.Definition("document")
	if !ok || doc.Name != "document" || doc.Pos != (schema.Position{Line: 3, Column: 1}) {
		t.Fatalf("Definition(document) = %+v, %v", doc, ok)
	}
	if _, ok := s.Definition("folder"); ok {
		t.Error("Definition(folder) found a definition")
	}
	for name, want := range map[string]bool{"viewer": true, "view": true, "user": false, "": false} {
		if got := doc.HasRelationOrPermission(name); got != want {
			t.Errorf("HasRelationOrPermission(%q) = %v, want %v", name, got, want)
		}
	}
	if got, want := doc.Order, []string{"viewer", "view"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Order = %v, want %v", got, want)
	}
	want := schema.AllowedSubject{Type: "user", Pos: schema.Position{Line: 4, Column: 20}}
	if got := doc.Relations["viewer"].Allowed; len(got) != 1 || got[0] != want {
		t.Errorf("Allowed = %+v, want [%+v]", got, want)
	}
}

func TestEmptySchema(t *testing.T) {
	for _, src := range []string{"", " \n\t", "// nothing\n/* at all */"} {
		s, err := schema.Compile(src)
		if err != nil {
			t.Fatalf("Compile(%q): %v", src, err)
		}
		if len(s.Definitions) != 0 || len(s.Order) != 0 || s.String() != "" {
			t.Errorf("Compile(%q) = %+v, want an empty schema", src, s)
		}
	}
}

func TestErrorList(t *testing.T) {
	_, err := schema.Compile("definition user {}\ndefinition doc {\n  relation a: usr\n  relation b: user#x\n}")
	const want = `line 3, column 15: unknown type "usr" in the type list of relation doc#a; ` +
		`line 4, column 15: unknown relation or permission "x" of type user in the type list of relation doc#b`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	var e *schema.Error
	if list := err.(schema.ErrorList); len(list) != 2 {
		t.Fatalf("got %d errors, want 2", len(list))
	} else {
		e = list[1]
	}
	if e.Pos != (schema.Position{Line: 4, Column: 15}) || !strings.HasPrefix(e.Msg, "unknown relation") {
		t.Errorf("second error = %+v", e)
	}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name, src string
		want      string
	}{
		{
			"too large",
			strings.Repeat("\n", 1<<20+1),
			"line 1, column 1: schema is too large: 1048577 bytes, at most 1048576 (1 MiB) are allowed",
		},
		{
			"too deep",
			"definition d {\n  relation r: d\n  permission p = " + strings.Repeat("(", 100) + "r" + strings.Repeat(")", 100) + "\n}",
			"line 3, column 82: expression is nested too deeply: at most 64 levels of parentheses are allowed",
		},
		{
			"too many errors",
			strings.Repeat("$", 30),
			"line 1, column 20: unexpected character '$'; line 1, column 21: too many errors",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schema.Compile(tt.src)
			var list schema.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %v (%T), want an ErrorList", err, err)
			}
			if !strings.HasSuffix(list.Error(), tt.want) {
				t.Errorf("got %s\nwant it to end with %s", list, tt.want)
			}
		})
	}
}
