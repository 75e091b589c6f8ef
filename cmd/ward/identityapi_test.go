package main

import (
	"strings"
	"testing"
)

func TestNextPageToken(t *testing.T) {
	for _, tc := range []struct {
		name    string
		values  []string
		want    string
		wantErr string
	}{
		{"none", nil, "", ""},
		{"first only", []string{`</admin/identities?page_size=2>; rel="first"`}, "", ""},
		{"ward's two values", []string{`</admin/identities?page_size=2>; rel="first"`, `</admin/identities?page_size=2&page_token=abc>; rel="next"`}, "abc", ""},
		{"one value, comma-separated", []string{`</a?page_token=x>; rel="first",</a?page_size=2&page_token=y%2Bz>; rel="next"`}, "y+z", ""},
		{"unquoted rel, spaces", []string{` <http://h/a?page_token=t1> ;rel=next `}, "t1", ""},
		{"rel list", []string{`</a?page_token=t2>; rel="prev next"`}, "t2", ""},
		{"rel case", []string{`</a?page_token=t3>; REL="Next"`}, "t3", ""},
		{"other params first", []string{`</a?page_token=t4>; title="a, b; c"; rel="next"`}, "t4", ""},
		{"escaped quote in a param", []string{`</a?page_token=no>; title="x\"; rel=next"; rel="last", </a?page_token=t5>; rel=next`}, "t5", ""},
		{"garbage skipped", []string{`garbage, </a?page_token=t6>; rel=next`}, "t6", ""},
		{"next without a token", []string{`</a?page_size=2>; rel="next"`}, "", "has no page_token"},
		{"unterminated", []string{`</a?page_token=t7; rel=next`}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := nextPageToken(tc.values)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("nextPageToken(%q) = %q, %v; want an error containing %q", tc.values, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("nextPageToken(%q) = %q, %v; want %q", tc.values, got, err, tc.want)
			}
		})
	}
}

// FuzzParseLinks checks that any Link header parses without a panic, and that a next link
// appended to one without quotes or open targets is found.
func FuzzParseLinks(f *testing.F) {
	f.Add(`</admin/identities?page_size=2>; rel="first"`)
	f.Add(`</a?page_token=x>; rel="first",</a?page_token=y>; rel="next"`)
	f.Add(`<a>; title="a, \"b\"; c"; rel=next`)
	f.Fuzz(func(t *testing.T, v string) {
		links := parseLinks(v)
		for _, l := range links {
			if strings.ContainsRune(l.target, '>') {
				t.Fatalf("parseLinks(%q): target %q holds '>'", v, l.target)
			}
		}
		if strings.ContainsAny(v, `"\`) || strings.Count(v, "<") != strings.Count(v, ">") {
			return // the appended link could be inside a quoted string or a target
		}
		tok, err := nextPageToken([]string{`</x?page_token=fuzz>; rel=first, ` + v + `, </x?page_token=last>; rel=next`})
		if err == nil && tok == "" {
			t.Fatalf("the next link after %q was not found", v)
		}
	})
}

func TestAPIErrorText(t *testing.T) {
	for _, tc := range []struct {
		code int
		body string
		want string
	}{
		{404, `{"error":{"code":404,"status":"Not Found","reason":"Unable to locate the resource","message":"The requested resource could not be found"}}`,
			"404 Not Found: The requested resource could not be found: Unable to locate the resource"},
		{400, `{"error":{"id":"session_inactive","code":401,"status":"Unauthorized","message":"No active session"}}`,
			"401 Unauthorized: No active session (session_inactive)"},
		{409, `{"error":{"code":409,"status":"Conflict","reason":"same","message":"same"}}`, "409 Conflict: same"},
		{502, "<html>\n  Bad   gateway</html>", "502 Bad Gateway: <html> Bad gateway</html>"},
		{500, `{"error":{}}`, "500 Internal Server Error: {\"error\":{}}"},
	} {
		if got := decodeError(tc.code, []byte(tc.body)).Error(); got != tc.want {
			t.Errorf("decodeError(%d, %s) = %q; want %q", tc.code, tc.body, got, tc.want)
		}
	}
	if got := itemError([]byte(`{"code":409,"status":"Conflict","reason":"This identity conflicts with another identity that already exists.","message":"The resource could not be created due to a conflict"}`)).Error(); got != "409 Conflict: The resource could not be created due to a conflict: This identity conflicts with another identity that already exists." {
		t.Errorf("itemError = %q", got)
	}
}

func TestCheckID(t *testing.T) {
	for id, ok := range map[string]bool{
		"0d3f0b5e-53c7-4a3c-9a8e-2b1a0f0c9d11":          true,
		"--all":                                         false,
		"0d3f0b5e53c74a3c9a8e2b1a0f0c9d11":              false, // the server takes only the canonical form
		"urn:uuid:0d3f0b5e-53c7-4a3c-9a8e-2b1a0f0c9d11": false,
		"../sessions":                                   false,
	} {
		if err := checkID("identity ID", id); (err == nil) != ok {
			t.Errorf("checkID(%q) = %v; want ok %t", id, err, ok)
		}
	}
}
