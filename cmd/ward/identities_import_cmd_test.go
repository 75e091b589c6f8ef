package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// hashVector is a password and its hash made by another system, from identity/password's
// known answers.
type hashVector struct{ password, hash string }

// hashVectors returns the first of Kratos's known answers in each of formats.
func hashVectors(t *testing.T, formats ...string) []hashVector {
	t.Helper()
	f, err := os.Open("../../identity/password/testdata/knownanswers-kratos.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	found := map[string]hashVector{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 3 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		for _, p := range formats {
			if _, ok := found[p]; !ok && strings.HasPrefix(fields[2], p) {
				found[p] = hashVector{fields[1], fields[2]}
			}
		}
	}
	var out []hashVector
	for _, p := range formats {
		v, ok := found[p]
		if !ok {
			t.Fatalf("no known answer of format %s", p)
		}
		out = append(out, v)
	}
	return out
}

// importResult is a line `ward identities import` prints.
type importResult struct {
	Index    int             `json:"index"`
	Identity string          `json:"identity"`
	Error    json.RawMessage `json:"error"`
}

// TestIdentitiesImport imports, in batches of 4, a JSON-lines file of identities whose
// passwords are hashes of other systems (bcrypt, argon2id, PBKDF2, scrypt, Firebase scrypt,
// LDAP SSHA, salted SHA-1, MD5, md5-crypt, sha256-crypt, HMAC), one in plaintext, two that the
// server refuses (an invalid email, a hash format ward refuses) and two that the CLI does (no
// createIdentityBody). The others are created and log in with
// their passwords; the failures are named by their index, and the command exits non-zero.
func TestIdentitiesImport(t *testing.T) {
	// Each identity also tries a wrong password: more failures than the default burst.
	public, admin := startIdentityServer(t, func(cfg *serveConfig) { cfg.Identity.LoginBurst = 1000 })
	vectors := hashVectors(t, "$2a$12$", "$argon2id$", "$pbkdf2-sha256$", "$scrypt$", "$firescrypt$", "{SSHA}",
		"$sha1$", "$md5$", "$md5-crypt$", "$sha256-crypt$", "$hmac-sha256$")
	type item struct {
		email, password, line string
		fails                 string // part of the error, for an item that must fail
	}
	// The first and last items are no createIdentityBody: the server would refuse the whole
	// batch, so the CLI sends neither.
	items := []item{{line: `{"traits":{"email":"typo@example.com"},"credential":{}}`, fails: `not a createIdentityBody: json: unknown field "credential"`}}
	hashed := func(email, hash string) string {
		return fmt.Sprintf(`{"schema_id":"default","traits":{"email":%q},"credentials":{"password":{"config":{"hashed_password":%q}}}}`, email, hash)
	}
	for i, v := range vectors {
		email := fmt.Sprintf("user%d@example.com", i)
		items = append(items, item{email: email, password: v.password, line: hashed(email, v.hash)})
		if i == 2 {
			items = append(items, item{line: `{"traits":{"email":"not an email"}}`, fails: `400 Bad Request: The request was malformed or contained invalid parameters: #/traits/email: "not an email" is not valid "email"`})
		}
	}
	items = append(items,
		item{email: "plain@example.com", password: "a plaintext password of an import",
			line: `{"traits":{"email":"plain@example.com"},"credentials":{"password":{"config":{"password":"a plaintext password of an import"}}},"state":"active"}`},
		item{line: hashed("argon2d@example.com", "$argon2d$v=19$m=64,t=1,p=1$c29tZXNhbHQ$Zm9vYmFyYmF6cXV4cXV1eA"), fails: "argon2d"},
		item{line: `{"traits":{"email":"five@example.com"},"state":5}`, fails: "not a createIdentityBody: json: cannot unmarshal number"},
	)
	var file strings.Builder
	for _, it := range items {
		file.WriteString(it.line + "\n")
	}
	name := filepath.Join(t.TempDir(), "identities.jsonl")
	if err := os.WriteFile(name, []byte(file.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	stdout, stderr, err := wardStreams(t, public, admin, "", "identities", "import", "--batch", "4", name)
	if want := fmt.Sprintf("4 of %d identities failed to import", len(items)); err == nil || oneLine(err) != want {
		t.Errorf("import: error %v, want %q", err, want)
	}
	var results []importResult
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r importResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("import printed %q, not a JSON line: %v", line, err)
		}
		results = append(results, r)
	}
	if len(results) != len(items) {
		t.Fatalf("import printed %d lines for %d identities:\n%s", len(results), len(items), stdout)
	}
	for k, it := range items {
		r := results[k]
		if r.Index != k {
			t.Errorf("line %d has index %d", k, r.Index)
		}
		if it.fails != "" {
			if r.Identity != "" || len(r.Error) == 0 {
				t.Errorf("item %d: %+v, want an error", k, r)
			}
			if want := fmt.Sprintf("item %d: ", k); !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `.*` + regexp.QuoteMeta(it.fails)).MatchString(stderr) {
				t.Errorf("stderr does not name item %d's failure (%q):\n%s", k, it.fails, stderr)
			}
			continue
		}
		if r.Identity == "" || len(r.Error) != 0 {
			t.Errorf("item %d (%s): %+v, want an identity", k, it.email, r)
			continue
		}
		s := login(t, public, it.email, it.password)
		if s.Session.Identity == nil || s.Session.Identity.Id != r.Identity {
			t.Errorf("item %d: the login's identity is not the one imported", k)
		}
		if _, err := tryLogin(public, it.email, it.password+"x"); err == nil {
			t.Errorf("item %d (%s): a wrong password logs in", k, it.email)
		}
	}
	if want := fmt.Sprintf("imported %d of %d identities; 4 failed", len(items)-4, len(items)); !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}

	// A file that is not JSON is refused whole: nothing of it is created.
	broken := `[{"traits":{"email":"first@example.com"}},` + "\n" + `{"traits":}]`
	if _, err := ward(t, public, admin, broken, "identities", "import", "-"); err == nil || !strings.Contains(oneLine(err), "-: line 2: invalid character") {
		t.Errorf("import of a broken file: %v, want an error naming line 2", err)
	}
	if l := wardJSON[[]identityJSON](t, public, admin, "", "identities", "list", "--credentials-identifier", "first@example.com"); len(l) != 0 {
		t.Errorf("the broken file's first identity was created: %+v", l)
	}
}

// TestIdentitiesListPages imports identities as a JSON array from standard input, then lists
// them a page at a time, following the token the hint on stderr names, and with --all.
func TestIdentitiesListPages(t *testing.T) {
	public, admin := startIdentityServer(t, func(*serveConfig) {})
	const n = 8
	var file []string
	for i := range n {
		file = append(file, fmt.Sprintf(`{"traits":{"email":"p%d@example.com"}}`, i))
	}
	if _, stderr, err := wardStreams(t, public, admin, "[\n"+strings.Join(file, ",\n")+"\n]\n", "identities", "import", "-"); err != nil {
		t.Fatalf("import: %v (%s)", oneLine(err), stderr)
	}

	hint := regexp.MustCompile(`--page-token (\S+)`)
	var paged []string
	token := ""
	for pages := 1; ; pages++ {
		args := []string{"identities", "list", "--page-size", "3"}
		if token != "" {
			args = append(args, "--page-token", token)
		}
		stdout, stderr, err := wardStreams(t, public, admin, "", args...)
		if err != nil {
			t.Fatal(oneLine(err))
		}
		var page []identityJSON
		if err := json.Unmarshal([]byte(stdout), &page); err != nil {
			t.Fatal(err)
		}
		for _, id := range page {
			paged = append(paged, id.ID)
		}
		m := hint.FindStringSubmatch(stderr)
		if m == nil {
			if pages != 3 || len(page) != 2 {
				t.Errorf("the last page is page %d with %d identities; want page 3 with 2", pages, len(page))
			}
			break
		}
		if len(page) != 3 || pages >= 3 {
			t.Fatalf("page %d has %d identities and a next page (%s)", pages, len(page), stderr)
		}
		token = m[1]
	}

	stdout, stderr, err := wardStreams(t, public, admin, "", "identities", "list", "--all", "--page-size", "3")
	if err != nil {
		t.Fatal(oneLine(err))
	}
	var all []identityJSON
	if err := json.Unmarshal([]byte(stdout), &all); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, id := range all {
		ids = append(ids, id.ID)
	}
	if len(ids) != n || !slices.Equal(ids, paged) {
		t.Errorf("list --all = %v; want the %d identities of the pages, %v", ids, n, paged)
	}
	if distinct := slices.Compact(slices.Sorted(slices.Values(ids))); len(distinct) != n {
		t.Errorf("list --all repeats identities: %v", ids)
	}
	if stderr != "" {
		t.Errorf("list --all printed a hint: %q", stderr)
	}
}

// TestIdentitiesImportBodyLimit imports into a server that reads at most 8 KiB of a request: a
// batch larger than that is refused whole (413) and sent again in halves, until an item that
// alone is too large stops the import, naming it.
func TestIdentitiesImportBodyLimit(t *testing.T) {
	public, admin := startIdentityServer(t, func(cfg *serveConfig) { cfg.MaxRequestBytes = 8 << 10 })
	pad := strings.Repeat("x", 900)
	var lines []string
	for i := range 20 {
		lines = append(lines, fmt.Sprintf(`{"traits":{"email":"big%d@example.com"},"metadata_admin":{"pad":%q}}`, i, pad))
	}
	lines = append(lines, fmt.Sprintf(`{"traits":{"email":"huge@example.com"},"metadata_admin":{"pad":%q}}`, strings.Repeat(pad, 15)),
		`{"traits":{"email":"after@example.com"}}`)
	stdout, stderr, err := wardStreams(t, public, admin, strings.Join(lines, "\n"), "identities", "import", "--batch", "20", "-")
	if want := "item 20 was refused (nothing from it on was imported): 413 Request Entity Too Large"; err == nil || !strings.HasPrefix(oneLine(err), want) {
		t.Errorf("import: error %v, want one starting %q", err, want)
	}
	if n := strings.Count(stdout, `"identity":`); n != 20 {
		t.Errorf("import printed %d identities, want 20:\n%s", n, stdout)
	}
	if !strings.Contains(stderr, "imported 20 of 22 identities") {
		t.Errorf("stderr: %s", stderr)
	}
	if l := wardJSON[[]identityJSON](t, public, admin, "", "identities", "list", "--all"); len(l) != 20 {
		t.Errorf("the server holds %d identities, want 20", len(l))
	}
}
