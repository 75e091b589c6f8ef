package workload_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wardhq/ward/loadtest/dataset"
	"github.com/wardhq/ward/loadtest/driver"
	"github.com/wardhq/ward/loadtest/workload"
)

// contract stands in for a server of Kratos's HTTP contract, as far as the identity workloads
// use it: enough to test their requests and their checks of the answers, not the contract.
type contract struct {
	mu         sync.Mutex
	identities map[string]contractIdentity // by email
	sessions   map[string]string           // session token -> identity ID
	flows      map[string]string           // flow ID -> kind
	n          int
	// wrongIdentity, when set, makes whoami and login answer with another identity's ID.
	wrongIdentity bool
	// registered counts the registrations by email.
	registered map[string]int
	// adminAuth is the Authorization header of the last admin request, publicAuth of the last
	// public one.
	adminAuth, publicAuth string
}

type contractIdentity struct{ id, email, password string }

func newContract() *contract {
	return &contract{identities: map[string]contractIdentity{}, sessions: map[string]string{}, flows: map[string]string{}, registered: map[string]int{}}
}

func (c *contract) next(prefix string) string {
	c.n++
	return fmt.Sprintf("%s-%d", prefix, c.n)
}

func (c *contract) identityJSON(id string) map[string]any {
	for _, i := range c.identities {
		if i.id == id {
			if c.wrongIdentity {
				id = "someone-else"
			}
			return map[string]any{"id": id, "schema_id": "default", "traits": map[string]string{"email": i.email}}
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (c *contract) admin() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/identities", func(w http.ResponseWriter, r *http.Request) {
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
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.SchemaID != "default" || in.Traits.Email == "" || in.Credentials.Password.Config.Password == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": 400, "message": "bad identity"}})
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.adminAuth = r.Header.Get("Authorization")
		if _, ok := c.identities[in.Traits.Email]; ok {
			writeJSON(w, http.StatusConflict, map[string]any{"error": map[string]any{"code": 409, "message": "conflict"}})
			return
		}
		i := contractIdentity{id: c.next("id"), email: in.Traits.Email, password: in.Credentials.Password.Config.Password}
		c.identities[i.email] = i
		writeJSON(w, http.StatusCreated, c.identityJSON(i.id))
	})
	return mux
}

func (c *contract) public() http.Handler {
	mux := http.NewServeMux()
	for _, kind := range []string{"login", "registration"} {
		mux.HandleFunc("GET /self-service/"+kind+"/api", func(w http.ResponseWriter, r *http.Request) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.publicAuth = r.Header.Get("Authorization")
			id := c.next("flow")
			c.flows[id] = kind
			writeJSON(w, http.StatusOK, map[string]any{"id": id, "type": "api", "ui": map[string]any{"method": "POST"}})
		})
	}
	mux.HandleFunc("POST /self-service/login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Method, Identifier, Password string }
		json.NewDecoder(r.Body).Decode(&in)
		c.mu.Lock()
		defer c.mu.Unlock()
		i, ok := c.identities[in.Identifier]
		if c.flows[r.URL.Query().Get("flow")] != "login" || in.Method != "password" || !ok || i.password != in.Password {
			writeJSON(w, http.StatusBadRequest, map[string]any{"id": "flow", "ui": map[string]any{"messages": []any{map[string]any{"text": "The provided credentials are invalid"}}}})
			return
		}
		token := c.next("ory_st")
		c.sessions[token] = i.id
		writeJSON(w, http.StatusOK, map[string]any{"session_token": token, "session": map[string]any{"id": c.next("s"), "active": true, "identity": c.identityJSON(i.id)}})
	})
	mux.HandleFunc("POST /self-service/registration", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Method, Password string
			Traits           struct{ Email string }
		}
		json.NewDecoder(r.Body).Decode(&in)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.registered[in.Traits.Email]++
		if _, ok := c.identities[in.Traits.Email]; ok || c.flows[r.URL.Query().Get("flow")] != "registration" || in.Method != "password" || in.Password == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"id": "flow", "ui": map[string]any{"messages": []any{map[string]any{"text": "exists already"}}}})
			return
		}
		i := contractIdentity{id: c.next("id"), email: in.Traits.Email, password: in.Password}
		c.identities[i.email] = i
		writeJSON(w, http.StatusOK, map[string]any{"identity": c.identityJSON(i.id)})
	})
	mux.HandleFunc("GET /sessions/whoami", func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		defer c.mu.Unlock()
		id, ok := c.sessions[r.Header.Get("X-Session-Token")]
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": 401, "message": "No valid session credentials found in the request."}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": "s", "active": true, "identity": c.identityJSON(id)})
	})
	return mux
}

// start serves the contract and returns the clients of a run against it; the admin client
// carries a credential, as `ward load run` sends with --admin-api-key.
func (c *contract) start(t *testing.T) workload.Clients {
	t.Helper()
	pub, adm := httptest.NewServer(c.public()), httptest.NewServer(c.admin())
	t.Cleanup(pub.Close)
	t.Cleanup(adm.Close)
	return workload.Clients{
		HTTP: &http.Client{Transport: bearer{"admin-key"}}, PublicHTTP: http.DefaultClient,
		Endpoint: pub.URL, AdminEndpoint: adm.URL + "/",
	}
}

// bearer adds a credential to every request.
type bearer struct{ key string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return http.DefaultTransport.RoundTrip(r)
}

// runOps calls a worker's Op n times and returns the errors.
func runOps(t *testing.T, w driver.Workload, worker, n int) []error {
	t.Helper()
	op := w(worker)
	var errs []error
	for range n {
		out, err := op(context.Background())
		if err != nil {
			errs = append(errs, err)
		} else if out.Items != 1 || out.Allowed != 1 {
			t.Errorf("outcome %+v, want one item, allowed", out)
		}
	}
	return errs
}

func TestIdentityWorkloads(t *testing.T) {
	for _, name := range []string{"whoami", "login", "registration"} {
		t.Run(name, func(t *testing.T) {
			c := newContract()
			w, err := workload.New(context.Background(), name, c.start(t), dataset.Manifest{}, workload.Options{Identities: 7})
			if err != nil {
				t.Fatal(err)
			}
			wantSetup := 7
			if name == "registration" {
				wantSetup = 0
			}
			if len(c.identities) != wantSetup {
				t.Errorf("the setup created %d identities, want %d", len(c.identities), wantSetup)
			}
			if name == "whoami" && len(c.sessions) != 7 {
				t.Errorf("the setup opened %d sessions, want 7", len(c.sessions))
			}
			for worker := range 2 {
				if errs := runOps(t, w, worker, 20); len(errs) > 0 {
					t.Fatalf("worker %d: %d errors, the first: %v", worker, len(errs), errs[0])
				}
			}
			switch name {
			case "login":
				if len(c.sessions) != 40 {
					t.Errorf("%d sessions, want one per login (40)", len(c.sessions))
				}
			case "registration":
				if len(c.registered) != 40 || len(c.identities) != 40 {
					t.Errorf("%d emails registered, %d identities, want 40 new ones", len(c.registered), len(c.identities))
				}
			}
			if name != "registration" && c.adminAuth != "Bearer admin-key" {
				t.Errorf("the admin API got Authorization %q, want the caller's credential", c.adminAuth)
			}
			if c.publicAuth != "" {
				t.Errorf("the self-service API got Authorization %q, want none", c.publicAuth)
			}
		})
	}
}

// TestIdentityWorkloadsRunsDoNotCollide runs the setup twice against one server: each run's
// emails are its own.
func TestIdentityWorkloadsRunsDoNotCollide(t *testing.T) {
	c := newContract()
	clients := c.start(t)
	for range 2 {
		if _, err := workload.New(context.Background(), "login", clients, dataset.Manifest{}, workload.Options{Identities: 3}); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.identities) != 6 {
		t.Errorf("%d identities after two runs of 3, want 6", len(c.identities))
	}
}

func TestIdentityWorkloadsCheckAnswers(t *testing.T) {
	t.Run("setup against a server without the identity API", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		defer srv.Close()
		_, err := workload.New(context.Background(), "whoami", workload.Clients{HTTP: http.DefaultClient, Endpoint: srv.URL, AdminEndpoint: srv.URL}, dataset.Manifest{}, workload.Options{Identities: 2})
		if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "/admin/identities") {
			t.Errorf("error %v, want the admin API's 404", err)
		}
	})
	for _, name := range []string{"whoami", "login"} {
		t.Run(name+" answering with another identity", func(t *testing.T) {
			c := newContract()
			clients := c.start(t)
			w, err := workload.New(context.Background(), name, clients, dataset.Manifest{}, workload.Options{Identities: 2})
			if err != nil {
				t.Fatal(err)
			}
			c.mu.Lock()
			c.wrongIdentity = true
			c.mu.Unlock()
			if errs := runOps(t, w, 0, 3); len(errs) != 3 || !strings.Contains(errs[0].Error(), "someone-else") {
				t.Errorf("errors %v, want 3 naming the wrong identity", errs)
			}
		})
	}
	t.Run("whoami with a revoked session", func(t *testing.T) {
		c := newContract()
		w, err := workload.New(context.Background(), "whoami", c.start(t), dataset.Manifest{}, workload.Options{Identities: 2})
		if err != nil {
			t.Fatal(err)
		}
		c.mu.Lock()
		clear(c.sessions)
		c.mu.Unlock()
		errs := runOps(t, w, 0, 2)
		if len(errs) != 2 || !strings.Contains(errs[0].Error(), "401") || !strings.Contains(errs[0].Error(), "No valid session") {
			t.Errorf("errors %v, want 401s quoting the answer", errs)
		}
	})
	t.Run("setup whose identities cannot log in", func(t *testing.T) {
		c := newContract()
		clients := c.start(t)
		// A server that changes the password it was given: the setup's logins fail.
		adm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var in map[string]any
			json.NewDecoder(r.Body).Decode(&in)
			email := in["traits"].(map[string]any)["email"].(string)
			c.mu.Lock()
			defer c.mu.Unlock()
			i := contractIdentity{id: c.next("id"), email: email, password: "other"}
			c.identities[email] = i
			writeJSON(w, http.StatusCreated, c.identityJSON(i.id))
		}))
		defer adm.Close()
		clients.AdminEndpoint = adm.URL
		_, err := workload.New(context.Background(), "whoami", clients, dataset.Manifest{}, workload.Options{Identities: 2})
		if err == nil || !strings.Contains(err.Error(), "logging the identities in") || !strings.Contains(err.Error(), "credentials are invalid") {
			t.Errorf("error %v, want the failed login", err)
		}
	})
}
