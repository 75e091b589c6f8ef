package workload

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wardhq/ward/chaos/checker"
)

// Identity is one identity of the identity workload, as its user knows it: the password stays
// in memory, never in the history.
type Identity struct {
	ID, Email, Password string
}

// session is a session a login acknowledged: every node must answer whoami with it, active and
// of its identity, until it expires (a day, far beyond a scenario).
type session struct {
	token string
	// name is a fingerprint of the token, what the history records instead of the token.
	name     string
	identity string
	at       time.Duration
}

// sessionName is how a session appears in the history: "session:" and a prefix of its token's
// SHA-256, so that no usable token is written to disk.
func sessionName(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return "session:" + hex.EncodeToString(sum[:8])
}

// maxAnswer bounds what is read of an answer of the identity API: a session with its identity
// is a few kB.
const maxAnswer = 1 << 20

// httpError is an answer of the identity API with an unexpected status.
type httpError struct {
	call   string // method and path, without the query (it holds a flow ID)
	status int
	body   string // the start of the answer, on one line: these hold no token nor password
}

func (e *httpError) Error() string {
	return fmt.Sprintf("%s: %d %s: %s", e.call, e.status, http.StatusText(e.status), e.body)
}

// exchange sends one request of the identity API (a JSON body unless in is nil, and header)
// and decodes the answer into out when its status is want.
func exchange(ctx context.Context, hc *http.Client, method, u string, header http.Header, in any, want int, out any) error {
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
	call := method + " " + req.URL.Path
	resp, err := hc.Do(req)
	if err != nil {
		// Named by the call, not by the URL (the host's port and a flow ID in the query would
		// crowd out the reason in the history's short error text).
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%s: %w", call, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %w", call, err)
	}
	if resp.StatusCode != want {
		text := strings.Join(strings.Fields(string(b)), " ")
		return &httpError{call: call, status: resp.StatusCode, body: text[:min(len(text), 120)]}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: decoding the answer: %w", call, err)
	}
	return nil
}

// answeredSession is what the workload reads of whoami's answer.
type answeredSession struct {
	Active   bool `json:"active"`
	Identity struct {
		ID string `json:"id"`
	} `json:"identity"`
}

// CreateIdentities creates perRegion identities through the admin API of each target, each with
// an email address and a random password, and returns them all. The nodes' identity schema
// schemaID must have an email trait that is the password identifier.
func CreateIdentities(ctx context.Context, targets []Target, adminKey, schemaID string, perRegion int) ([]Identity, error) {
	hc := newHTTPClient(adminKey)
	defer hc.CloseIdleConnections()
	var out []Identity
	for _, t := range targets {
		for n := range perRegion {
			pw := make([]byte, 16)
			_, _ = crand.Read(pw)
			id := Identity{Email: fmt.Sprintf("chaos-%s-%d@ward.chaos.test", t.Region, n), Password: hex.EncodeToString(pw)}
			var err error
			if id.ID, err = createIdentity(ctx, hc, t.AdminURL, schemaID, id.Email, id.Password); err != nil {
				return nil, fmt.Errorf("creating the workload's identity %s in region %s: %w", id.Email, t.Region, err)
			}
			out = append(out, id)
		}
	}
	return out, nil
}

// createIdentity is Kratos's POST /admin/identities with a password credential.
func createIdentity(ctx context.Context, hc *http.Client, adminURL, schemaID, email, password string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	in := map[string]any{
		"schema_id":   schemaID,
		"traits":      map[string]string{"email": email},
		"credentials": map[string]any{"password": map[string]any{"config": map[string]string{"password": password}}},
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := exchange(ctx, hc, http.MethodPost, adminURL+"/admin/identities", nil, in, http.StatusCreated, &created); err != nil {
		return "", err
	}
	if created.ID == "" {
		return "", errors.New("POST /admin/identities: the answer has no identity ID")
	}
	return created.ID, nil
}

// login runs Kratos's API login flow with the password method against the node at publicURL
// and returns the session token. A token returned is a session acknowledged, whatever the
// answer says of the session: whoami, everywhere, must then find it active and id's, which
// judges a login that opened the wrong session too.
func login(ctx context.Context, hc *http.Client, publicURL string, id Identity) (string, error) {
	var flow struct {
		ID string `json:"id"`
	}
	if err := exchange(ctx, hc, http.MethodGet, publicURL+"/self-service/login/api", nil, nil, http.StatusOK, &flow); err != nil {
		return "", err
	}
	if flow.ID == "" {
		return "", errors.New("GET /self-service/login/api: the flow has no ID")
	}
	in := map[string]string{"method": "password", "identifier": id.Email, "password": id.Password}
	var out struct {
		SessionToken string `json:"session_token"`
	}
	if err := exchange(ctx, hc, http.MethodPost, publicURL+"/self-service/login?flow="+url.QueryEscape(flow.ID), nil, in, http.StatusOK, &out); err != nil {
		return "", err
	}
	if out.SessionToken == "" {
		return "", errors.New("POST /self-service/login: the answer has no session token")
	}
	return out.SessionToken, nil
}

// whoami is Kratos's GET /sessions/whoami: the identity of the token's active session, or
// active false when the node answers 401 (no active session). Any other answer is an error.
func whoami(ctx context.Context, hc *http.Client, publicURL, token string) (identity string, active bool, err error) {
	var out answeredSession
	err = exchange(ctx, hc, http.MethodGet, publicURL+"/sessions/whoami", http.Header{"X-Session-Token": {token}}, nil, http.StatusOK, &out)
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusUnauthorized {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return out.Identity.ID, out.Active, nil
}

func (r *Recorder) addSession(op checker.Op, s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op)
	if s != nil {
		r.sessions = append(r.sessions, *s)
	}
}

// pickSession returns a random acknowledged session among the newest n.
func (r *Recorder) pickSession(rng *rand.Rand, n int) (session, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return pickRecent(rng, r.sessions, n)
}

// loginer logs the workload's identities in through the region's node, one after another from
// the region's own offset, and records each login as a [checker.Login].
func loginer(ctx context.Context, region string, t Target, ids []Identity, offset int, hc *http.Client, rec *Recorder, o Options) {
	for n := offset; ctx.Err() == nil; n++ {
		id := ids[n%len(ids)]
		cctx, cancel := context.WithTimeout(ctx, o.WriteTimeout)
		start := rec.Since()
		tok, err := login(cctx, hc, t.PublicURL, id)
		end := rec.Since()
		cancel()
		if ctx.Err() != nil {
			return
		}
		op := checker.Op{Region: region, Kind: checker.Login, Start: start, End: end, OK: err == nil, Identity: id.ID}
		var s *session
		if err != nil {
			op.Error = errText(err)
		} else {
			s = &session{token: tok, name: sessionName(tok), identity: id.ID, at: end}
			op.Tuple = s.name
		}
		rec.addSession(op, s)
		if sleep(ctx, pause(o.LoginPause, err)) != nil {
			return
		}
	}
}

// whoamiCaller looks up recently acknowledged sessions, of every region, through the region's
// node.
func whoamiCaller(ctx context.Context, region string, t Target, hc *http.Client, rec *Recorder, o Options, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x5e55))
	for ctx.Err() == nil {
		s, ok := rec.pickSession(rng, o.Recent)
		if !ok {
			if sleep(ctx, 100*time.Millisecond) != nil {
				return
			}
			continue
		}
		err := lookUpSession(ctx, region, t, hc, rec, o, s)
		if ctx.Err() != nil {
			return
		}
		if sleep(ctx, pause(o.CheckPause, err)) != nil {
			return
		}
	}
}

// lookUpSession calls whoami with one acknowledged session's token on the region's node and
// records a [checker.Whoami]; it records nothing when ctx ended meanwhile.
func lookUpSession(ctx context.Context, region string, t Target, hc *http.Client, rec *Recorder, o Options, s session) error {
	cctx, cancel := context.WithTimeout(ctx, o.CheckTimeout)
	defer cancel()
	start := rec.Since()
	identity, active, err := whoami(cctx, hc, t.PublicURL, s.token)
	end := rec.Since()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	op := checker.Op{Region: region, Kind: checker.Whoami, Start: start, End: end, Tuple: s.name, Acked: s.at,
		OK: err == nil, Allowed: active, Identity: identity}
	if err != nil {
		op.Error = errText(err)
	}
	rec.add(op, nil)
	return err
}
