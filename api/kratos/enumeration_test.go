package kratos_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/identity/password"
)

// raw is one answer of the public listener, read whole.
type raw struct {
	status int
	header http.Header
	body   []byte
}

// send sends method url with body (JSON unless contentType says otherwise) and header, without
// following redirects, and reads the answer.
func (e *env) send(method, url, contentType, body string, header http.Header) raw {
	e.t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != "" {
		req.Header.Set("Content-Type", cmpOr(contentType, "application/json"))
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return raw{status: res.StatusCode, header: res.Header, body: b}
}

var noRedirects = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// flowID reads the "id" of a flow's JSON.
func flowID(t testing.TB, body []byte) string {
	t.Helper()
	var f struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &f); err != nil || f.ID == "" {
		t.Fatalf("not a flow: %s", body)
	}
	return f.ID
}

// apiLogin starts an API login flow and submits identifier and password to it, with header.
func (e *env) apiLogin(identifier, pw string, header http.Header) raw {
	e.t.Helper()
	f := e.send("GET", e.publicURL+"/self-service/login/api", "", "", header)
	if f.status != http.StatusOK {
		e.t.Fatalf("start an API login: %d %s", f.status, f.body)
	}
	id := flowID(e.t, f.body)
	body, _ := json.Marshal(map[string]string{"method": "password", "identifier": identifier, "password": pw})
	res := e.send("POST", e.publicURL+"/self-service/login?flow="+id, "", string(body), header)
	res.body = normalise(res.body, map[string]string{id: "<flow-id>", identifier: "<identifier>"})
	return res
}

var timestamp = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"`)

// normalise removes from a flow's JSON what differs between two flows whatever their outcome: the
// values in replace (the flow's ID, which also appears in ui.action; the identifier the user
// typed, which the form keeps; a browser's CSRF token) become their placeholders, and every
// RFC 3339 timestamp (issued_at, expires_at, created_at, updated_at) becomes "<time>". Nothing
// else is touched: statuses, messages, nodes and their order must match byte for byte.
func normalise(body []byte, replace map[string]string) []byte {
	for from, to := range replace {
		if from != "" {
			body = bytes.ReplaceAll(body, []byte(from), []byte(to))
		}
	}
	return timestamp.ReplaceAll(body, []byte(`"<time>"`))
}

// TestLoginEnumerationAPI: an API login with an unknown identifier and one with a known
// identifier but a wrong password are answered with the same status and, after normalise, the
// same body byte for byte (Kratos's 4000006 on the form), and take the same time: over 30 samples
// of each, interleaved, their medians and first quartiles stay within 0.6–1.67× of each other.
// The hasher is bcrypt of cost 8, so that a verification (about ten milliseconds) dwarfs the rest
// of a request: without the dummy verification for unknown identifiers, an unknown one is
// refused several times faster.
func TestLoginEnumerationAPI(t *testing.T) {
	hasher, err := password.NewHasher(password.WithBcrypt(8))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, nil, envOptions{hasher: hasher})
	e.register(email, password1)

	known := e.apiLogin(email, password2, nil)
	unknown := e.apiLogin("nobody@example.com", password2, nil)
	if known.status != http.StatusBadRequest || unknown.status != known.status {
		t.Fatalf("statuses: known identifier %d, unknown %d; want 400 both", known.status, unknown.status)
	}
	if !bytes.Equal(known.body, unknown.body) {
		t.Fatalf("the answers differ after normalising:\nknown:   %s\nunknown: %s", known.body, unknown.body)
	}
	if !bytes.Contains(known.body, []byte(`"id":4000006`)) {
		t.Fatalf("the refusal is not Kratos's 4000006: %s", known.body)
	}

	const samples = 30
	var tk, tu []time.Duration
	for i := range 2 * samples {
		identifier := email
		if i%2 == 1 {
			identifier = "nobody" + string(rune('a'+i%26)) + "@example.com"
		}
		f := e.send("GET", e.publicURL+"/self-service/login/api", "", "", nil)
		id := flowID(t, f.body)
		body, _ := json.Marshal(map[string]string{"method": "password", "identifier": identifier, "password": password2})
		start := time.Now()
		res := e.send("POST", e.publicURL+"/self-service/login?flow="+id, "", string(body), nil)
		took := time.Since(start)
		if res.status != http.StatusBadRequest {
			t.Fatalf("sample %d: %d %s", i, res.status, res.body)
		}
		if i%2 == 1 {
			tu = append(tu, took)
		} else {
			tk = append(tk, took)
		}
	}
	compareTimes(t, "refusing a wrong password", tk, tu)
}

// compareTimes fails unless the medians and the first quartiles of known and unknown are within
// 0.6–1.67× of each other.
func compareTimes(t *testing.T, what string, known, unknown []time.Duration) {
	t.Helper()
	slices.Sort(known)
	slices.Sort(unknown)
	q := func(d []time.Duration, num, den int) time.Duration { return d[len(d)*num/den] }
	t.Logf("%s: known identifier median %s (first quartile %s), unknown median %s (first quartile %s)",
		what, q(known, 1, 2), q(known, 1, 4), q(unknown, 1, 2), q(unknown, 1, 4))
	for _, p := range []struct {
		name     string
		num, den int
	}{{"medians", 1, 2}, {"first quartiles", 1, 4}} {
		if ratio := float64(q(unknown, p.num, p.den)) / float64(q(known, p.num, p.den)); ratio < 0.6 || ratio > 1/0.6 {
			t.Errorf("%s: the %s of unknown and known identifiers differ %.2f× (%s and %s); want within 0.6–1.67×",
				what, p.name, ratio, q(unknown, p.num, p.den), q(known, p.num, p.den))
		}
	}
}

// browserSession is a browser that keeps its cookies by name, whatever their Secure and domain
// attributes (the listener is plain http on loopback, whatever URL the handler is told it has).
type browserSession struct {
	cookies map[string]string
	// startQuery is the query of the flow's start, such as "refresh=true"; "" for none.
	startQuery string
}

func (b *browserSession) header() http.Header {
	var parts []string
	for k, v := range b.cookies {
		parts = append(parts, k+"="+v)
	}
	slices.Sort(parts)
	h := http.Header{}
	if len(parts) > 0 {
		h.Set("Cookie", strings.Join(parts, "; "))
	}
	return h
}

func (b *browserSession) keep(res raw) {
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
}

// browserForm is a browser without JavaScript: it starts the flow kind at its /browser route,
// follows nothing, and posts the form url-encoded, as an HTML form does. It returns the flow's ID,
// its CSRF token and the submission's answer.
func (e *env) browserForm(b *browserSession, kind string, fields url.Values) (string, string, raw) {
	e.t.Helper()
	h := b.header()
	h.Set("Accept", "text/html")
	start := e.send("GET", e.publicURL+"/self-service/"+kind+"/browser?"+b.startQuery, "", "", h)
	b.keep(start)
	loc, err := url.Parse(start.header.Get("Location"))
	if start.status != http.StatusSeeOther || err != nil || loc.Query().Get("flow") == "" {
		e.t.Fatalf("start a browser %s flow: %d to %q", kind, start.status, start.header.Get("Location"))
	}
	id := loc.Query().Get("flow")
	// The UI reads the flow (as JSON, with the browser's cookies) for its CSRF token.
	h = b.header()
	h.Set("Accept", "application/json")
	f := e.send("GET", e.publicURL+"/self-service/"+kind+"/flows?id="+id, "", "", h)
	if f.status != http.StatusOK {
		e.t.Fatalf("the UI reads the %s flow: %d %s", kind, f.status, f.body)
	}
	csrf := csrfOf(e.t, f.body)
	fields = maps(fields)
	fields.Set("csrf_token", csrf)
	h = b.header()
	h.Set("Accept", "text/html")
	res := e.send("POST", e.publicURL+"/self-service/"+kind+"?flow="+id, "application/x-www-form-urlencoded", fields.Encode(), h)
	b.keep(res)
	return id, csrf, res
}

func maps(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// csrfOf returns the csrf_token node's value of a flow's JSON.
func csrfOf(t testing.TB, body []byte) string {
	t.Helper()
	var f struct {
		UI struct {
			Nodes []struct {
				Attributes struct {
					Name  string `json:"name"`
					Value any    `json:"value"`
				} `json:"attributes"`
			} `json:"nodes"`
		} `json:"ui"`
	}
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatalf("not a flow: %s", body)
	}
	for _, n := range f.UI.Nodes {
		if s, ok := n.Attributes.Value.(string); ok && n.Attributes.Name == "csrf_token" && s != "" {
			return s
		}
	}
	t.Fatalf("the flow has no CSRF token: %s", body)
	return ""
}

// TestLoginEnumerationBrowser: a browser posting the login form with an unknown identifier and
// one posting a known identifier with a wrong password are both sent back (303) to the login UI,
// and the flow the UI then renders is the same byte for byte after normalise (flow ID,
// timestamps, CSRF token, the identifier typed), with Kratos's 4000006.
func TestLoginEnumerationBrowser(t *testing.T) {
	e := newEnv(t, nil)
	e.register(email, password1)
	render := func(identifier string) (int, []byte) {
		b := &browserSession{cookies: map[string]string{}}
		id, csrf, res := e.browserForm(b, "login", url.Values{"method": {"password"}, "identifier": {identifier}, "password": {password2}})
		if res.status != http.StatusSeeOther || !strings.Contains(res.header.Get("Location"), "flow="+id) {
			t.Fatalf("a refused browser login: %d to %q, want 303 to the login UI", res.status, res.header.Get("Location"))
		}
		h := b.header()
		h.Set("Accept", "application/json")
		f := e.send("GET", e.publicURL+"/self-service/login/flows?id="+id, "", "", h)
		return f.status, normalise(f.body, map[string]string{id: "<flow-id>", csrf: "<csrf>", identifier: "<identifier>"})
	}
	sk, known := render(email)
	su, unknown := render("nobody@example.com")
	if sk != http.StatusOK || su != sk {
		t.Fatalf("the UI's reads: %d and %d", sk, su)
	}
	if !bytes.Equal(known, unknown) {
		t.Fatalf("the rendered flows differ after normalising:\nknown:   %s\nunknown: %s", known, unknown)
	}
	if !bytes.Contains(known, []byte(`"id":4000006`)) {
		t.Fatalf("the rendered flow does not carry 4000006: %s", known)
	}
}

// TestRegistrationTakenIdentifier documents what a registration tells of an identifier that is
// taken, which is what Kratos tells: 400 with the flow and, on the form, message 4000007 "An
// account with the same identifier (email, phone, username, ...) exists already." — the contract
// front ends rely on, kept as it is. It tells nothing more: not whose account, not its ID, not
// whether it has a password; and apart from that message the refusal is the same as the refusal
// of another invalid registration (a password the policy refuses) would be in shape.
func TestRegistrationTakenIdentifier(t *testing.T) {
	e := newEnv(t, nil)
	id := e.register(email, password1)
	submit := func(addr, pw string) raw {
		f := e.send("GET", e.publicURL+"/self-service/registration/api", "", "", nil)
		fid := flowID(t, f.body)
		body, _ := json.Marshal(map[string]any{"method": "password", "password": pw, "traits": map[string]string{"email": addr}})
		res := e.send("POST", e.publicURL+"/self-service/registration?flow="+fid, "", string(body), nil)
		res.body = normalise(res.body, map[string]string{fid: "<flow-id>", addr: "<email>"})
		return res
	}
	taken := submit(email, password2)
	if taken.status != http.StatusBadRequest {
		t.Fatalf("registering a taken email: %d %s, want 400", taken.status, taken.body)
	}
	var f struct {
		UI struct {
			Messages []struct {
				ID   int    `json:"id"`
				Text string `json:"text"`
			} `json:"messages"`
		} `json:"ui"`
	}
	if err := json.Unmarshal(taken.body, &f); err != nil || len(f.UI.Messages) != 1 || f.UI.Messages[0].ID != 4000007 ||
		f.UI.Messages[0].Text != "An account with the same identifier (email, phone, username, ...) exists already." {
		t.Fatalf("registering a taken email: messages %+v, want Kratos's 4000007 alone (%s)", f.UI.Messages, taken.body)
	}
	for _, leak := range []string{id, password2, "hashed_password", "$2a$", "identity_id"} {
		if bytes.Contains(taken.body, []byte(leak)) {
			t.Errorf("the refusal of a taken email holds %q: %s", leak, taken.body)
		}
	}
	if n := e.identityCount(); n != 1 {
		t.Errorf("%d identities after registering a taken email, want 1", n)
	}
	// A free email registers.
	if free := submit("grace@example.com", password2); free.status != http.StatusOK {
		t.Errorf("registering a free email: %d %s", free.status, free.body)
	}
}
