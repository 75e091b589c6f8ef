// Package workload is the traffic of a chaos scenario: in each region a client that writes
// tuples through the region's ward node and records each acknowledgement, and clients that check
// acknowledged tuples in both consistency modes — at_least_as_fresh with the write's token, and
// minimize_latency; optionally OAuth2 token requests and introspections, and identity logins
// (Kratos's API login flow) and whoami calls. Every operation goes into a [Recorder] as a
// [checker.Op], for package checker to judge. It talks to ward only through the public and admin
// APIs (generated Connect clients, and plain HTTP where the contract is HTTP), as any client
// would.
package workload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/wardhq/ward/chaos/checker"
	permv1 "github.com/wardhq/ward/proto/ward/permission/v1"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
	schemav1 "github.com/wardhq/ward/proto/ward/schema/v1"
	"github.com/wardhq/ward/proto/ward/schema/v1/schemav1connect"
)

// Schema is the schema the workload writes and checks against.
const Schema = `definition user {}
definition doc {
  relation viewer: user
  permission view = viewer
}`

// Namespace is the resource type of the workload's tuples.
const Namespace = "doc"

// Target is one region's ward node, as the region's clients reach it.
type Target struct {
	Region    string
	PublicURL string
	AdminURL  string
}

// Options tune the workload. Zero values take the defaults.
type Options struct {
	// WritePause is the pause between a region's writes (default 50 ms).
	WritePause time.Duration
	// CheckPause is the pause between the checks of one checking client (default 20 ms).
	CheckPause time.Duration
	// WriteTimeout and CheckTimeout bound one call (defaults 5 s and 2 s).
	WriteTimeout, CheckTimeout time.Duration
	// Recent is how many of the newest acknowledged writes (and issued tokens) checks (and
	// introspections) draw from (default 30): recent ones are what a stale replica or cache
	// would miss.
	Recent int
	// OAuth2, when set, adds the token workload: in each region a client that takes access
	// tokens with these credentials and one that introspects the tokens of every region.
	OAuth2 *OAuth2Client
	// APIKey is the credential the workload's calls of ward's APIs carry (empty: none).
	APIKey string
	// TokenPause is the pause between a region's token requests (default 100 ms).
	TokenPause time.Duration
	// Identities, when set, adds the identity workload: in each region a client that logs
	// these identities in, one after another, and one that calls whoami with the sessions
	// acknowledged in every region.
	Identities []Identity
	// LoginPause is the pause between a region's logins (default 500 ms): each verifies a
	// password hash, which costs CPU the nodes share.
	LoginPause time.Duration
}

func (o *Options) defaults() {
	if o.WritePause == 0 {
		o.WritePause = 50 * time.Millisecond
	}
	if o.CheckPause == 0 {
		o.CheckPause = 20 * time.Millisecond
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = 5 * time.Second
	}
	if o.CheckTimeout == 0 {
		o.CheckTimeout = 2 * time.Second
	}
	if o.Recent == 0 {
		o.Recent = 30
	}
	if o.TokenPause == 0 {
		o.TokenPause = 100 * time.Millisecond
	}
	if o.LoginPause == 0 {
		o.LoginPause = 500 * time.Millisecond
	}
}

// Recorder collects the operations of all clients, with times relative to its creation.
type Recorder struct {
	t0       time.Time
	mu       sync.Mutex
	ops      []checker.Op
	acked    []ack
	tokens   []issued
	sessions []session
}

type ack struct {
	resource, subject string
	tuple, token      string
	at                time.Duration
}

// NewRecorder returns a recorder whose clock starts now.
func NewRecorder() *Recorder { return &Recorder{t0: time.Now()} }

// Since is the time since the recorder started.
func (r *Recorder) Since() time.Duration { return time.Since(r.t0) }

// Ops returns a copy of the operations recorded so far.
func (r *Recorder) Ops() []checker.Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]checker.Op(nil), r.ops...)
}

// Acked returns the tuples of the acknowledged writes.
func (r *Recorder) Acked() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.acked))
	for i, a := range r.acked {
		out[i] = a.tuple
	}
	return out
}

func (r *Recorder) add(op checker.Op, a *ack) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op)
	if a != nil {
		r.acked = append(r.acked, *a)
	}
}

// pick returns a random acknowledged write among the newest n (all if n <= 0).
func (r *Recorder) pick(rng *rand.Rand, n int) (ack, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return pickRecent(rng, r.acked, n)
}

// pickRecent returns a random element among the newest n of items (all if n <= 0).
func pickRecent[T any](rng *rand.Rand, items []T, n int) (T, bool) {
	if len(items) == 0 {
		var zero T
		return zero, false
	}
	from := 0
	if n > 0 {
		from = max(0, len(items)-n)
	}
	return items[from+rng.IntN(len(items)-from)], true
}

// newHTTPClient returns the client that all of a run's API clients share; a region's calls
// reuse its connections.
func newHTTPClient(key string) *http.Client {
	t := &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}
	return &http.Client{Transport: bearerTransport{base: t, key: key}}
}

// bearerTransport sends key as a Bearer credential on requests that carry no Authorization
// header of their own (introspection sends the OAuth2 client's Basic credentials).
type bearerTransport struct {
	base http.RoundTripper
	key  string
}

func (t bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.key == "" || r.Header.Get("Authorization") != "" {
		return t.base.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.key)
	return t.base.RoundTrip(r)
}

// WriteSchema writes [Schema] through the admin API at adminURL, authenticated with key.
func WriteSchema(ctx context.Context, adminURL, key string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c := schemav1connect.NewSchemaServiceClient(newHTTPClient(key), adminURL)
	if _, err := c.WriteSchema(ctx, connect.NewRequest(&schemav1.WriteSchemaRequest{Schema: Schema})); err != nil {
		return fmt.Errorf("writing the workload's schema: %w", err)
	}
	return nil
}

// Run sends the workload to every target until ctx ends, recording into rec. Each region has
// one writer and two checkers (at_least_as_fresh and minimize_latency), with o.OAuth2 a token
// client and an introspector, and with o.Identities a login client and a whoami client, each
// making one call at a time. Checks draw from the writes of all regions, so that tokens travel
// between regions; introspections and whoami calls likewise.
func Run(ctx context.Context, targets []Target, rec *Recorder, o Options) {
	o.defaults()
	httpClient := newHTTPClient(o.APIKey)
	defer httpClient.CloseIdleConnections()
	// The self-service API is anonymous: a session token is the only credential it sees.
	publicHTTP := newHTTPClient("")
	defer publicHTTP.CloseIdleConnections()
	var wg sync.WaitGroup
	for i, t := range targets {
		rels := relationshipv1connect.NewRelationshipServiceClient(httpClient, t.AdminURL)
		perms := permissionv1connect.NewPermissionServiceClient(httpClient, t.PublicURL)
		wg.Go(func() { writer(ctx, t.Region, rels, rec, o) })
		wg.Go(func() { checker1(ctx, t.Region, perms, rec, o, checker.CheckFresh, uint64(2*i)) })
		wg.Go(func() { checker1(ctx, t.Region, perms, rec, o, checker.CheckMin, uint64(2*i+1)) })
		if o.OAuth2 != nil {
			wg.Go(func() { tokenIssuer(ctx, t.Region, t, *o.OAuth2, httpClient, rec, o) })
			wg.Go(func() { introspector(ctx, t.Region, t, *o.OAuth2, httpClient, rec, o, uint64(i)) })
		}
		if len(o.Identities) > 0 {
			wg.Go(func() { loginer(ctx, t.Region, t, o.Identities, i*len(o.Identities)/len(targets), publicHTTP, rec, o) })
			wg.Go(func() { whoamiCaller(ctx, t.Region, t, publicHTTP, rec, o, uint64(i)) })
		}
	}
	wg.Wait()
}

func writer(ctx context.Context, region string, c relationshipv1connect.RelationshipServiceClient, rec *Recorder, o Options) {
	for n := 0; ctx.Err() == nil; n++ {
		res := fmt.Sprintf("w-%s-%d", region, n)
		subj := fmt.Sprintf("u-%s-%d", region, n)
		tuple := fmt.Sprintf("%s:%s#viewer@user:%s", Namespace, res, subj)
		cctx, cancel := context.WithTimeout(ctx, o.WriteTimeout)
		start := rec.Since()
		out, err := c.WriteRelationships(cctx, connect.NewRequest(&relv1.WriteRelationshipsRequest{
			Updates: []*relv1.RelationshipUpdate{{
				Operation: relv1.RelationshipUpdate_OPERATION_TOUCH,
				Relationship: &relv1.Relationship{
					Resource: &relv1.ObjectReference{Type: Namespace, Id: res},
					Relation: "viewer",
					Subject:  &relv1.SubjectReference{Type: "user", Id: subj},
				},
			}},
		}))
		end := rec.Since()
		cancel()
		if ctx.Err() != nil {
			return // the scenario ended mid-call: neither a success nor a failure of the system
		}
		op := checker.Op{Region: region, Kind: checker.Write, Start: start, End: end, Tuple: tuple, OK: err == nil}
		var a *ack
		if err != nil {
			op.Error = errText(err)
		} else {
			op.Token = out.Msg.GetWrittenAt()
			a = &ack{resource: res, subject: subj, tuple: tuple, token: op.Token, at: end}
		}
		rec.add(op, a)
		if sleep(ctx, pause(o.WritePause, err)) != nil {
			return
		}
	}
}

func checker1(ctx context.Context, region string, c permissionv1connect.PermissionServiceClient, rec *Recorder, o Options, kind checker.Kind, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	for ctx.Err() == nil {
		a, ok := rec.pick(rng, o.Recent)
		if !ok {
			if sleep(ctx, 100*time.Millisecond) != nil {
				return
			}
			continue
		}
		err := check(ctx, region, c, rec, o, kind, a)
		if ctx.Err() != nil {
			return
		}
		if sleep(ctx, pause(o.CheckPause, err)) != nil {
			return
		}
	}
}

// check makes one Check of a's tuple in the consistency of kind and records it; it records
// nothing when ctx ended meanwhile (the scenario is over, not the system failing).
func check(ctx context.Context, region string, c permissionv1connect.PermissionServiceClient, rec *Recorder, o Options, kind checker.Kind, a ack) error {
	cons := &relv1.Consistency{Requirement: &relv1.Consistency_MinimizeLatency{MinimizeLatency: true}}
	if kind == checker.CheckFresh {
		cons = &relv1.Consistency{Requirement: &relv1.Consistency_AtLeastAsFresh{AtLeastAsFresh: a.token}}
	}
	cctx, cancel := context.WithTimeout(ctx, o.CheckTimeout)
	start := rec.Since()
	out, err := c.Check(cctx, connect.NewRequest(&permv1.CheckRequest{
		Consistency: cons,
		Resource:    &relv1.ObjectReference{Type: Namespace, Id: a.resource},
		Permission:  "view",
		Subject:     &relv1.SubjectReference{Type: "user", Id: a.subject},
	}))
	end := rec.Since()
	cancel()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	op := checker.Op{Region: region, Kind: kind, Start: start, End: end, Tuple: a.tuple, Acked: a.at, OK: err == nil}
	if kind == checker.CheckFresh {
		op.Token = a.token
	}
	if err != nil {
		op.Error = errText(err)
	} else {
		op.Allowed = out.Msg.GetDecision() == permv1.Decision_DECISION_ALLOWED
	}
	rec.add(op, nil)
	return err
}

// pause is the pause before the next call: longer after a failure, as a client backs off, so
// that a region whose ward node is gone (refusing connections at once) is not hammered.
func pause(normal time.Duration, err error) time.Duration {
	if err != nil {
		return max(normal, 100*time.Millisecond)
	}
	return normal
}

// errText is an error's Connect code and message, short enough to keep per operation.
func errText(err error) string {
	s := err.Error()
	if ce, ok := err.(*connect.Error); ok {
		s = ce.Code().String() + ": " + ce.Message()
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Sweep checks every acknowledged write once through each target, at least as fresh as the
// write's token, after the faults: a node whose view of the data diverged (a cache or an
// in-memory copy that kept a transaction the failover discarded) shows there, whichever writes
// the random checks happened to draw. With o.OAuth2 it introspects every issued token through
// each target too, and with o.Identities it calls whoami with every acknowledged session. It
// records [checker.CheckFresh], [checker.Introspect] and [checker.Whoami] operations into rec,
// with at most parallel calls in flight per target.
func Sweep(ctx context.Context, targets []Target, rec *Recorder, parallel int, o Options) {
	o.defaults()
	httpClient := newHTTPClient(o.APIKey)
	defer httpClient.CloseIdleConnections()
	publicHTTP := newHTTPClient("")
	defer publicHTTP.CloseIdleConnections()
	rec.mu.Lock()
	acked := append([]ack(nil), rec.acked...)
	tokens := append([]issued(nil), rec.tokens...)
	sessions := append([]session(nil), rec.sessions...)
	rec.mu.Unlock()
	var wg sync.WaitGroup
	for _, t := range targets {
		perms := permissionv1connect.NewPermissionServiceClient(httpClient, t.PublicURL)
		next := make(chan func())
		for range max(parallel, 1) {
			wg.Go(func() {
				for call := range next {
					call()
				}
			})
		}
		wg.Go(func() {
			defer close(next)
			for _, a := range acked {
				select {
				case next <- func() { check(ctx, t.Region, perms, rec, o, checker.CheckFresh, a) }:
				case <-ctx.Done():
					return
				}
			}
			if o.OAuth2 != nil {
				for _, is := range tokens {
					select {
					case next <- func() { introspect(ctx, t.Region, t, *o.OAuth2, httpClient, rec, o, is) }:
					case <-ctx.Done():
						return
					}
				}
			}
			for _, s := range sessions {
				select {
				case next <- func() { lookUpSession(ctx, t.Region, t, publicHTTP, rec, o, s) }:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	wg.Wait()
}
