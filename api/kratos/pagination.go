package kratos

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"

	"github.com/wardhq/ward/identity"
)

// pageSize reads the page_size query value: 0 (the service's default) when absent.
func pageSize(r *http.Request) (int, error) {
	raw := r.URL.Query().Get("page_size")
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, badRequest(fmt.Sprintf("The page_size query parameter must be a positive integer, not %q.", raw))
	}
	if n > identity.MaxListPageSize {
		return 0, badRequest(fmt.Sprintf("The page_size query parameter must be at most %d.", identity.MaxListPageSize))
	}
	return n, nil
}

// sessionListParams reads page_size, page_token and, when filter, active and expand.
func sessionListParams(r *http.Request, filter bool) (identity.SessionListParams, error) {
	var p identity.SessionListParams
	var err error
	if p.PageSize, err = pageSize(r); err != nil {
		return p, err
	}
	q := r.URL.Query()
	p.PageToken = q.Get("page_token")
	if !filter {
		return p, nil
	}
	if raw := q.Get("active"); raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return p, badRequest("could not parse parameter active")
		}
		p.Active = &b
	}
	for _, e := range q["expand"] {
		switch e {
		case "identity":
			p.ExpandIdentity = true
		case "devices":
			// Devices are always part of a session's JSON.
		default:
			return p, badRequest(fmt.Sprintf("Could not parse expand option: %s", e))
		}
	}
	return p, nil
}

// writePage sets Kratos's keyset pagination headers: Link with rel="first" and, unless this is
// the last page, rel="next" carrying the next page's token.
func writePage(w http.ResponseWriter, r *http.Request, size int, next string) {
	if size == 0 {
		size = identity.DefaultListPageSize
	}
	link := func(rel, token string) string {
		u := url.URL{Path: r.URL.Path}
		q := r.URL.Query()
		q.Del("page_token")
		if token != "" {
			q.Set("page_token", token)
		}
		q.Set("page_size", strconv.Itoa(size))
		u.RawQuery = q.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	w.Header().Set("Link", link("first", ""))
	if next != "" {
		w.Header().Add("Link", link("next", next))
	}
}

// pathUUID reads the path value name, which must be a UUID: Kratos's 400 otherwise.
func pathUUID(r *http.Request, name string) (string, error) {
	raw := r.PathValue(name)
	id, err := uuid.Parse(raw)
	if err != nil {
		return "", badRequest(fmt.Sprintf("The %s %q is not a UUID.", name, raw))
	}
	return id.String(), nil
}
