// Package pgtest starts throwaway PostgreSQL servers for tests, from the locally built image
// [Image] (scripts/build-test-images.sh; `make images`, which `make test` runs first).
//
// [Start] gives a test its own server, [StartPair] a primary with a streaming hot-standby
// replica, and [Shared] one server per test binary, on which each test makes its own database
// with [Server.NewDatabase]:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestStore(t *testing.T) {
//		dsn := pgtest.Shared(t).NewDatabase(t)
//		...
//	}
//
// The servers run in Docker containers through testcontainers-go, with durability traded for
// speed (fsync off). Testcontainers' reaper (Ryuk) cannot be pulled here, so it must be turned
// off with TESTCONTAINERS_RYUK_DISABLED=true (the Makefile exports it); containers are removed by
// the tests' cleanups instead. A test binary that is killed (a panic, a -timeout, ^C) leaves its
// containers behind; the next start of a server on the same host removes them.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// Image is the Docker image that the servers run: PostgreSQL 17 on Debian 13, built locally by
// scripts/build-test-images.sh (no registry has it).
const Image = "ward-test-postgres:17"

// buildCommand is what a developer runs when [Image] is missing.
const buildCommand = "make images (or scripts/build-test-images.sh)"

const (
	// startTimeout bounds starting a container and waiting until it answers SELECT 1.
	startTimeout = 2 * time.Minute
	// stopTimeout is how long docker waits for PostgreSQL's fast shutdown before it kills it.
	stopTimeout = 10 * time.Second
	// pollInterval is the pause between two tries while waiting for a server.
	pollInterval = 25 * time.Millisecond
)

// Server is one PostgreSQL server in a container. Its host port is fixed when it starts, so
// [Server.DSN] and the DSNs of [Server.NewDatabase] stay valid across [Server.Restart].
// A Server is safe for concurrent use.
type Server struct {
	ctr  *testcontainers.DockerContainer
	port int // on 127.0.0.1
	// databases counts the databases made by NewDatabase, to name them.
	databases atomic.Int64
	stopped   atomic.Bool
}

// Start starts a primary server for the test and stops it when the test and its subtests
// end. It fails the test when the server cannot be started, for example when [Image] has not
// been built.
func Start(t testing.TB) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	s, err := start(ctx, tclog.TestLogger(t))
	if s != nil {
		t.Cleanup(func() { s.cleanup(t) })
	}
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return s
}

// DSN returns the URL of the server's database ward, as its superuser ward:
// postgres://ward:ward@127.0.0.1:PORT/ward?sslmode=disable.
func (s *Server) DSN() string { return s.dsn("ward") }

// NewDatabase creates an empty database on the server, a primary, for this test, and returns
// its URL; the database is dropped when the test ends. Many tests can thus share one server
// (see [Shared]) without seeing each other's data.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := "test_" + strconv.FormatInt(s.databases.Add(1), 10)
	// The name is made here, from digits: nothing to quote.
	if err := s.exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: new database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE ends the connections that the test left open. A server that the test stopped
		// has nothing left to drop.
		if err := s.exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil && s.running(ctx) {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return s.dsn(name)
}

// Restart restarts the server's container (a fast shutdown, then a start) and returns when
// the server answers again. Data and DSNs survive it: the host port stays the same, unless
// another process took it while the server was down, in which case Restart fails.
// Open connections are closed by the restart.
func (s *Server) Restart(ctx context.Context) error {
	timeout := stopTimeout
	if err := s.ctr.Stop(ctx, &timeout); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	if err := s.ctr.Start(ctx); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	if err := s.waitReady(ctx); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	return nil
}

// Stop stops the server and removes its container; the Server is unusable afterwards, and
// calling Stop again does nothing. A test need not call it: [Start] and [StartPair] stop their
// servers when the test ends.
func (s *Server) Stop(ctx context.Context) error {
	if s.stopped.Swap(true) {
		return nil
	}
	if err := s.ctr.Terminate(ctx, testcontainers.StopTimeout(stopTimeout)); err != nil {
		return fmt.Errorf("stop %s: %w", s.name(), err)
	}
	return nil
}

// start creates and starts a container of Image, then waits until it answers SELECT 1. It
// returns the Server whenever a container was created, even with an error, so that the caller
// can remove it. Extra customizers (network, environment) apply on top of the defaults.
func start(ctx context.Context, logger tclog.Logger, opts ...testcontainers.ContainerCustomizer) (*Server, error) {
	if !testcontainers.ReadConfig().Config.RyukDisabled {
		return nil, errors.New("testcontainers' reaper (Ryuk) is on, and its image cannot be pulled " +
			"here: set TESTCONTAINERS_RYUK_DISABLED=true (the Makefile exports it)")
	}
	if err := prepare(ctx, logger); err != nil {
		return nil, err
	}
	// The host port is chosen here and bound explicitly, rather than left to Docker, because
	// Docker may give a restarted container another ephemeral port.
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		all := append([]testcontainers.ContainerCustomizer{
			testcontainers.WithLogger(logger),
			testcontainers.WithLabels(ownerLabels()),
			testcontainers.WithExposedPorts("5432/tcp"),
			testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
				hc.PortBindings = network.PortMap{
					network.MustParsePort("5432/tcp"): {{HostIP: netip.MustParseAddr(loopback), HostPort: strconv.Itoa(port)}},
				}
			}),
		}, opts...)
		ctr, err := testcontainers.Run(ctx, Image, all...)
		if err != nil {
			lastErr = fmt.Errorf("start %s: %w", Image, err)
			if ctr != nil {
				_ = ctr.Terminate(context.WithoutCancel(ctx))
			}
			if isPortTaken(err) {
				continue
			}
			return nil, lastErr
		}
		s := &Server{ctr: ctr, port: port}
		if err := s.waitReady(ctx); err != nil {
			return s, err
		}
		return s, nil
	}
	return nil, lastErr
}

// cleanup removes the server's container at the end of a test.
func (s *Server) cleanup(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Errorf("pgtest: %v", err)
	}
}

// prepare fails with the command to run when Image is missing (testcontainers would otherwise
// try to pull it, and retry for minutes), and removes what dead test processes left behind.
func prepare(ctx context.Context, logger tclog.Logger) error {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return fmt.Errorf("docker: %w", err)
	}
	defer cli.Close()
	if _, err := cli.ImageInspect(ctx, Image); err != nil {
		return fmt.Errorf("image %s is missing (%w); build it: %s", Image, err, buildCommand)
	}
	if err := removeOrphans(ctx, cli); err != nil {
		logger.Printf("pgtest: removing containers left by ended test processes: %v", err)
	}
	return nil
}

// loopback is the host address that the servers' ports are bound to.
const loopback = "127.0.0.1"

// freePort returns a TCP port that is free on the loopback address now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(loopback, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// isPortTaken reports whether a container could not start because its host port was taken
// between freePort and the start.
func isPortTaken(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "port is already allocated") || strings.Contains(msg, "address already in use")
}

func (s *Server) dsn(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword("ward", "ward"),
		Host:     net.JoinHostPort(loopback, strconv.Itoa(s.port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// name names the server in errors: its container's short ID.
func (s *Server) name() string {
	id := s.ctr.GetContainerID()
	return "container " + id[:min(12, len(id))]
}

// connect opens one connection to the server's database ward.
func (s *Server) connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, s.DSN())
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", s.name(), err)
	}
	return conn, nil
}

// exec runs one statement on the server's database ward, on a connection of its own.
func (s *Server) exec(ctx context.Context, sql string, args ...any) error {
	conn, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("%s: %w", s.name(), err)
	}
	return nil
}

// waitReady waits until SELECT 1 succeeds through the host port, or the container exits, or
// startTimeout passes; the errors of the last two carry the end of the container's log.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		err := s.ping(ctx)
		if err == nil {
			return nil
		}
		if !s.running(ctx) {
			return fmt.Errorf("%s exited: %w\n%s", s.name(), err, s.logTail())
		}
		if sleep(ctx, pollInterval) != nil {
			return fmt.Errorf("%s did not answer SELECT 1: %w\n%s", s.name(), err, s.logTail())
		}
	}
}

// ping runs SELECT 1 on a new connection.
func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return s.exec(ctx, "SELECT 1")
}

// running reports whether the container is running; false when that cannot be told.
func (s *Server) running(ctx context.Context) bool {
	state, err := s.ctr.State(ctx)
	return err == nil && state.Running
}

// logTail returns the last lines of the container's log, for error messages.
func (s *Server) logTail() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := s.ctr.Logs(ctx)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	const keep = 4000
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return "container log (end):\n" + string(b)
}
