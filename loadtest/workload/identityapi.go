package workload

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// identitySchema is the identity schema the identity workloads create identities with: the
// server's must be called so, and have an email trait that is the password identifier (as in
// loadtest/peer-kratos.sh's).
const identitySchema = "default"

// maxAnswer bounds what is read of an answer: a session, with its identity, is a few kB.
const maxAnswer = 1 << 20

// identityAPI speaks the public HTTP contract of Ory Kratos: the admin identities API, the
// self-service API flows (for native apps: JSON in and out, no cookies, no CSRF token) and
// /sessions/whoami. It is a plain net/http client, so that the run measures the server, not an
// SDK.
type identityAPI struct {
	public, admin string       // base URLs, without a trailing slash
	publicHTTP    *http.Client // for the anonymous public API
	adminHTTP     *http.Client // for the admin API, with the caller's credentials
}

func newIdentityAPI(c Clients) *identityAPI {
	public := c.PublicHTTP
	if public == nil {
		public = c.HTTP
	}
	return &identityAPI{
		public: strings.TrimSuffix(c.Endpoint, "/"), admin: strings.TrimSuffix(c.AdminEndpoint, "/"),
		publicHTTP: public, adminHTTP: c.HTTP,
	}
}

// session is what the workloads read of a session: its ID, whether it is active, and its
// identity.
type session struct {
	ID       string   `json:"id"`
	Active   bool     `json:"active"`
	Identity identity `json:"identity"`
}

// identity is what the workloads read of an identity.
type identity struct {
	ID     string `json:"id"`
	Traits struct {
		Email string `json:"email"`
	} `json:"traits"`
}

// call sends a request with a JSON body (none when in is nil) and decodes a JSON answer into out.
// An answer other than want is an error that quotes the answer's body, which on these errors
// holds neither a password nor a session token (Kratos never echoes a password).
func call(ctx context.Context, hc *http.Client, method, u string, header http.Header, in any, want int, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, pathOf(u), err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s (want %d): %s", method, pathOf(u), resp.Status, want, snippet(b))
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decoding the answer: %w", method, pathOf(u), err)
	}
	return nil
}

// pathOf is u without its query, which may hold a flow ID: errors group by endpoint.
func pathOf(u string) string {
	p, _, _ := strings.Cut(u, "?")
	return p
}

// snippet is the start of an error answer, on one line.
func snippet(b []byte) string {
	const n = 300
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// createIdentity creates an identity with an email and a password through the admin API, and
// returns its ID.
func (a *identityAPI) createIdentity(ctx context.Context, email, password string) (string, error) {
	type passwordConfig struct {
		Password string `json:"password"`
	}
	type passwordCredentials struct {
		Config passwordConfig `json:"config"`
	}
	in := struct {
		SchemaID    string `json:"schema_id"`
		Traits      any    `json:"traits"`
		Credentials struct {
			Password passwordCredentials `json:"password"`
		} `json:"credentials"`
	}{SchemaID: identitySchema, Traits: map[string]string{"email": email}}
	in.Credentials.Password.Config.Password = password
	var out identity
	if err := call(ctx, a.adminHTTP, http.MethodPost, a.admin+"/admin/identities", nil, in, http.StatusCreated, &out); err != nil {
		return "", err
	}
	if out.ID == "" || out.Traits.Email != email {
		return "", fmt.Errorf("POST /admin/identities: the created identity has ID %q and email %q, want an ID and %q", out.ID, out.Traits.Email, email)
	}
	return out.ID, nil
}

// initFlow starts a self-service API flow (kind "login" or "registration") and returns its ID.
func (a *identityAPI) initFlow(ctx context.Context, kind string) (string, error) {
	var flow struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if err := call(ctx, a.publicHTTP, http.MethodGet, a.public+"/self-service/"+kind+"/api", nil, nil, http.StatusOK, &flow); err != nil {
		return "", err
	}
	if flow.ID == "" || flow.Type != "api" {
		return "", fmt.Errorf("GET /self-service/%s/api: a flow with ID %q and type %q, want an ID and type api", kind, flow.ID, flow.Type)
	}
	return flow.ID, nil
}

// login runs an API login flow with the password method and returns the session token and the
// session it opened, which must be active.
func (a *identityAPI) login(ctx context.Context, email, password string) (string, session, error) {
	id, err := a.initFlow(ctx, "login")
	if err != nil {
		return "", session{}, err
	}
	in := struct {
		Method     string `json:"method"`
		Identifier string `json:"identifier"`
		Password   string `json:"password"`
	}{"password", email, password}
	var out struct {
		SessionToken string  `json:"session_token"`
		Session      session `json:"session"`
	}
	if err := call(ctx, a.publicHTTP, http.MethodPost, a.public+"/self-service/login?flow="+url.QueryEscape(id), nil, in, http.StatusOK, &out); err != nil {
		return "", session{}, err
	}
	if out.SessionToken == "" || !out.Session.Active || out.Session.Identity.Traits.Email != email {
		return "", session{}, fmt.Errorf("POST /self-service/login: want a session token and an active session of %s", email)
	}
	return out.SessionToken, out.Session, nil
}

// register runs an API registration flow with the password method and returns the new identity.
func (a *identityAPI) register(ctx context.Context, email, password string) (identity, error) {
	id, err := a.initFlow(ctx, "registration")
	if err != nil {
		return identity{}, err
	}
	in := struct {
		Method   string            `json:"method"`
		Password string            `json:"password"`
		Traits   map[string]string `json:"traits"`
	}{"password", password, map[string]string{"email": email}}
	var out struct {
		Identity identity `json:"identity"`
	}
	if err := call(ctx, a.publicHTTP, http.MethodPost, a.public+"/self-service/registration?flow="+url.QueryEscape(id), nil, in, http.StatusOK, &out); err != nil {
		return identity{}, err
	}
	if out.Identity.ID == "" || out.Identity.Traits.Email != email {
		return identity{}, fmt.Errorf("POST /self-service/registration: the new identity has ID %q and email %q, want an ID and %q", out.Identity.ID, out.Identity.Traits.Email, email)
	}
	return out.Identity, nil
}

// whoami returns the session of a session token.
func (a *identityAPI) whoami(ctx context.Context, token string) (session, error) {
	var out session
	err := call(ctx, a.publicHTTP, http.MethodGet, a.public+"/sessions/whoami", http.Header{"X-Session-Token": {token}}, nil, http.StatusOK, &out)
	return out, err
}
