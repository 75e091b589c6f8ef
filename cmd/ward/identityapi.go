package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
)

// The identity commands speak Ory Kratos's admin HTTP API with a small net/http client rather
// than Ory's client-go: they print the server's JSON as it came (client-go's models would
// re-encode it, turning absent fields into nulls and dropping fields they do not know), import
// files go to the server as they are written rather than through a model that may refuse or
// drop what the server accepts, and the Link header the pages are chained by is read by hand
// either way. The tests check the server against client-go.

// maxAdminAnswer bounds what is read of one answer: a page of 1,000 identities with their
// credentials is a few MB.
const maxAdminAnswer = 64 << 20

// adminRetries is how many times a request the server declined (429, 503) is sent again.
const adminRetries = 4

// identityAdmin is a client of the identity service's admin API.
type identityAdmin struct {
	base string // admin endpoint, without a trailing slash
	hc   *http.Client
}

func (c *client) identityAdmin() *identityAdmin {
	return &identityAdmin{base: strings.TrimSuffix(c.adminEndpoint, "/"), hc: c.withCredentials(http.DefaultClient)}
}

// answer is a successful answer: its status, body, and the page token of its Link header's
// rel="next" ("" when there is no next page).
type answer struct {
	status int
	body   []byte
	next   string
}

// apiError is an error answer in Kratos's format, {"error":{"id","code","status","reason",
// "message"}}, or an answer that is not one (then Message quotes the start of the body).
type apiError struct {
	Code    int             `json:"code"`
	Status  string          `json:"status"`
	ID      string          `json:"id"`
	Reason  string          `json:"reason"`
	Message string          `json:"message"`
	Details json.RawMessage `json:"details"`
}

// Error reads "404 Not Found: message: reason (id)", leaving out what the answer lacks.
func (e *apiError) Error() string {
	var head []string
	if e.Code != 0 {
		head = append(head, strconv.Itoa(e.Code))
	}
	if e.Status != "" {
		head = append(head, e.Status)
	}
	parts := []string{strings.Join(head, " ")}
	for _, s := range []string{e.Message, e.Reason} {
		if s != "" && s != parts[len(parts)-1] {
			parts = append(parts, s)
		}
	}
	if parts[0] == "" {
		parts = parts[1:]
	}
	out := strings.Join(parts, ": ")
	if e.ID != "" {
		out += " (" + e.ID + ")"
	}
	return out
}

// decodeError reads an error answer of status code.
func decodeError(code int, body []byte) *apiError {
	var env struct {
		Error *apiError `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && env.Error != nil && (env.Error.Message != "" || env.Error.Reason != "") {
		if env.Error.Code == 0 {
			env.Error.Code = code
		}
		return env.Error
	}
	msg := strings.Join(strings.Fields(string(body)), " ")
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return &apiError{Code: code, Status: http.StatusText(code), Message: msg}
}

// do sends a request with body (JSON; none when nil) and returns the answer when its status is a
// 2xx. A 429 or 503 (the server did nothing) is retried after its Retry-After, a few times.
func (a *identityAdmin) do(ctx context.Context, method, path string, query url.Values, body []byte) (*answer, error) {
	u := a.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	for attempt := 0; ; attempt++ {
		ans, retry, err := a.once(ctx, method, u, body)
		if err == nil || retry <= 0 || attempt == adminRetries {
			return ans, err
		}
		select {
		case <-time.After(retry):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// once sends one request; retry > 0 when the server declined it and asks to be asked again.
func (a *identityAdmin) once(ctx context.Context, method, u string, body []byte) (_ *answer, retry time.Duration, _ error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := a.hc.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil, 0, fmt.Errorf("cannot reach the ward server (is `ward serve` running, and is --admin-endpoint right?): %w", err)
		}
		return nil, 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxAdminAnswer+1))
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: reading the answer: %w", method, req.URL.Path, err)
	}
	if len(b) > maxAdminAnswer {
		return nil, 0, fmt.Errorf("%s %s: the answer is larger than %d MB", method, req.URL.Path, maxAdminAnswer>>20)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		if res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable {
			retry = time.Second
			if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
				retry = min(time.Duration(s)*time.Second, time.Minute)
			}
		}
		return nil, retry, decodeError(res.StatusCode, b)
	}
	next, err := nextPageToken(res.Header.Values("Link"))
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
	}
	return &answer{status: res.StatusCode, body: b, next: next}, 0, nil
}

// nextPageToken returns the page_token of the rel="next" link among Link header values (RFC
// 8288), or "" when there is none.
func nextPageToken(values []string) (string, error) {
	for _, v := range values {
		for _, l := range parseLinks(v) {
			if !l.rel("next") {
				continue
			}
			u, err := url.Parse(l.target)
			if err != nil {
				return "", fmt.Errorf("the Link header's next page %q is not a URL", l.target)
			}
			tok := u.Query().Get("page_token")
			if tok == "" {
				return "", fmt.Errorf("the Link header's next page %q has no page_token", l.target)
			}
			return tok, nil
		}
	}
	return "", nil
}

// link is one link-value of a Link header.
type link struct {
	target string
	params map[string]string // names lower-cased
}

// rel reports whether the link's rel parameter, a space-separated list, holds name.
func (l link) rel(name string) bool {
	for _, r := range strings.Fields(l.params["rel"]) {
		if strings.EqualFold(r, name) {
			return true
		}
	}
	return false
}

// parseLinks parses a Link header value: comma-separated `<target>; name=value; name="value"`.
// Link-values that are not of this form are skipped, as a client should ignore what it does not
// understand.
func parseLinks(v string) []link {
	var out []link
	for s := strings.TrimSpace(v); s != ""; s = strings.TrimSpace(s) {
		if s[0] != '<' {
			// Not a link-value: skip to the next comma outside quotes.
			s = skipPast(s, ',')
			continue
		}
		end := strings.IndexByte(s, '>')
		if end < 0 {
			break
		}
		l := link{target: s[1:end], params: map[string]string{}}
		s = strings.TrimSpace(s[end+1:])
		for strings.HasPrefix(s, ";") {
			s = strings.TrimSpace(s[1:])
			i := strings.IndexAny(s, "=;,")
			if i < 0 {
				l.params[strings.ToLower(strings.TrimSpace(s))] = ""
				s = ""
				break
			}
			name := strings.ToLower(strings.TrimSpace(s[:i]))
			if s[i] != '=' {
				l.params[name] = ""
				s = s[i:]
				continue
			}
			s = strings.TrimSpace(s[i+1:])
			var value string
			value, s = paramValue(s)
			l.params[name] = value
			s = strings.TrimSpace(s)
		}
		out = append(out, l)
		s = skipPast(s, ',')
	}
	return out
}

// paramValue reads a token or a quoted string at the start of s and returns it and the rest.
func paramValue(s string) (value, rest string) {
	if !strings.HasPrefix(s, `"`) {
		i := strings.IndexAny(s, ";,")
		if i < 0 {
			return strings.TrimSpace(s), ""
		}
		return strings.TrimSpace(s[:i]), s[i:]
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), ""
}

// skipPast returns what follows the first sep of s outside a quoted string ("" when none).
func skipPast(s string, sep byte) string {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			return s[i+1:]
		}
	}
	return ""
}

// checkID refuses an identity or session ID that is not a UUID, before anything is sent: a
// mistyped argument is named as such rather than answered with Not Found.
func checkID(what, id string) error {
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		return fmt.Errorf("%s %q is not a UUID", what, id)
	}
	return nil
}

// show sends a request and prints its answer's JSON; an empty answer prints nothing.
func (a *identityAdmin) show(cmd *cobra.Command, method, path string, query url.Values, body []byte) error {
	ans, err := a.do(cmd.Context(), method, path, query, body)
	if err != nil || len(ans.body) == 0 {
		return err
	}
	return printRaw(cmd.OutOrStdout(), ans.body)
}

// printRaw writes a JSON answer indented, as the server sent it otherwise.
func printRaw(w io.Writer, body []byte) error {
	var b bytes.Buffer
	if err := json.Indent(&b, bytes.TrimSpace(body), "", "  "); err != nil {
		return fmt.Errorf("the server's answer is not JSON: %w", err)
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}
