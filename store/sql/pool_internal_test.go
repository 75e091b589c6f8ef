package sql

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// TestLostConnectionsFreeTheirPlace: the primary freezes (as a stalled server, or one cut off, does:
// connections are accepted and nothing is answered) while every connection of the pool is in a
// query; the queries' contexts end; then new connections reach a working primary. A write must
// get a connection at once, not once the lost ones are cleaned up. pgx's cleanup of each lost connection waits 15 s for the frozen
// server to take a cancel request, and when the pool kept their places until then, every write
// waited that long.
func TestLostConnectionsFreeTheirPlace(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Shared(t).NewMigratedDatabase(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	px := startFreezingProxy(t, u.Host)
	u.Host = px.addr()
	const conns = 2
	s, err := Open(ctx, u.String(), WithMaxConns(conns))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	noop := func(context.Context, store.Tx) error { return nil }
	// Both places hold a connection to the primary when it freezes, each in a query.
	var held [conns]*pgxpool.Conn
	for i := range held {
		if held[i], err = s.primary.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	px.freeze()
	var wg sync.WaitGroup
	for _, c := range held {
		wg.Go(func() {
			qctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			if _, err := c.Exec(qctx, `UPDATE ward_head SET revision = revision`); err == nil {
				t.Error("a write to the frozen primary succeeded")
			}
			s.primary.release(c)
		})
	}
	wg.Wait()
	px.thawNew()

	// 5 s is a third of pgx's cleanup bound: a pool that waits for the cleanup cannot make it.
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := s.Transact(wctx, noop); err != nil {
		t.Fatalf("a write after the primary came back, %v after: %v", time.Since(start), err)
	}
}

// freezingProxy forwards TCP connections to a server until frozen; then it stops forwarding on
// every connection it has and holds new ones without answering, until thawNew lets new
// connections through again (the old ones stay frozen).
type freezingProxy struct {
	t      *testing.T
	ln     net.Listener
	target string

	mu     sync.Mutex
	frozen bool
	stuck  chan struct{} // closed by freeze: the connections forwarded until then stop
	conns  []net.Conn
}

func startFreezingProxy(t *testing.T, target string) *freezingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezingProxy{t: t, ln: ln, target: target, stuck: make(chan struct{})}
	t.Cleanup(p.close)
	go p.serve()
	return p
}

func (p *freezingProxy) addr() string { return p.ln.Addr().String() }

func (p *freezingProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = true
	close(p.stuck)
}

func (p *freezingProxy) thawNew() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = false
	p.stuck = make(chan struct{})
}

func (p *freezingProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

func (p *freezingProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns = append(p.conns, c)
		frozen, stuck := p.frozen, p.stuck
		p.mu.Unlock()
		if frozen {
			continue // accepted by the kernel, never answered
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.t.Errorf("proxy: %v", err)
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, up)
		p.mu.Unlock()
		go pipeUntil(stuck, up, c)
		go pipeUntil(stuck, c, up)
	}
}

// pipeUntil copies from src to dst until stuck is closed; then it copies nothing more, and
// leaves both open.
func pipeUntil(stuck <-chan struct{}, dst io.Writer, src io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		select {
		case <-stuck:
			return
		default:
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
