package workload_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/chaos/checker"
	"github.com/wardhq/ward/chaos/workload"
)

// fakeIdentities is Kratos's admin identities API, API login flow and whoami, for the
// workload's parsing: every fourth login flow fails to start; of the sessions it opens, every
// fifth is unknown to whoami (401), every seventh answered as another identity's, every
// eleventh makes whoami fail (500).
type fakeIdentities struct {
	t  *testing.T
	mu sync.Mutex
	// byEmail holds each identity's ID and password.
	byEmail map[string][2]string
	flows   map[string]bool
	// sessions maps a token to its number and identity.
	sessions map[string]fakeSession
	n, inits int
}

type fakeSession struct {
	n        int
	identity string
}

const adminKey = "admin-key-of-the-test"

func newFakeIdentities(t *testing.T) *fakeIdentities {
	return &fakeIdentities{t: t, byEmail: map[string][2]string{}, flows: map[string]bool{}, sessions: map[string]fakeSession{}}
}

func (f *fakeIdentities) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /admin/identities", f.create)
	mux.HandleFunc("GET /self-service/login/api", f.initLogin)
	mux.HandleFunc("POST /self-service/login", f.login)
	mux.HandleFunc("GET /sessions/whoami", f.whoami)
}

func (f *fakeIdentities) create(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+adminKey {
		http.Error(w, `{"error":{"code":401}}`, http.StatusUnauthorized)
		return
	}
	var in struct {
		SchemaID string `json:"schema_id"`
		Traits   struct {
			Email string `json:"email"`
		} `json:"traits"`
		Credentials struct {
			Password struct {
				Config struct {
					Password string `json:"password"`
				} `json:"config"`
			} `json:"password"`
		} `json:"credentials"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.SchemaID != "default" || in.Traits.Email == "" || len(in.Credentials.Password.Config.Password) < 16 {
		http.Error(w, `{"error":{"code":400}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	id := fmt.Sprintf("id-%d", len(f.byEmail))
	f.byEmail[in.Traits.Email] = [2]string{id, in.Credentials.Password.Config.Password}
	f.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"id": id, "schema_id": "default", "traits": map[string]string{"email": in.Traits.Email}})
}

func (f *fakeIdentities) initLogin(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		f.t.Errorf("the self-service API got credentials: %q", r.Header.Get("Authorization"))
	}
	f.mu.Lock()
	f.inits++
	n := f.inits
	flow := fmt.Sprintf("flow-%d", n)
	f.flows[flow] = true
	f.mu.Unlock()
	if n%4 == 0 {
		http.Error(w, `{"error":{"code":503,"message":"the store is unavailable"}}`, http.StatusServiceUnavailable)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"id": flow, "type": "api", "ui": map[string]any{"action": "/self-service/login?flow=" + flow}})
}

func (f *fakeIdentities) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ Method, Identifier, Password string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Method != "password" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, `{"error":{"code":400}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	known, ok := f.byEmail[in.Identifier]
	if !f.flows[r.URL.Query().Get("flow")] || !ok || known[1] != in.Password {
		http.Error(w, `{"ui":{"messages":[{"id":4000006,"text":"The provided credentials are invalid"}]}}`, http.StatusBadRequest)
		return
	}
	f.n++
	tok := fmt.Sprintf("secret-session-%d", f.n)
	f.sessions[tok] = fakeSession{f.n, known[0]}
	json.NewEncoder(w).Encode(map[string]any{"session_token": tok, "session": map[string]any{"id": tok + "-id", "active": true, "identity": map[string]any{"id": known[0]}}})
}

func (f *fakeIdentities) whoami(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	s, ok := f.sessions[r.Header.Get("X-Session-Token")]
	f.mu.Unlock()
	switch {
	case !ok || s.n%5 == 0:
		http.Error(w, `{"error":{"code":401,"status":"Unauthorized"}}`, http.StatusUnauthorized)
	case s.n%11 == 0:
		http.Error(w, `{"error":{"code":500}}`, http.StatusInternalServerError)
	case s.n%7 == 0:
		json.NewEncoder(w).Encode(map[string]any{"active": true, "identity": map[string]any{"id": "someone-else"}})
	default:
		json.NewEncoder(w).Encode(map[string]any{"active": true, "identity": map[string]any{"id": s.identity}})
	}
}

// fingerprint is the name a session token has in the history.
func fingerprint(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return "session:" + hex.EncodeToString(sum[:8])
}

func TestIdentityWorkload(t *testing.T) {
	fake := newFakeIdentities(t)
	targets := twoRegions(serveFake(t, fake.routes))
	ids, err := workload.CreateIdentities(context.Background(), targets, adminKey, "default", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 4 || ids[0].ID != "id-0" || ids[0].Email == ids[2].Email || ids[0].Password == ids[1].Password {
		t.Fatalf("identities = %+v, want 4 distinct ones with their IDs", ids)
	}
	if _, err := workload.CreateIdentities(context.Background(), targets, "wrong-key", "default", 1); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("creating identities with a wrong admin key: %v, want the 401", err)
	}

	o := workload.Options{WritePause: 5 * time.Millisecond, CheckPause: 2 * time.Millisecond, LoginPause: 5 * time.Millisecond, Identities: ids}
	rec := workload.NewRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	workload.Run(ctx, targets, rec, o)
	cancel()
	workload.Sweep(context.Background(), targets, rec, 3, o)

	// The fake's verdict on each session, by fingerprint.
	byName := map[string]fakeSession{}
	fake.mu.Lock()
	for tok, s := range fake.sessions {
		byName[fingerprint(tok)] = s
	}
	fake.mu.Unlock()
	var logins, failed, whoamis int
	loggedIn := map[string]string{}
	for _, op := range rec.Ops() {
		if strings.Contains(op.Tuple+op.Error, "secret-session") || (len(ids) > 0 && strings.Contains(op.Error, ids[0].Password)) {
			t.Fatalf("the history holds a secret: %+v", op)
		}
		switch op.Kind {
		case checker.Login:
			logins++
			if !op.OK {
				failed++
				if !strings.Contains(op.Error, "GET /self-service/login/api: 503") {
					t.Errorf("failed login's error = %q, want the flow's 503", op.Error)
				}
				continue
			}
			s, ok := byName[op.Tuple]
			if !ok || s.identity != op.Identity {
				t.Errorf("login %+v: the fake opened %+v", op, s)
			}
			loggedIn[op.Tuple] = op.Identity
		case checker.Whoami:
			whoamis++
			s := byName[op.Tuple]
			var ok bool
			switch {
			case s.n%5 == 0: // 401: answered, no session
				ok = op.OK && !op.Allowed && op.Identity == ""
			case s.n%11 == 0:
				ok = !op.OK && strings.Contains(op.Error, "GET /sessions/whoami: 500")
			case s.n%7 == 0:
				ok = op.OK && op.Allowed && op.Identity == "someone-else"
			default:
				ok = op.OK && op.Allowed && op.Identity == s.identity
			}
			if !ok || op.Acked == 0 {
				t.Errorf("whoami of session %d: %+v", s.n, op)
			}
		}
	}
	if logins < 8 || failed == 0 || whoamis == 0 || len(byName) < 11 {
		t.Fatalf("logins %d (failed %d), whoami calls %d, sessions %d", logins, failed, whoamis, len(byName))
	}
	// Every acknowledged session was swept through both regions.
	swept := map[string]int{}
	for _, op := range rec.Ops() {
		if op.Kind == checker.Whoami {
			swept[op.Tuple+" "+op.Region]++
		}
	}
	for name := range loggedIn {
		for _, r := range []string{"a", "b"} {
			if swept[name+" "+r] == 0 {
				t.Errorf("session %s never looked up in %s", name, r)
			}
		}
	}

	// The checker finds exactly the sessions the fake answered wrongly, 401 or another's.
	res := checker.Check(&checker.History{Regions: []string{"a", "b"}, Ops: rec.Ops(), Duration: rec.Since()}, checker.DefaultThresholds)
	wrong := map[string]bool{}
	for _, op := range res.InvalidSessions {
		wrong[op.Tuple] = true
	}
	for name := range loggedIn {
		s := byName[name]
		want := s.n%5 == 0 || (s.n%7 == 0 && s.n%11 != 0)
		if wrong[name] != want {
			t.Errorf("session %d judged invalid = %v, want %v", s.n, wrong[name], want)
		}
	}
	if res.IssuedSessions != len(loggedIn) {
		t.Errorf("issued sessions = %d, want %d", res.IssuedSessions, len(loggedIn))
	}
}

// TestIdentityTransportErrors: a whoami whose connection breaks is an error of the call, not an
// answer, and its error names the call and the reason rather than the node's URL.
func TestIdentityTransportErrors(t *testing.T) {
	fake := newFakeIdentities(t)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/identities", fake.create)
	mux.HandleFunc("GET /self-service/login/api", fake.initLogin)
	mux.HandleFunc("POST /self-service/login", fake.login)
	mux.HandleFunc("GET /sessions/whoami", func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	targets := []workload.Target{{Region: "a", PublicURL: srv.URL, AdminURL: srv.URL}}
	ids, err := workload.CreateIdentities(context.Background(), targets, adminKey, "default", 1)
	if err != nil {
		t.Fatal(err)
	}
	rec := workload.NewRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	workload.Run(ctx, targets, rec, workload.Options{WritePause: time.Hour, CheckPause: 5 * time.Millisecond, LoginPause: 5 * time.Millisecond, Identities: ids})
	cancel()
	var whoamis int
	for _, op := range rec.Ops() {
		if op.Kind != checker.Whoami {
			continue
		}
		whoamis++
		if op.OK || !strings.HasPrefix(op.Error, "GET /sessions/whoami: ") || strings.Contains(op.Error, "127.0.0.1") {
			t.Errorf("whoami over a broken connection: %+v", op)
		}
	}
	if whoamis == 0 {
		t.Fatal("no whoami was made")
	}
}
