// Package workload defines the requests that `ward load run` sends: a no-op baseline, checks,
// bulk checks, lookups and a mix of checks and writes, drawn from a dataset's [dataset.Manifest];
// for the OAuth2 server token issuance and introspection (over Connect and over HTTP); and for
// the identity service, in Ory Kratos's HTTP contract, session lookups, logins and registrations.
// Resources are drawn by popularity, following a Zipf law (the first IDs are the most popular);
// subjects uniformly, so that answers mix allowed and denied.
package workload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"connectrpc.com/connect"

	"github.com/wardhq/ward/loadtest/dataset"
	"github.com/wardhq/ward/loadtest/driver"
	"github.com/wardhq/ward/proto/ward/oauth2/v1/oauth2v1connect"
	permv1 "github.com/wardhq/ward/proto/ward/permission/v1"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	pingv1 "github.com/wardhq/ward/proto/ward/ping/v1"
	"github.com/wardhq/ward/proto/ward/ping/v1/pingv1connect"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
)

// Names lists the workloads [New] knows.
var Names = []string{"noop", "check", "check-bulk", "lookup", "write-mix", "token", "introspect", "introspect-http",
	"whoami", "login", "registration"}

// needsDataset reports whether the workload draws from a dataset.
// Checks reports whether the workload's requests are permission checks, whose answers a
// result's allowed ratio counts.
func Checks(name string) bool {
	switch name {
	case "check", "check-bulk", "write-mix":
		return true
	}
	return false
}

func needsDataset(name string) bool {
	switch name {
	case "noop", "token", "introspect", "introspect-http", "whoami", "login", "registration":
		return false
	}
	return true
}

// Clients are the API clients workloads call: Ping, Permissions and Introspection on the public
// listener, Relationships and OAuth2Admin on the admin one; HTTP posts to the public listener at
// Endpoint (the OAuth2 endpoints are plain HTTP). The identity workloads speak plain HTTP to
// Endpoint and AdminEndpoint: HTTP, with the caller's credentials, to the admin API, and
// PublicHTTP to the self-service API, which is anonymous (a Bearer credential there would be
// read as a session token); without PublicHTTP they use HTTP there too.
type Clients struct {
	Ping          pingv1connect.PingServiceClient
	Permissions   permissionv1connect.PermissionServiceClient
	Relationships relationshipv1connect.RelationshipServiceClient
	Introspection oauth2v1connect.IntrospectionServiceClient
	OAuth2Admin   oauth2v1connect.OAuth2AdminServiceClient
	HTTP          *http.Client
	PublicHTTP    *http.Client
	Endpoint      string
	AdminEndpoint string
}

// Options tune the workloads.
type Options struct {
	// Seed seeds each worker's random numbers.
	Seed uint64
	// Zipf is the exponent s > 1 of resources' popularity (default 1.1).
	Zipf float64
	// BulkItems is the number of checks of one check-bulk request (default 100).
	BulkItems int
	// WriteShare is the share of write-mix requests that are writes (default 0.05).
	WriteShare float64
	// Identities is the number of identities whoami and login create before the run (and
	// whoami's sessions); default 100. Each costs the server a password hash or two.
	Identities int
}

// New returns the named workload over the dataset that m describes (m is unused by noop, the
// OAuth2 and the identity workloads). The OAuth2 workloads register a client and issue their
// tokens here, before the run; whoami and login create their identities (and whoami logs them
// in) here.
func New(ctx context.Context, name string, c Clients, m dataset.Manifest, o Options) (driver.Workload, error) {
	if o.Zipf <= 1 {
		o.Zipf = 1.1
	}
	if o.BulkItems <= 0 {
		o.BulkItems = 100
	}
	if o.WriteShare <= 0 {
		o.WriteShare = 0.05
	}
	if o.Identities <= 0 {
		o.Identities = 100
	}
	if !slices.Contains(Names, name) {
		return nil, fmt.Errorf("unknown workload %q: it is one of %s", name, strings.Join(Names, ", "))
	}
	if needsDataset(name) && (m.Resource.Count < 2 || m.Subject.Count < 1) {
		return nil, fmt.Errorf("workload %s needs a dataset (--dataset)", name)
	}
	switch name {
	case "token":
		return tokenWorkload(ctx, c)
	case "introspect":
		return introspectWorkload(ctx, c, o, false)
	case "introspect-http":
		return introspectWorkload(ctx, c, o, true)
	case "whoami":
		return whoamiWorkload(ctx, c, o)
	case "login":
		return loginWorkload(ctx, c, o)
	case "registration":
		return registrationWorkload(c), nil
	case "noop":
		return func(int) driver.Op {
			return func(ctx context.Context) (driver.Outcome, error) {
				_, err := c.Ping.Ping(ctx, connect.NewRequest(&pingv1.PingRequest{}))
				return driver.Outcome{Items: 1}, err
			}
		}, nil
	case "check":
		return func(worker int) driver.Op {
			p := newPicker(m, o, worker)
			return func(ctx context.Context) (driver.Outcome, error) {
				return p.check(ctx, c, minimizeLatency)
			}
		}, nil
	case "check-bulk":
		return func(worker int) driver.Op {
			p := newPicker(m, o, worker)
			return func(ctx context.Context) (driver.Outcome, error) {
				return p.checkBulk(ctx, c, o.BulkItems)
			}
		}, nil
	case "lookup":
		return func(worker int) driver.Op {
			p := newPicker(m, o, worker)
			return func(ctx context.Context) (driver.Outcome, error) {
				return p.lookup(ctx, c)
			}
		}, nil
	case "write-mix":
		return func(worker int) driver.Op {
			p := newPicker(m, o, worker)
			return func(ctx context.Context) (driver.Outcome, error) {
				return p.writeMix(ctx, c, o.WriteShare)
			}
		}, nil
	}
	return nil, fmt.Errorf("unknown workload %q (want one of %v)", name, Names)
}

var minimizeLatency = &relv1.Consistency{Requirement: &relv1.Consistency_MinimizeLatency{MinimizeLatency: true}}

// picker draws a worker's resources and subjects, and keeps its write-mix state.
type picker struct {
	m      dataset.Manifest
	worker int
	rng    *rand.Rand
	zipf   *rand.Zipf
	writes int    // write-mix: writes made so far
	token  string // write-mix: the token of the last write, until a check has used it
	wrote  [2]int // write-mix: the resource and subject IDs of the last write
}

func newPicker(m dataset.Manifest, o Options, worker int) *picker {
	rng := driver.Random(o.Seed, worker)
	return &picker{m: m, worker: worker, rng: rng, zipf: rand.NewZipf(rng, o.Zipf, 1, uint64(m.Resource.Count-1))}
}

func (p *picker) resource() *relv1.ObjectReference {
	return &relv1.ObjectReference{Type: p.m.Resource.Type, Id: p.m.Resource.ID(int(p.zipf.Uint64()))}
}

func (p *picker) subject() *relv1.SubjectReference {
	return &relv1.SubjectReference{Type: p.m.Subject.Type, Id: p.m.Subject.ID(p.rng.IntN(p.m.Subject.Count))}
}

func allowed(d permv1.Decision) int {
	if d == permv1.Decision_DECISION_ALLOWED {
		return 1
	}
	return 0
}

func (p *picker) check(ctx context.Context, c Clients, cons *relv1.Consistency) (driver.Outcome, error) {
	res, err := c.Permissions.Check(ctx, connect.NewRequest(&permv1.CheckRequest{
		Consistency: cons, Resource: p.resource(), Permission: p.m.Permission, Subject: p.subject(),
	}))
	if err != nil {
		return driver.Outcome{}, err
	}
	return driver.Outcome{Items: 1, Allowed: allowed(res.Msg.GetDecision())}, nil
}

func (p *picker) checkBulk(ctx context.Context, c Clients, n int) (driver.Outcome, error) {
	req := &permv1.CheckBulkRequest{Consistency: minimizeLatency, Items: make([]*permv1.CheckBulkRequestItem, n)}
	for i := range req.Items {
		req.Items[i] = &permv1.CheckBulkRequestItem{Resource: p.resource(), Permission: p.m.Permission, Subject: p.subject()}
	}
	res, err := c.Permissions.CheckBulk(ctx, connect.NewRequest(req))
	if err != nil {
		return driver.Outcome{}, err
	}
	out := driver.Outcome{Items: len(res.Msg.GetResults())}
	for _, r := range res.Msg.GetResults() {
		if e := r.GetError(); e != nil {
			return driver.Outcome{}, fmt.Errorf("check-bulk item: %s: %s", e.GetCode(), e.GetMessage())
		}
		out.Allowed += allowed(r.GetDecision())
	}
	return out, nil
}

// lookup asks for the first page (up to 100) of the resources a subject has the permission on;
// it counts as allowed when the page is not empty.
func (p *picker) lookup(ctx context.Context, c Clients) (driver.Outcome, error) {
	res, err := c.Permissions.LookupResources(ctx, connect.NewRequest(&permv1.LookupResourcesRequest{
		Consistency: minimizeLatency, ResourceType: p.m.Resource.Type, Permission: p.m.Permission,
		Subject: p.subject(), PageSize: 100,
	}))
	if err != nil {
		return driver.Outcome{}, err
	}
	return driver.Outcome{Items: 1, Allowed: min(len(res.Msg.GetResourceIds()), 1)}, nil
}

// writeMix makes a write with probability share, and a check otherwise. A write grants a
// resource to one of a bounded set of subjects that are not in the dataset ("lw<worker>-<n>"),
// so that runs neither change the dataset's answers nor grow it without bound. The check after a
// write reads that write, at least as fresh as its token (read-your-writes); other checks are
// like the check workload's.
func (p *picker) writeMix(ctx context.Context, c Clients, share float64) (driver.Outcome, error) {
	if p.token != "" {
		token := p.token
		p.token = ""
		res, err := c.Permissions.Check(ctx, connect.NewRequest(&permv1.CheckRequest{
			Consistency: &relv1.Consistency{Requirement: &relv1.Consistency_AtLeastAsFresh{AtLeastAsFresh: token}},
			Resource:    &relv1.ObjectReference{Type: p.m.Resource.Type, Id: p.m.Resource.ID(p.wrote[0])},
			Permission:  p.m.Permission,
			Subject:     &relv1.SubjectReference{Type: p.m.Subject.Type, Id: p.writeSubject(p.wrote[1])},
		}))
		if err != nil {
			return driver.Outcome{}, err
		}
		if res.Msg.GetDecision() != permv1.Decision_DECISION_ALLOWED {
			return driver.Outcome{}, fmt.Errorf("write-mix: a check at least as fresh as a write's token did not see the write")
		}
		return driver.Outcome{Items: 1, Allowed: 1}, nil
	}
	if p.rng.Float64() >= share {
		return p.check(ctx, c, minimizeLatency)
	}
	resource, subject := int(p.zipf.Uint64()), p.writes%1000
	p.writes++
	res, err := c.Relationships.WriteRelationships(ctx, connect.NewRequest(&relv1.WriteRelationshipsRequest{
		Updates: []*relv1.RelationshipUpdate{{
			Operation: relv1.RelationshipUpdate_OPERATION_TOUCH,
			Relationship: &relv1.Relationship{
				Resource: &relv1.ObjectReference{Type: p.m.Resource.Type, Id: p.m.Resource.ID(resource)},
				Relation: p.m.WriteRelation,
				Subject:  &relv1.SubjectReference{Type: p.m.Subject.Type, Id: p.writeSubject(subject)},
			},
		}},
	}))
	if err != nil {
		return driver.Outcome{}, err
	}
	p.token, p.wrote = res.Msg.GetWrittenAt(), [2]int{resource, subject}
	return driver.Outcome{Items: 1}, nil
}

func (p *picker) writeSubject(n int) string {
	return "lw" + strconv.Itoa(p.worker) + "-" + strconv.Itoa(n)
}
