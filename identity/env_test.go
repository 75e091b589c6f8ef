package identity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/password"
	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

// testClock is a clock the tests move.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// countingHasher counts the hash work of a real Hasher with cheap parameters.
type countingHasher struct {
	*password.Hasher
	hashes, verifies atomic.Int64
}

func (h *countingHasher) Hash(ctx context.Context, pw string) (string, error) {
	h.hashes.Add(1)
	return h.Hasher.Hash(ctx, pw)
}

func (h *countingHasher) Verify(ctx context.Context, pw, hash string) (bool, error) {
	h.verifies.Add(1)
	return h.Hasher.Verify(ctx, pw, hash)
}

// testArgon2 are parameters cheap enough for tests.
var testArgon2 = password.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

type env struct {
	t      testing.TB
	st     store.IdentityStore
	svc    *identity.Service
	clock  *testClock
	hasher *countingHasher
	logs   *bytes.Buffer
}

// newEnv makes a Service over a new memory store; mod changes its config.
func newEnv(t testing.TB, mod func(*identity.Config)) *env {
	t.Helper()
	return newEnvOver(t, memory.NewIdentityStore(), mod)
}

func newEnvOver(t testing.TB, st store.IdentityStore, mod func(*identity.Config)) *env {
	t.Helper()
	h, err := password.NewHasher(password.WithArgon2id(testArgon2))
	if err != nil {
		t.Fatal(err)
	}
	policy, err := password.NewPolicy()
	if err != nil {
		t.Fatal(err)
	}
	reg, err := schema.NewRegistry(schema.Config{Schemas: []schema.Source{
		{ID: "default", URL: "file://testdata/person.schema.json"},
		{ID: "customer", URL: "file://testdata/customer.schema.json"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, clock: &testClock{t: time.Now().UTC().Truncate(time.Second)}, hasher: &countingHasher{Hasher: h}, logs: &bytes.Buffer{}}
	cfg := identity.Config{
		PublicBaseURL: "https://id.example.com/",
		Clock:         e.clock.Now,
		Logger:        slog.New(slog.NewJSONHandler(&lockedWriter{w: e.logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	e.svc, err = identity.NewService(context.Background(), st, reg, e.hasher, policy, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// create makes an identity with an email and a password, failing the test otherwise.
func (e *env) create(email, pw string) *identity.Identity {
	e.t.Helper()
	body := identity.CreateIdentityBody{Traits: traits(email)}
	if pw != "" {
		body.Credentials = &identity.ImportCredentials{Password: &identity.ImportPassword{Config: identity.ImportPasswordConfig{Password: pw}}}
	}
	i, err := e.svc.CreateIdentity(context.Background(), body)
	if err != nil {
		e.t.Fatalf("create %s: %v", email, err)
	}
	return i
}

// snapshot returns every stored identity, to compare before and after a refused write.
func (e *env) snapshot() []*store.Identity {
	e.t.Helper()
	ids, err := e.st.ListIdentities(context.Background(), store.IdentityFilter{}, "", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

func traits(email string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"email": email, "name": map[string]string{"first": "Ada"}})
	return b
}

// racingStore runs before once, just before the first UpdateIdentity: a write of another node
// between a read and a write.
type racingStore struct {
	store.IdentityStore
	once   sync.Once
	before func()
}

func (r *racingStore) UpdateIdentity(ctx context.Context, i *store.Identity) error {
	r.once.Do(r.before)
	return r.IdentityStore.UpdateIdentity(ctx, i)
}

// changingStore runs change once, just before the first UpdateCredentialConfig: a password
// change between a login's read and its re-hash.
type changingStore struct {
	store.IdentityStore
	once   sync.Once
	change func()
}

func (c *changingStore) UpdateCredentialConfig(ctx context.Context, id, typ string, from, to []byte, at time.Time) error {
	c.once.Do(c.change)
	return c.IdentityStore.UpdateCredentialConfig(ctx, id, typ, from, to, at)
}

func equalSnapshots(a, b []*store.Identity) bool { return reflect.DeepEqual(a, b) }
