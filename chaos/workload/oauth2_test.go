package workload_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/chaos/checker"
	"github.com/wardhq/ward/chaos/workload"
)

// fakeTokens is an OAuth2 token and introspection endpoint for one client: every fourth token
// request fails; a token it issued is active.
type fakeTokens struct {
	mu     sync.Mutex
	n      int
	issued map[string]bool
}

func (f *fakeTokens) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != "c" || secret != "s" || r.PostFormValue("grant_type") != "client_credentials" {
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	f.mu.Lock()
	f.n++
	n := f.n
	tok := fmt.Sprintf("secret-token-%d", n)
	if n%4 != 0 {
		f.issued[tok] = true
	}
	f.mu.Unlock()
	if n%4 == 0 {
		http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 3600})
}

func (f *fakeTokens) introspect(w http.ResponseWriter, r *http.Request) {
	if id, secret, ok := r.BasicAuth(); !ok || id != "c" || secret != "s" {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	f.mu.Lock()
	active := f.issued[r.PostFormValue("token")]
	f.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{"active": active})
}

func TestTokenWorkload(t *testing.T) {
	tokens := &fakeTokens{issued: map[string]bool{}}
	targets := twoRegions(serveFake(t, func(mux *http.ServeMux) {
		mux.HandleFunc("POST /oauth2/token", tokens.token)
		mux.HandleFunc("POST /oauth2/introspect", tokens.introspect)
	}))
	o := workload.Options{WritePause: 5 * time.Millisecond, CheckPause: 5 * time.Millisecond, TokenPause: 5 * time.Millisecond,
		OAuth2: &workload.OAuth2Client{ID: "c", Secret: "s"}}

	rec := workload.NewRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	workload.Run(ctx, targets, rec, o)
	cancel()
	var requests, failed, introspections int
	names := map[string]bool{}
	for _, op := range rec.Ops() {
		if strings.Contains(op.Tuple, "secret-token") || strings.Contains(op.Error, "secret-token") {
			t.Fatalf("the history holds a token: %+v", op)
		}
		switch op.Kind {
		case checker.IssueToken:
			requests++
			if !op.OK {
				failed++
			} else {
				names[op.Tuple] = true
			}
		case checker.Introspect:
			introspections++
			if !op.OK || !op.Allowed || !names[op.Tuple] || op.Acked == 0 {
				t.Errorf("introspection of an issued token: %+v", op)
			}
		}
	}
	if requests < 8 || failed == 0 || introspections == 0 {
		t.Fatalf("token requests %d (failed %d), introspections %d", requests, failed, introspections)
	}

	// The sweep introspects every issued token once through each target.
	before := len(rec.Ops())
	workload.Sweep(context.Background(), targets, rec, 3, o)
	swept := map[string]int{}
	for _, op := range rec.Ops()[before:] {
		if op.Kind == checker.Introspect {
			if !op.OK || !op.Allowed {
				t.Errorf("sweep introspection %+v", op)
			}
			swept[op.Region+" "+op.Tuple]++
		}
	}
	for name := range names {
		for _, r := range []string{"a", "b"} {
			if swept[r+" "+name] != 1 {
				t.Errorf("%s introspected %d times in %s, want once", name, swept[r+" "+name], r)
			}
		}
	}
}
