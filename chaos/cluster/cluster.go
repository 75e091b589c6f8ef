// Package cluster starts and breaks the multi-region deployment that the chaos scenarios run
// against: in each region a Docker network with one etcd member, one PostgreSQL node managed by
// Patroni (strict quorum commit) and one ward node, every link between containers passing through
// Toxiproxy so that latency and partitions can be injected without netem.
//
// # Topology
//
// Patroni advertises one connect address per node, which every region must be able to dial.
// One Toxiproxy container is attached to all region networks under the alias "xr" in each; in
// every network it listens on its own address there, with one proxy per (viewer region, target
// service). So "xr:5001" means "PostgreSQL of region 1, as seen from here": from region 0 it is
// the proxy (0→1), from region 2 the proxy (2→1). Every node advertises such an address, and
// every connection between nodes — in a region or across — goes through a proxy: a region's own
// links have no latency, the links between regions 30–80 ms, and a partition disables the
// proxies that cross a region's border. The harness itself (clients, pollers, SQL checks) talks
// to the containers through ports published on 127.0.0.1, outside the proxies.
//
// Everything a [Cluster] starts carries the label ward.chaos.run=<run id>; [Cluster.Close]
// removes it all, and [RemoveOrphans] removes what runs whose process died left behind.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	tcnetwork "github.com/testcontainers/testcontainers-go/network"
	"golang.org/x/sync/errgroup"
)

// The images the cluster starts, built locally by scripts/build-chaos-images.sh.
const (
	DBImage    = "ward-chaos-db:1"
	ProxyImage = "ward-chaos-toxiproxy:2.5.0"
	WardImage  = "ward-chaos-ward:dev"
)

// IdentitySchemaID is the ID of the ward nodes' identity schema, the one the identity workload
// creates identities with: an email address that is the password identifier.
const IdentitySchemaID = "default"

// identitySchema is that schema, in Kratos's dialect of JSON Schema.
const identitySchema = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {"traits": {
    "type": "object",
    "properties": {"email": {"type": "string", "format": "email",
      "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}},
    "required": ["email"]
  }}
}`

// BuildCommand is what makes the images.
const BuildCommand = "make chaos-images (scripts/build-chaos-images.sh)"

// Labels on every container and network the harness starts.
const (
	labelRun  = "ward.chaos.run"
	labelHost = "ward.chaos.host"
	labelPID  = "ward.chaos.pid"
)

// proxyAlias is the Toxiproxy container's name in every region network.
const proxyAlias = "xr"

// Services reached through the proxies, each with its base port: target region i is port base+i.
const (
	svcPG        = 5000 // PostgreSQL
	svcPatroni   = 5100 // Patroni's REST API
	svcEtcd      = 5200 // etcd clients
	svcEtcdPeer  = 5300 // etcd peers
	startTimeout = 4 * time.Minute
)

var services = []struct {
	base int
	kind string // "pg" or "etcd": which node of the region serves it
	port int    // the port in that node's container
}{{svcPG, "pg", 5432}, {svcPatroni, "pg", 8008}, {svcEtcd, "etcd", 2379}, {svcEtcdPeer, "etcd", 2380}}

// Config describes the cluster to start.
type Config struct {
	// Regions names the regions (default a, b, c).
	Regions []string
	// Latency is the added one-way delay between two regions, keyed by "x-y" with x < y in
	// the order of Regions (default: 15 ms a-b, 25 ms b-c, 40 ms a-c: round trips of 30–80 ms).
	Latency map[string]time.Duration
	// MaxStaleness is the ward nodes' --max-staleness (default 5 s).
	MaxStaleness time.Duration
	// Log receives progress (default: discard).
	Log *slog.Logger
	// CockroachImage, when set, makes the database tier a three-region CockroachDB cluster from
	// this local image (one node per region, started insecure, localities region=<name>)
	// instead of etcd and Patroni.
	CockroachImage string
}

// Cluster is a running deployment. Close removes it.
type Cluster struct {
	cfg     Config
	run     string
	log     *slog.Logger
	docker  *testcontainers.DockerClient
	nets    []*testcontainers.DockerNetwork
	toxi    *toxiClient
	Regions []*Region
	// tokenSecret is the ward nodes' OAuth2 token secret: every node must have the same. It is
	// passed in the environment, where `docker inspect` shows it but a process list does not.
	tokenSecret string
	// APIKey and AdminKey are the ward nodes' API key and admin API key: their listeners bind
	// 0.0.0.0, where ward asks for credentials. Passed in the environment, like tokenSecret.
	APIKey, AdminKey string
}

// Region is one region's nodes.
type Region struct {
	Name  string
	Index int
	Etcd  *Node
	PG    *Node
	Ward  *Node
	// cockroach: the database node runs CockroachDB (PG is that node, Etcd is nil).
	cockroach bool
}

// Node is one container.
type Node struct {
	Name  string // the container's name
	Role  string // etcd, pg or ward
	ctr   *testcontainers.DockerContainer
	ports map[string]int // container port -> port on 127.0.0.1
}

// HostPort is the port on 127.0.0.1 where the node's container port is published.
func (n *Node) HostPort(containerPort int) int { return n.ports[strconv.Itoa(containerPort)] }

// ID is the container's ID.
func (n *Node) ID() string { return n.ctr.GetContainerID() }

// PublicURL is a ward node's public API, as the harness reaches it.
func (r *Region) PublicURL() string { return fmt.Sprintf("http://127.0.0.1:%d", r.Ward.HostPort(4466)) }

// AdminURL is a ward node's admin API, as the harness reaches it.
func (r *Region) AdminURL() string { return fmt.Sprintf("http://127.0.0.1:%d", r.Ward.HostPort(4467)) }

// PGDSN is the DSN by which the harness reaches a region's database node directly.
func (r *Region) PGDSN() string {
	if r.cockroach {
		return fmt.Sprintf("host=127.0.0.1 port=%d user=root dbname=ward sslmode=disable connect_timeout=2", r.PG.HostPort(cockroachSQLPort))
	}
	return fmt.Sprintf("host=127.0.0.1 port=%d user=ward password=ward dbname=ward sslmode=disable connect_timeout=2", r.PG.HostPort(5432))
}

func (c *Config) defaults() {
	if len(c.Regions) == 0 {
		c.Regions = []string{"a", "b", "c"}
	}
	if c.Latency == nil && len(c.Regions) == 3 {
		r := c.Regions
		c.Latency = map[string]time.Duration{
			r[0] + "-" + r[1]: 15 * time.Millisecond,
			r[1] + "-" + r[2]: 25 * time.Millisecond,
			r[0] + "-" + r[2]: 40 * time.Millisecond,
		}
	}
	if c.MaxStaleness == 0 {
		c.MaxStaleness = 5 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Start starts a cluster and waits until it serves: Patroni has a leader and two streaming
// replicas, at least one of them synchronous, ward's schema is migrated and every ward node is ready.
// On error, what was started is removed.
func Start(ctx context.Context, cfg Config) (c *Cluster, err error) {
	cfg.defaults()
	if !testcontainers.ReadConfig().Config.RyukDisabled {
		return nil, errors.New("testcontainers' reaper (Ryuk) is on, and its image cannot be pulled " +
			"here: set TESTCONTAINERS_RYUK_DISABLED=true (the Makefile exports it)")
	}
	tcCtx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	docker, err := testcontainers.NewDockerClientWithOpts(tcCtx)
	if err != nil {
		return nil, fmt.Errorf("connecting to Docker: %w", err)
	}
	dbImage := DBImage
	if cfg.CockroachImage != "" {
		dbImage = cfg.CockroachImage
	}
	for _, img := range []string{dbImage, ProxyImage, WardImage} {
		if _, err := docker.ImageInspect(tcCtx, img); err != nil {
			docker.Close()
			if img == cfg.CockroachImage {
				return nil, fmt.Errorf("the CockroachDB image %s is not here (no registry is used): %w", img, err)
			}
			return nil, fmt.Errorf("image %s is missing: run %s", img, BuildCommand)
		}
	}
	id := make([]byte, 4)
	_, _ = rand.Read(id)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	c = &Cluster{cfg: cfg, run: "wchaos-" + hex.EncodeToString(id), log: cfg.Log, docker: docker, tokenSecret: hex.EncodeToString(secret),
		APIKey: randomKey(), AdminKey: randomKey()}
	defer func() {
		if err != nil {
			cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer ccancel()
			if cerr := c.Close(cctx); cerr != nil {
				c.log.Warn("cleanup after a failed start", "error", cerr)
			}
			c = nil
		}
	}()
	if err := c.start(tcCtx); err != nil {
		if ctx.Err() != nil {
			return c, fmt.Errorf("starting the cluster: %w", ctx.Err())
		}
		return c, fmt.Errorf("starting the cluster: %w", err)
	}
	return c, nil
}

// randomKey returns a random API key.
func randomKey() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (c *Cluster) labels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{labelRun: c.run, labelHost: host, labelPID: strconv.Itoa(os.Getpid())}
}

func (c *Cluster) name(parts ...string) string { return c.run + "-" + strings.Join(parts, "-") }

func (c *Cluster) start(ctx context.Context) error {
	n := len(c.cfg.Regions)
	for _, r := range c.cfg.Regions {
		nw, err := tcnetwork.New(ctx, tcnetwork.WithLabels(c.labels()))
		if err != nil {
			return fmt.Errorf("network of region %s: %w", r, err)
		}
		c.nets = append(c.nets, nw)
	}
	if err := c.startProxy(ctx); err != nil {
		return err
	}
	c.Regions = make([]*Region, n)
	for i, r := range c.cfg.Regions {
		c.Regions[i] = &Region{Name: r, Index: i, cockroach: c.Cockroach()}
	}
	if c.Cockroach() {
		if err := c.startCockroach(ctx); err != nil {
			return err
		}
	} else if err := c.startPatroni(ctx); err != nil {
		return err
	}
	c.log.Info("migrating ward's schema")
	if err := c.migrate(ctx); err != nil {
		return err
	}
	c.log.Info("starting ward")
	g, gctx := errgroup.WithContext(ctx)
	for i, r := range c.Regions {
		g.Go(func() (err error) {
			r.Ward, err = c.startNode(gctx, i, "ward", WardImage, map[string]string{"WARD_TOKEN_SECRETS": c.tokenSecret, "WARD_API_KEYS": c.APIKey, "WARD_ADMIN_API_KEYS": c.AdminKey}, c.wardCmd(i), []int{4466, 4467})
			if err != nil {
				return err
			}
			return c.WaitWardReady(gctx, r)
		})
	}
	return g.Wait()
}

// Cockroach reports whether the database tier is CockroachDB rather than Patroni.
func (c *Cluster) Cockroach() bool { return c.cfg.CockroachImage != "" }

func (c *Cluster) startPatroni(ctx context.Context) error {
	c.log.Info("starting etcd and Patroni", "run", c.run)
	g, gctx := errgroup.WithContext(ctx)
	for i, r := range c.Regions {
		g.Go(func() (err error) {
			r.Etcd, err = c.startNode(gctx, i, "etcd", DBImage, c.etcdEnv(i), nil, nil)
			return err
		})
		g.Go(func() (err error) {
			r.PG, err = c.startNode(gctx, i, "pg", DBImage, c.patroniEnv(i), nil, []int{5432, 8008})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return c.waitPatroni(ctx)
}

// startProxy starts Toxiproxy on every region network and makes its proxies, with the
// latency of each link between regions.
func (c *Cluster) startProxy(ctx context.Context) error {
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithName(c.name("xr")),
		testcontainers.WithLabels(c.labels()),
		testcontainers.WithLogger(tclog.NewNoopLogger()),
	}
	for _, nw := range c.nets {
		opts = append(opts, tcnetwork.WithNetwork([]string{proxyAlias}, nw))
	}
	ctr, ports, err := c.run1(ctx, ProxyImage, opts, []int{8474})
	if err != nil {
		return fmt.Errorf("toxiproxy: %w", err)
	}
	c.toxi = newToxiClient(fmt.Sprintf("http://127.0.0.1:%d", ports["8474"]))
	if err := c.toxi.waitUp(ctx); err != nil {
		return err
	}
	info, err := ctr.Inspect(ctx)
	if err != nil {
		return err
	}
	for viewer, nw := range c.nets {
		ep := info.NetworkSettings.Networks[nw.Name]
		if ep == nil || !ep.IPAddress.IsValid() {
			return fmt.Errorf("toxiproxy has no address in the network of region %s", c.cfg.Regions[viewer])
		}
		for target := range c.cfg.Regions {
			for _, s := range services {
				name := proxyName(viewer, target, s.base)
				listen := net.JoinHostPort(ep.IPAddress.String(), strconv.Itoa(s.base+target))
				upstream := net.JoinHostPort(c.name(s.kind, c.cfg.Regions[target]), strconv.Itoa(c.servicePort(s.base, s.port)))
				if err := c.toxi.create(ctx, name, listen, upstream); err != nil {
					return err
				}
			}
		}
	}
	return c.SetLatency(ctx, 1)
}

func proxyName(viewer, target, base int) string {
	return fmt.Sprintf("v%d-t%d-%d", viewer, target, base)
}

func (c *Cluster) etcdEnv(i int) map[string]string {
	var initial []string
	for j, r := range c.cfg.Regions {
		initial = append(initial, fmt.Sprintf("etcd-%s=http://%s:%d", r, proxyAlias, svcEtcdPeer+j))
	}
	return map[string]string{
		"ROLE":                             "etcd",
		"ETCD_NAME":                        "etcd-" + c.cfg.Regions[i],
		"ETCD_INITIAL_CLUSTER":             strings.Join(initial, ","),
		"ETCD_INITIAL_ADVERTISE_PEER_URLS": fmt.Sprintf("http://%s:%d", proxyAlias, svcEtcdPeer+i),
		"ETCD_ADVERTISE_CLIENT_URLS":       fmt.Sprintf("http://%s:%d", proxyAlias, svcEtcd+i),
		// etcd's defaults (100 ms, 1 s), which leave ten round trips of the slowest link (80 ms)
		// before a follower calls an election. No more slack: a new etcd leader renews every
		// lease, Patroni's leader key included, for a full ttl plus its election timeout, so
		// when the etcd leader is lost with the database leader's region, failover waits for the
		// election (one to two election timeouts), one more election timeout, and a ttl. With
		// 150 ms and 1.5 s writes resumed after up to 22.8 s in region-partition (CI,
		// 2026-12-04), beyond the 20 s bound.
		"ETCD_HEARTBEAT_INTERVAL": "100",
		"ETCD_ELECTION_TIMEOUT":   "1000",
	}
}

func (c *Cluster) etcdHosts() string {
	var hosts []string
	for j := range c.cfg.Regions {
		hosts = append(hosts, fmt.Sprintf("%s:%d", proxyAlias, svcEtcd+j))
	}
	return strings.Join(hosts, ",")
}

func (c *Cluster) patroniEnv(i int) map[string]string {
	return map[string]string{
		"ROLE":                               "patroni",
		"PATRONI_NAME":                       "pg-" + c.cfg.Regions[i],
		"PATRONI_ETCD3_HOSTS":                c.etcdHosts(),
		"PATRONI_POSTGRESQL_CONNECT_ADDRESS": fmt.Sprintf("%s:%d", proxyAlias, svcPG+i),
		"PATRONI_RESTAPI_CONNECT_ADDRESS":    fmt.Sprintf("%s:%d", proxyAlias, svcPatroni+i),
	}
}

// primaryDSN is the multi-host DSN of the writable node, as region i's containers reach it.
// On CockroachDB every node takes writes: region i's own node comes first, the others follow
// in case it is gone.
func (c *Cluster) primaryDSN(i int) string {
	var hosts, ports []string
	for k := range c.cfg.Regions {
		j := (i + k) % len(c.cfg.Regions)
		hosts = append(hosts, proxyAlias)
		ports = append(ports, strconv.Itoa(svcPG+j))
	}
	if c.Cockroach() {
		return fmt.Sprintf("host=%s port=%s user=root dbname=ward sslmode=disable connect_timeout=2",
			strings.Join(hosts, ","), strings.Join(ports, ","))
	}
	return fmt.Sprintf("host=%s port=%s user=ward password=ward dbname=ward sslmode=disable connect_timeout=2 target_session_attrs=read-write",
		strings.Join(hosts, ","), strings.Join(ports, ","))
}

func (c *Cluster) dialect() string {
	if c.Cockroach() {
		return "cockroachdb-multiregion"
	}
	return "postgres"
}

func (c *Cluster) wardCmd(i int) []string {
	cmd := []string{"serve", "--dsn", c.primaryDSN(i)}
	if !c.Cockroach() {
		// CockroachDB serves stale reads from the nearest replica by itself (follower reads).
		// Reads from the region's own node; while the primary is away, heads from a majority of
		// all nodes, the region's own first (a DSN listed in both shares its connections).
		node := func(j int) string {
			return fmt.Sprintf("host=%s port=%d user=ward password=ward dbname=ward sslmode=disable connect_timeout=2", proxyAlias, svcPG+j)
		}
		quorum := []string{node(i)}
		for k := 1; k < len(c.cfg.Regions); k++ {
			quorum = append(quorum, node((i+k)%len(c.cfg.Regions)))
		}
		cmd = append(cmd, "--replica-dsns", node(i), "--quorum-dsns", strings.Join(quorum, ","))
	}
	return append(cmd,
		"--public-addr", "0.0.0.0:4466",
		"--admin-addr", "0.0.0.0:4467",
		"--max-staleness", c.cfg.MaxStaleness.String(),
		// One issuer for all nodes, as behind a load balancer that terminates TLS: a token taken
		// from one is introspected at another.
		"--issuer", "https://ward.chaos.test",
		"--shutdown-timeout", "5s",
		// The identity service over the same database, with the workload's schema (passed
		// whole, so that no file needs to be in the image).
		"--identity-enabled",
		"--identity-schemas", IdentitySchemaID+"=base64://"+base64.StdEncoding.EncodeToString([]byte(identitySchema)),
		// Cheap password hashes: the scenarios test availability, not hashing, and argon2id's
		// default (64 MiB, two passes: some 85 ms of a core a login) would take the CPU the
		// failover needs. Hashes carry their parameters, so these verify as cheaply.
		"--identity-argon2-memory", "1024", // KiB: 1 MiB, one pass, about 1 ms
		"--identity-argon2-iterations", "1",
		"--log-format", "json",
		"--log-level", "warn",
	)
}

// migrate runs `ward migrate up` once, in a container of the first region.
func (c *Cluster) migrate(ctx context.Context) error {
	ctr, err := testcontainers.Run(ctx, WardImage,
		testcontainers.WithName(c.name("migrate")),
		testcontainers.WithLabels(c.labels()),
		testcontainers.WithLogger(tclog.NewNoopLogger()),
		tcnetwork.WithNetwork(nil, c.nets[0]),
		testcontainers.WithCmd("migrate", "up", "--dsn", c.primaryDSN(0), "--dialect", c.dialect()),
	)
	if err != nil {
		return fmt.Errorf("ward migrate: %w", err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := ctr.State(ctx)
		if err != nil {
			return fmt.Errorf("ward migrate: %w", err)
		}
		if !st.Running {
			if st.ExitCode != 0 {
				return fmt.Errorf("ward migrate exited with %d: %s", st.ExitCode, c.tail(ctx, ctr))
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ward migrate still runs after a minute: %s", c.tail(ctx, ctr))
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}

// tail returns the last lines of a container's logs, for an error message.
func (c *Cluster) tail(ctx context.Context, ctr *testcontainers.DockerContainer) string {
	rc, err := ctr.Logs(ctx)
	if err != nil {
		return "(no logs: " + err.Error() + ")"
	}
	defer rc.Close()
	buf := make([]byte, 64<<10)
	n, _ := readFull(rc, buf)
	lines := strings.Split(strings.TrimSpace(string(buf[:n])), "\n")
	return strings.Join(lines[max(0, len(lines)-10):], " | ")
}

func readFull(r interface{ Read([]byte) (int, error) }, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// startNode starts one container of region i and publishes its ports on 127.0.0.1.
func (c *Cluster) startNode(ctx context.Context, i int, role, image string, env map[string]string, cmd []string, ports []int) (*Node, error) {
	name := c.name(role, c.cfg.Regions[i])
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithName(name),
		testcontainers.WithLabels(c.labels()),
		testcontainers.WithLogger(tclog.NewNoopLogger()),
		tcnetwork.WithNetwork(nil, c.nets[i]),
	}
	if env != nil {
		opts = append(opts, testcontainers.WithEnv(env))
	}
	if cmd != nil {
		opts = append(opts, testcontainers.WithCmd(cmd...))
	}
	ctr, published, err := c.run1(ctx, image, opts, ports)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Node{Name: name, Role: role, ctr: ctr, ports: published}, nil
}

// run1 starts a container whose ports are bound to fixed free ports of 127.0.0.1, so that they
// stay the same across a restart; it tries again when a port was taken meanwhile.
func (c *Cluster) run1(ctx context.Context, image string, opts []testcontainers.ContainerCustomizer, ports []int) (*testcontainers.DockerContainer, map[string]int, error) {
	var lastErr error
	for range 3 {
		published := map[int]int{}
		for _, p := range ports {
			hp, err := freePort()
			if err != nil {
				return nil, nil, err
			}
			published[p] = hp
		}
		all := append(append([]testcontainers.ContainerCustomizer{}, opts...), publish(published)...)
		ctr, err := testcontainers.Run(ctx, image, all...)
		if err != nil {
			lastErr = err
			if ctr != nil {
				_ = ctr.Terminate(context.WithoutCancel(ctx))
			}
			if strings.Contains(err.Error(), "port is already allocated") || strings.Contains(err.Error(), "address already in use") {
				continue
			}
			return nil, nil, err
		}
		out := map[string]int{}
		for p, hp := range published {
			out[strconv.Itoa(p)] = hp
		}
		return ctr, out, nil
	}
	return nil, nil, lastErr
}

// publish binds each container port of m to its host port on 127.0.0.1.
func publish(m map[int]int) []testcontainers.ContainerCustomizer {
	if len(m) == 0 {
		return nil
	}
	var exposed []string
	for p := range m {
		exposed = append(exposed, fmt.Sprintf("%d/tcp", p))
	}
	return []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(exposed...),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.PortBindings = network.PortMap{}
			for p, hp := range m {
				hc.PortBindings[network.MustParsePort(fmt.Sprintf("%d/tcp", p))] = []network.PortBinding{
					{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: strconv.Itoa(hp)},
				}
			}
		}),
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WaitWardReady waits until r's ward node answers /health/ready (at most a minute).
func (c *Cluster) WaitWardReady(ctx context.Context, r *Region) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	url := r.AdminURL() + "/health/ready"
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		rctx, rcancel := context.WithTimeout(ctx, 2*time.Second)
		req.Header.Set("Authorization", "Bearer "+c.AdminKey)
		res, err := http.DefaultClient.Do(req.WithContext(rctx))
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				rcancel()
				return nil
			}
		}
		rcancel()
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return fmt.Errorf("ward in region %s is not ready: %s", r.Name, c.tail(context.WithoutCancel(ctx), r.Ward.ctr))
		}
	}
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

// Close removes every container and network of the cluster, also those whose handles were
// lost: it lists them by the run's label.
func (c *Cluster) Close(ctx context.Context) error {
	if c == nil || c.docker == nil {
		return nil
	}
	err := removeLabeled(ctx, c.docker, labelRun+"="+c.run, nil)
	if cerr := c.docker.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	return err
}

// RemoveOrphans removes the containers and networks of chaos runs on this host whose process
// is gone (one killed before it could clean up).
func RemoveOrphans(ctx context.Context) error {
	docker, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return err
	}
	defer docker.Close()
	host, _ := os.Hostname()
	return removeLabeled(ctx, docker, labelHost+"="+host, func(labels map[string]string) bool { return !alive(labels[labelPID]) })
}

func removeLabeled(ctx context.Context, docker *testcontainers.DockerClient, label string, keep func(map[string]string) bool) error {
	f := client.Filters{}.Add("label", label)
	list, err := docker.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return fmt.Errorf("listing the chaos containers: %w", err)
	}
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, ct := range list.Items {
		if keep != nil && !keep(ct.Labels) {
			continue
		}
		wg.Go(func() {
			// A paused container must be unpaused before it can be killed.
			if ct.State == "paused" {
				_, _ = docker.ContainerUnpause(ctx, ct.ID, client.ContainerUnpauseOptions{})
			}
			if _, err := docker.ContainerRemove(ctx, ct.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	nets, err := docker.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, n := range nets.Items {
		if keep != nil && !keep(n.Labels) {
			continue
		}
		if _, err := docker.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// alive reports whether the process pid, which labelled a run's resources, still runs; true when
// that cannot be told, so that nothing is removed by mistake.
func alive(pid string) bool {
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return true
	}
	p, err := os.FindProcess(n)
	if err != nil {
		return true
	}
	// EPERM means it runs under another user: alive. Only a finished process is dead.
	return !errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// Count returns how many containers and networks of c's run exist.
func Count(ctx context.Context, c *Cluster) (int, error) {
	return countLabeled(ctx, labelRun+"="+c.run)
}

// Leftovers returns how many containers and networks this process's runs left behind.
func Leftovers(ctx context.Context) (int, error) {
	return countLabeled(ctx, labelPID+"="+strconv.Itoa(os.Getpid()))
}

func countLabeled(ctx context.Context, label string) (int, error) {
	docker, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return 0, err
	}
	defer docker.Close()
	f := client.Filters{}.Add("label", label)
	list, err := docker.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return 0, err
	}
	nets, err := docker.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return 0, err
	}
	return len(list.Items) + len(nets.Items), nil
}

// SaveLogs writes the logs of every node into dir, one file per container (for a report's
// reader to see what Patroni, etcd and ward said through the faults).
func (c *Cluster) SaveLogs(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []error
	for _, r := range c.Regions {
		for _, n := range []*Node{r.Etcd, r.PG, r.Ward} {
			if n == nil {
				continue
			}
			if err := saveLogs(ctx, n.ctr, filepath.Join(dir, n.Role+"-"+r.Name+".log")); err != nil {
				errs = append(errs, fmt.Errorf("logs of %s: %w", n.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

func saveLogs(ctx context.Context, ctr *testcontainers.DockerContainer, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rc, err := ctr.Logs(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
