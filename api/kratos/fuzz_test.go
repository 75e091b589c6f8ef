package kratos_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wardhq/ward/identity"
)

// serve sends method target (path and query) to handler in process and returns the answer.
func serve(handler http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://127.0.0.1/", nil)
	u, err := url.ParseRequestURI(target)
	if err != nil {
		u = &url.URL{Path: "/"}
	}
	req.URL, req.RequestURI = u, u.RequestURI()
	for k, v := range header {
		req.Header[k] = v
	}
	req.RemoteAddr = "127.0.0.1:1234"
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, req)
	return w
}

// FuzzSessionCredentials sends whoami any X-Session-Token, Cookie and Authorization headers, in
// which "{token}" stands for a valid session's token: the answer is 200 or Kratos's 401
// session_inactive, never anything else, and 200 only when one of the headers carries the token.
func FuzzSessionCredentials(f *testing.F) {
	e := newEnv(f, nil)
	e.register(email, password1)
	token, _ := e.login(email, password1)
	f.Add("{token}", "", "")
	f.Add("", "ward_session={token}", "")
	f.Add("", "", "Bearer {token}")
	f.Add("", "", "bearer   {token}  ")
	f.Add("", "ward_session=; other=1", "Basic {token}")
	f.Add("ory_st_AAAA", "ward_session={token}", "Bearer {token}")
	f.Fuzz(func(t *testing.T, xToken, cookie, authorization string) {
		h := http.Header{}
		for name, v := range map[string]string{"X-Session-Token": xToken, "Cookie": cookie, "Authorization": authorization} {
			if v != "" {
				h.Set(name, strings.ReplaceAll(v, "{token}", token))
			}
		}
		w := serve(e.public, "GET", "/sessions/whoami", h)
		switch w.Code {
		case http.StatusOK:
			if !strings.Contains(xToken+cookie+authorization, "{token}") {
				t.Fatalf("whoami answered 200 to %q", h)
			}
		case http.StatusUnauthorized:
			var body kratosErr
			if json.Unmarshal(w.Body.Bytes(), &body) != nil || body.Error.ID != "session_inactive" {
				t.Fatalf("whoami's 401 to %q: %s", h, w.Body)
			}
		default:
			t.Fatalf("whoami answered %d to %q: %s", w.Code, h, w.Body)
		}
	})
}

var linkPart = regexp.MustCompile(`^<([^>]*)>; rel="(first|next)"$`)

// FuzzAdminListQuery sends the admin lists any query (page_size, page_token, active, expand,
// credentials_identifier, ids …): each answer is 200 or Kratos's 400 naming what is wrong, never
// a server error; a 200's Link header has a rel="first" link and, when there is more, a rel="next"
// one whose page_size is within bounds, and following the next link is a 200 too.
func FuzzAdminListQuery(f *testing.F) {
	e := newEnv(f, nil)
	var identityID string
	for _, addr := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		identityID = e.register(addr, password1)
		e.login(addr, password1)
	}
	f.Add("/admin/identities", "page_size=1")
	f.Add("/admin/identities", "page_size=0&page_token=x")
	f.Add("/admin/identities", "page_size=1001")
	f.Add("/admin/identities", "credentials_identifier=A@example.com&include_credential=password")
	f.Add("/admin/identities", "ids=not-a-uuid&ids="+identityID)
	f.Add("/admin/sessions", "page_size=1&active=true&expand=identity")
	f.Add("/admin/sessions", "active=maybe&expand=everything")
	f.Add("/admin/identities/"+identityID+"/sessions", "page_size=-1")
	f.Fuzz(func(t *testing.T, path, query string) {
		switch {
		case path == "/admin/identities", path == "/admin/sessions", strings.HasPrefix(path, "/admin/identities/") && strings.HasSuffix(path, "/sessions"):
		default:
			path = "/admin/identities"
		}
		w := serve(e.admin, "GET", path+"?"+query, nil)
		switch w.Code {
		case http.StatusOK, http.StatusNotFound:
		case http.StatusBadRequest:
			var body kratosErr
			if json.Unmarshal(w.Body.Bytes(), &body) != nil || body.Error.Code != http.StatusBadRequest || body.Error.Reason == "" {
				t.Fatalf("GET %s?%s: 400 %s, want Kratos's error naming what is wrong", path, query, w.Body)
			}
			return
		default:
			t.Fatalf("GET %s?%s: %d %s", path, query, w.Code, w.Body)
		}
		if w.Code != http.StatusOK {
			return
		}
		links := w.Header().Values("Link")
		if len(links) == 0 || !strings.Contains(links[0], `rel="first"`) {
			t.Fatalf("GET %s?%s: Link %q has no rel=\"first\"", path, query, links)
		}
		for _, l := range links {
			m := linkPart.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("GET %s?%s: Link %q is not <URL>; rel=\"first|next\"", path, query, l)
			}
			u, err := url.Parse(m[1])
			if err != nil {
				t.Fatalf("Link %q: %v", l, err)
			}
			if n, err := strconv.Atoi(u.Query().Get("page_size")); err != nil || n < 1 || n > identity.MaxListPageSize {
				t.Fatalf("Link %q: page_size out of bounds", l)
			}
			if m[2] == "next" {
				if next := serve(e.admin, "GET", u.RequestURI(), nil); next.Code != http.StatusOK {
					t.Fatalf("following the next link %q of GET %s?%s: %d %s", u, path, query, next.Code, next.Body)
				}
			}
		}
	})
}
