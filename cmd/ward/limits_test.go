package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	permv1 "github.com/wardhq/ward/proto/ward/permission/v1"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
)

const (
	checkPath = "/ward.permission.v1.PermissionService/Check"
	pingPath  = "/ward.ping.v1.PingService/Ping"
	// The bound on what one refused request may make the process allocate, all of it: the
	// server holds at most a message of max_request_bytes (4 MiB) and its buffers.
	memoryBound = 64 << 20
)

// TestGzipBombRefused sends a Check whose 1 MB gzip body inflates to 1 GiB, over the Connect
// protocol (HTTP/1.1) and gRPC (h2c), and checks that it is refused as resource_exhausted at
// once, with the process allocating a bounded amount meanwhile.
func TestGzipBombRefused(t *testing.T) {
	public, _, _ := startServer(t)
	bomb := gzipBomb(t, 1<<30)
	t.Logf("bomb: %d bytes of gzip, %d inflated", len(bomb), 1<<30)
	envelope := binary.BigEndian.AppendUint32([]byte{1}, uint32(len(bomb)))
	for _, tc := range []struct {
		name   string
		client *http.Client
		header http.Header
		body   []byte
	}{
		{"connect", http.DefaultClient, http.Header{"Content-Type": {"application/proto"}, "Content-Encoding": {"gzip"}}, bomb},
		{"grpc", h2cClient(), http.Header{"Content-Type": {"application/grpc"}, "Grpc-Encoding": {"gzip"}, "Te": {"trailers"}}, append(envelope, bomb...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var res *http.Response
			var body []byte
			var elapsed time.Duration
			allocated, peak := memoryDuring(func() {
				res, body, elapsed = post(t, tc.client, public+checkPath, tc.header, bytes.NewReader(tc.body), int64(len(tc.body)))
			})
			t.Logf("%s: %s, %q %s; %s; allocated %d MiB, heap in use grew at most %d MiB", tc.name, res.Status, body, res.Trailer.Get("Grpc-Message")+res.Header.Get("Grpc-Message"), elapsed, allocated>>20, peak>>20)
			wantResourceExhausted(t, res, body)
			if elapsed > 2*time.Second {
				t.Errorf("refusing the bomb took %s, want well under 2s", elapsed)
			}
			if allocated > memoryBound {
				t.Errorf("the process allocated %d MiB while refusing the bomb, want under %d MiB", allocated>>20, memoryBound>>20)
			}
		})
	}
}

// TestLargeBodyRefused sends a 100 MB body to a Connect RPC (Connect protocol over HTTP/1.1, gRPC
// over h2c) and to the OAuth2 token endpoint, and checks that each is refused before the server
// has read it, with the process allocating a bounded amount meanwhile.
func TestLargeBodyRefused(t *testing.T) {
	public, _, _ := startServer(t)
	addr := strings.TrimPrefix(public, "http://")
	const size = 100 << 20
	for _, tc := range []struct {
		name string
		send func() (status int, body string, elapsed time.Duration)
		want func(status int, body string) bool
	}{
		{"connect", func() (int, string, time.Duration) {
			return rawPost(t, addr, checkPath, "application/proto", size)
		}, func(status int, body string) bool {
			return status == http.StatusTooManyRequests && strings.Contains(body, `"resource_exhausted"`)
		}},
		{"oauth2 token", func() (int, string, time.Duration) {
			return rawPost(t, addr, "/oauth2/token", "application/x-www-form-urlencoded", size)
		}, func(status int, body string) bool {
			return status == http.StatusBadRequest && strings.Contains(body, "longer than")
		}},
		{"grpc", func() (int, string, time.Duration) {
			prefix := binary.BigEndian.AppendUint32([]byte{0}, size)
			body := io.MultiReader(bytes.NewReader(prefix), io.LimitReader(zeros{}, size))
			res, b, elapsed := post(t, h2cClient(), public+checkPath,
				http.Header{"Content-Type": {"application/grpc"}, "Te": {"trailers"}}, body, int64(len(prefix))+size)
			return grpcStatus(res), string(b), elapsed
		}, func(status int, body string) bool { return status == int(connect.CodeResourceExhausted) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var status int
			var body string
			var elapsed time.Duration
			allocated, peak := memoryDuring(func() { status, body, elapsed = tc.send() })
			t.Logf("%s: %d %q; %s; allocated %d MiB, heap in use grew at most %d MiB", tc.name, status, body, elapsed, allocated>>20, peak>>20)
			if !tc.want(status, body) {
				t.Errorf("a 100 MB body: %d %q, want it refused as too large", status, body)
			}
			if elapsed > 2*time.Second {
				t.Errorf("refusing a 100 MB body took %s, want well under 2s", elapsed)
			}
			if allocated > memoryBound {
				t.Errorf("the process allocated %d MiB while refusing a 100 MB body, want under %d MiB", allocated>>20, memoryBound>>20)
			}
		})
	}
}

// TestSlowBodiesDisconnected opens many connections that send their headers and then one body
// byte a second, to a Connect RPC and to the OAuth2 token endpoint on the public listener and to
// the admin listener, and checks that the server closes every one of them once read_timeout is
// up; and that an HTTP/2 stream whose body trickles is ended too.
func TestSlowBodiesDisconnected(t *testing.T) {
	const readTimeout = time.Second
	public, admin, _ := startServerWith(t, func(c *serveConfig) { c.ReadTimeout = readTimeout })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type target struct{ base, path, contentType string }
	var targets []target
	for range 100 {
		targets = append(targets, target{public, pingPath, "application/json"})
	}
	targets = append(targets,
		target{public, "/oauth2/token", "application/x-www-form-urlencoded"},
		target{admin, "/ward.relationship.v1.RelationshipService/WriteRelationships", "application/json"})
	start := time.Now()
	var conns []net.Conn
	for _, tg := range targets {
		conns = append(conns, slowPost(ctx, t, strings.TrimPrefix(tg.base, "http://"), tg.path, tg.contentType))
	}
	// Each connection must be closed by the server: its reads end (after whatever error
	// response the server sent) before the client would have finished sending.
	limit := start.Add(readTimeout + 3*time.Second)
	var wg sync.WaitGroup
	open := make(chan string, len(conns))
	for i, c := range conns {
		wg.Go(func() {
			c.SetReadDeadline(limit)
			_, err := io.Copy(io.Discard, c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				open <- targets[i].base + targets[i].path
			}
		})
	}
	wg.Wait()
	close(open)
	stillOpen := map[string]int{}
	for p := range open {
		stillOpen[p]++
	}
	if len(stillOpen) > 0 {
		t.Errorf("connections still open %s after their headers, sending a byte a second, with read_timeout %s: %v", time.Since(start).Round(time.Millisecond), readTimeout, stillOpen)
	}
	t.Logf("%d slow connections closed by the server within %s", len(conns), time.Since(start).Round(time.Millisecond))

	// HTTP/2: the stream is ended and the client gets its answer, though the connection may live.
	rctx, rcancel := context.WithTimeout(ctx, readTimeout+3*time.Second)
	defer rcancel()
	req, _ := http.NewRequestWithContext(rctx, http.MethodPost, public+pingPath, trickle{ctx})
	req.Header.Set("Content-Type", "application/grpc")
	began := time.Now()
	res, err := h2cClient().Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	if rctx.Err() != nil {
		t.Errorf("an HTTP/2 stream whose body trickles was not ended within %s (read_timeout %s)", time.Since(began), readTimeout)
	}
	t.Logf("the HTTP/2 stream whose body trickles ended after %s: %v", time.Since(began).Round(time.Millisecond), err)
}

// TestRequestLimitsConfig checks the limits' configuration keys and their validation.
func TestRequestLimitsConfig(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // "" for valid
	}{
		{[]string{"--max-request-bytes", "1048576", "--read-timeout", "3s", "--request-timeout", "250ms", "--admin-hosts", "ward-admin.internal,10.0.0.7"}, ""},
		{[]string{"--max-request-bytes", "100"}, "max_request_bytes must be between"},
		{[]string{"--read-timeout", "0s"}, "read_timeout must be positive"},
		{[]string{"--request-timeout", "-1s"}, "request_timeout must be positive"},
		{[]string{"--admin-hosts", "http://ward"}, `admin_hosts: "http://ward" is not a host name`},
		{[]string{"--admin-hosts", "ward:4467"}, `admin_hosts: "ward:4467" is not a host name`},
		{[]string{"--admin-hosts", "*.example.com"}, `admin_hosts: "*.example.com" is not a host name`},
	} {
		cmd := newServeCommand(func() []string { return nil })
		if err := cmd.ParseFlags(tc.args); err != nil {
			t.Fatal(err)
		}
		cfg, err := loadServeConfig(cmd.Flags(), func() []string { return nil })
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case tc.want == "" && (cfg.MaxRequestBytes != 1<<20 || cfg.ReadTimeout != 3*time.Second || cfg.RequestTimeout != 250*time.Millisecond || len(cfg.AdminHosts) != 2):
			t.Errorf("%v: config %+v", tc.args, cfg)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
	d := defaultServeConfig()
	if d.MaxRequestBytes != 4<<20 || d.ReadTimeout != 30*time.Second || d.RequestTimeout != 5*time.Second || d.Pprof || len(d.AdminHosts) != 0 {
		t.Errorf("defaults: %+v", d)
	}
}

// TestWatchOutlivesTimeouts checks that a Watch stream over HTTP/1.1, a server-streaming RPC, is
// cut neither by request_timeout nor by read_timeout: it delivers a change made after both.
func TestWatchOutlivesTimeouts(t *testing.T) {
	public, admin, _ := startServerWith(t, func(c *serveConfig) {
		c.RequestTimeout = 100 * time.Millisecond
		c.ReadTimeout = 300 * time.Millisecond
	})
	if _, err := ward(t, public, admin, "", "schema", "write", "../../examples/schema.zed"); err != nil {
		t.Fatal(oneLine(err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rels := relationshipv1connect.NewRelationshipServiceClient(http.DefaultClient, admin)
	stream, err := rels.Watch(ctx, connect.NewRequest(&relv1.WatchRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	time.Sleep(time.Second)
	if _, err := ward(t, public, admin, "document:late#viewer@user:zoe\n", "tuples", "write", "-"); err != nil {
		t.Fatal(oneLine(err))
	}
	for stream.Receive() {
		for _, ch := range stream.Msg().GetChanges() {
			if ch.GetRelationship().GetResource().GetId() == "late" {
				return
			}
		}
	}
	t.Fatalf("the Watch stream ended without the change written after a second: %v", stream.Err())
}

// TestAdminHostAllowList sends requests with forged Host headers (as a page using DNS
// rebinding makes a browser send) to the admin listener over HTTP/1.1 and h2c, and checks that
// only loopback addresses, localhost and the configured admin_hosts are answered; the public
// listener answers every Host. pprof is off by default.
func TestAdminHostAllowList(t *testing.T) {
	public, admin, _ := startServerWith(t, func(c *serveConfig) { c.AdminHosts = []string{"ward-admin.internal"} })
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(admin, "http://"))
	for _, client := range []struct {
		name string
		c    *http.Client
	}{{"http1", http.DefaultClient}, {"h2c", h2cClient()}} {
		for _, tc := range []struct {
			host string
			want int
		}{
			{"127.0.0.1:" + port, http.StatusOK},
			{"localhost:" + port, http.StatusOK},
			{"LOCALHOST", http.StatusOK},
			{"[::1]:" + port, http.StatusOK},
			{"127.0.0.2", http.StatusOK}, // all of 127/8 is loopback
			{"ward-admin.internal:" + port, http.StatusOK},
			{"Ward-Admin.Internal.", http.StatusOK},
			{"evil.example:" + port, http.StatusMisdirectedRequest},
			{"evil.example", http.StatusMisdirectedRequest},
			{"127.0.0.1.evil.example", http.StatusMisdirectedRequest},
			{"localhost.evil.example:" + port, http.StatusMisdirectedRequest},
			{"ward-admin.internal.evil.example", http.StatusMisdirectedRequest},
			{"10.1.2.3:" + port, http.StatusMisdirectedRequest},
		} {
			for _, path := range []string{"/health/alive", pingPath} {
				method, body := http.MethodGet, io.Reader(nil)
				if path != "/health/alive" {
					method, body = http.MethodPost, strings.NewReader("{}")
				}
				req, _ := http.NewRequest(method, admin+path, body)
				req.Header.Set("Content-Type", "application/json")
				req.Host = tc.host
				res, err := client.c.Do(req)
				if err != nil {
					t.Fatalf("%s Host %s: %v", client.name, tc.host, err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != tc.want {
					t.Errorf("%s %s %s with Host %q: %s %q, want %d", client.name, method, path, tc.host, res.Status, b, tc.want)
				}
				if tc.want == http.StatusMisdirectedRequest && !strings.Contains(string(b), "admin_hosts") {
					t.Errorf("the refusal %q does not name admin_hosts", b)
				}
			}
		}
	}
	req, _ := http.NewRequest(http.MethodPost, public+pingPath, strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Host = "ward.example.com"
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("the public listener under a public name: %v %v, want 200", res, err)
	}
	if res, err := http.Get(admin + "/debug/pprof/"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/ without pprof: %v %v, want 404", res, err)
	}
}

// TestPprofSwitch checks that pprof: true serves the profiles on the admin listener only.
func TestPprofSwitch(t *testing.T) {
	public, admin, _ := startServerWith(t, func(c *serveConfig) { c.Pprof = true })
	if res, err := http.Get(admin + "/debug/pprof/"); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("GET /debug/pprof/ with pprof: %v %v, want 200", res, err)
	}
	if res, err := http.Get(public + "/debug/pprof/"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("public GET /debug/pprof/: %v %v, want 404", res, err)
	}
}

// gzipBomb returns gzip data that inflates to n zero bytes (a multiple of 16 MiB): copies of one
// gzip member, which gzip readers read one after the other.
func gzipBomb(t *testing.T, n int) []byte {
	t.Helper()
	const chunk = 16 << 20
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	if _, err := zw.Write(make([]byte, chunk)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(member.Bytes(), n/chunk)
}

// memoryDuring runs f and returns what the process allocated meanwhile, and by how much the
// heap in use grew at most (sampled every few milliseconds).
func memoryDuring(f func()) (allocated, peakGrowth uint64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				done <- peak
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	peak := <-done
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if peak > before.HeapInuse {
		peakGrowth = peak - before.HeapInuse
	}
	return after.TotalAlloc - before.TotalAlloc, peakGrowth
}

// post sends a request and returns the response with its body, read to the end (and trailers),
// and the time the exchange took.
func post(t *testing.T, c *http.Client, url string, h http.Header, body io.Reader, n int64) (*http.Response, []byte, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	req.ContentLength = n
	start := time.Now()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b, time.Since(start)
}

// wantResourceExhausted checks a Connect or gRPC answer of resource_exhausted.
func wantResourceExhausted(t *testing.T, res *http.Response, body []byte) {
	t.Helper()
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/grpc") {
		if s := grpcStatus(res); s != int(connect.CodeResourceExhausted) {
			t.Errorf("grpc-status %d (%s), want %d (resource_exhausted)", s, res.Trailer.Get("Grpc-Message")+res.Header.Get("Grpc-Message"), connect.CodeResourceExhausted)
		}
		return
	}
	if res.StatusCode != http.StatusTooManyRequests || !bytes.Contains(body, []byte(`"resource_exhausted"`)) {
		t.Errorf("answer %s %q, want 429 resource_exhausted", res.Status, body)
	}
}

// grpcStatus is the grpc-status of a gRPC answer, from its trailers or a trailers-only answer;
// -1 if it has none.
func grpcStatus(res *http.Response) int {
	s := res.Trailer.Get("Grpc-Status")
	if s == "" {
		s = res.Header.Get("Grpc-Status")
	}
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		return -1
	}
	return n
}

// rawPost sends over a TCP connection of its own a POST whose body is n zero bytes, written as
// fast as the server takes them, and returns the server's answer as soon as it comes (the
// server may answer before it has read the body) and the time it took.
func rawPost(t *testing.T, addr, path, contentType string, n int64) (status int, body string, elapsed time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	start := time.Now()
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", path, addr, contentType, n)
	go io.Copy(c, io.LimitReader(zeros{}, n)) // fails when the server closes the connection
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("POST %s with a %d-byte body: no answer: %v", path, n, err)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), time.Since(start)
}

// slowPost opens a connection, sends a POST's headers announcing a 1000-byte body, and then one
// byte of it a second until ctx ends or the server closes the connection.
func slowPost(ctx context.Context, t *testing.T, addr, path, contentType string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: 1000\r\n\r\n", path, addr, contentType); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			if _, err := c.Write([]byte("{")); err != nil {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}()
	return c
}

// trickle is a request body that yields a byte a second until ctx ends.
type trickle struct{ ctx context.Context }

func (tr trickle) Read(p []byte) (int, error) {
	select {
	case <-tr.ctx.Done():
		return 0, tr.ctx.Err()
	case <-time.After(time.Second):
	}
	p[0] = 0
	return 1, nil
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// h2cClient is an HTTP/2 client without TLS, as gRPC clients use on loopback.
func h2cClient() *http.Client {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: tr}
}

// TestRequestTimeout sends a CheckBulk that takes a minute (1000 denied checks of a document
// under 10,000 parent folders) with request_timeout 500ms, and checks that it fails with
// deadline_exceeded naming the bound, soon after the bound.
func TestRequestTimeout(t *testing.T) {
	public, admin, _ := startServerWith(t, func(c *serveConfig) { c.RequestTimeout = 500 * time.Millisecond })
	if _, err := ward(t, public, admin, "", "schema", "write", "../../examples/schema.zed"); err != nil {
		t.Fatal(oneLine(err))
	}
	// Writes are unary RPCs too: batches small enough to finish well within the bound.
	var out string
	for b := range 10 {
		var tuples strings.Builder
		for i := range 1000 {
			fmt.Fprintf(&tuples, "document:d#parent@folder:f%d\n", b*1000+i)
		}
		var err error
		if out, err = ward(t, public, admin, tuples.String(), "tuples", "write", "-"); err != nil {
			t.Fatal(oneLine(err))
		}
	}
	req := &permv1.CheckBulkRequest{Consistency: &relv1.Consistency{Requirement: &relv1.Consistency_AtLeastAsFresh{AtLeastAsFresh: strings.TrimSpace(out)}}}
	for i := range 1000 {
		req.Items = append(req.Items, &permv1.CheckBulkRequestItem{
			Resource: &relv1.ObjectReference{Type: "document", Id: "d"}, Permission: "view",
			Subject: &relv1.SubjectReference{Type: "user", Id: fmt.Sprintf("u%d", i)},
		})
	}
	start := time.Now()
	_, err := permissionv1connect.NewPermissionServiceClient(http.DefaultClient, public).CheckBulk(context.Background(), connect.NewRequest(req))
	elapsed := time.Since(start)
	t.Logf("CheckBulk: %v after %s", err, elapsed)
	if connect.CodeOf(err) != connect.CodeDeadlineExceeded || !strings.Contains(err.Error(), "request_timeout (500ms)") {
		t.Errorf("a CheckBulk longer than request_timeout: %v, want deadline_exceeded naming request_timeout", err)
	}
	if elapsed > 3*time.Second {
		t.Errorf("the CheckBulk ran %s with request_timeout 500ms", elapsed)
	}
}
