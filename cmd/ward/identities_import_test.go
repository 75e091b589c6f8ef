package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseImport(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       int    // items, when no error
		wantErr    string // part of the error
	}{
		{"array", `[{"traits":{}}, {"traits":{"a":1}}]`, 2, ""},
		{"array over lines", "[\n  {\"traits\":{}},\n  {\"traits\":{}}\n]\n", 2, ""},
		{"json lines", "{\"traits\":{}}\n{\"traits\":{}}\n\n{\"traits\":{}}\n", 3, ""},
		{"objects over several lines", "{\n\"traits\":{}\n}\n{\"traits\":{}}", 2, ""},
		{"byte order mark", "\ufeff[{\"traits\":{}}]", 1, ""},
		{"empty", "", 0, "no identities"},
		{"empty array", " [ ] ", 0, "no identities"},
		{"not an object in an array", "[{\"traits\":{}},\n 7]", 0, "line 2: item 1 is not a JSON object"},
		{"not an object in lines", "{\"traits\":{}}\n\"x\"\n", 0, "line 2: item 1 is not a JSON object"},
		{"array of arrays", "[[{}]]", 0, "item 0 is not a JSON object"},
		{"syntax error", "{\"traits\":{}}\n{\"traits\":}\n", 0, "line 2: invalid character '}'"},
		{"truncated array", "[{\"traits\":{}},", 0, "ends inside a JSON value"},
		{"truncated object", "{\"traits\":", 0, "ends inside a JSON value"},
		{"after the array", "[{\"traits\":{}}]\n{}", 0, "line 2: more after the array's end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, err := parseImport([]byte(tc.file))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseImport = %d items, %v; want an error containing %q", len(items), err, tc.wantErr)
				}
				return
			}
			if err != nil || len(items) != tc.want {
				t.Fatalf("parseImport = %d items, %v; want %d", len(items), err, tc.want)
			}
			for i, it := range items {
				if !json.Valid(it) || it[0] != '{' {
					t.Errorf("item %d = %s, not an object", i, it)
				}
			}
		})
	}
}

// FuzzParseImport checks that any file parses without a panic into JSON objects or an error,
// and that a JSON array of those objects parses back to the same items.
func FuzzParseImport(f *testing.F) {
	f.Add([]byte(`[{"traits":{"email":"a@example.com"}}]`))
	f.Add([]byte("{\"traits\":{}}\n{\"credentials\":{\"password\":{\"config\":{\"hashed_password\":\"$2a$10$x\"}}}}\n"))
	f.Add([]byte("[1, {}]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := parseImport(b)
		if err != nil {
			return
		}
		for i, it := range items {
			if !json.Valid(it) || it[0] != '{' {
				t.Fatalf("item %d = %q, not an object", i, it)
			}
		}
		again, err := json.Marshal(items)
		if err != nil {
			t.Fatal(err)
		}
		back, err := parseImport(again)
		if err != nil || len(back) != len(items) {
			t.Fatalf("the items as an array parse to %d items, %v; want %d", len(back), err, len(items))
		}
	})
}

func TestBatchEnd(t *testing.T) {
	small := json.RawMessage(`{"traits":{}}`)
	big := json.RawMessage(`{"traits":{"x":"` + strings.Repeat("a", maxBatchBytes/3) + `"}}`)
	huge := json.RawMessage(`{"traits":{"x":"` + strings.Repeat("a", maxBatchBytes) + `"}}`)
	for _, tc := range []struct {
		name     string
		items    []json.RawMessage
		lo, size int
		wantHi   int
	}{
		{"by count", []json.RawMessage{small, small, small, small, small}, 0, 2, 2},
		{"the rest", []json.RawMessage{small, small, small, small, small}, 4, 2, 5},
		{"by size", []json.RawMessage{big, big, big, big}, 0, 1000, 2},
		{"one too large alone", []json.RawMessage{huge, small}, 0, 1000, 1},
	} {
		if hi := batchEnd(tc.items, tc.lo, tc.size); hi != tc.wantHi {
			t.Errorf("%s: batchEnd = %d; want %d", tc.name, hi, tc.wantHi)
		}
	}
}
