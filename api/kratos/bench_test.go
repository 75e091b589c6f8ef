package kratos_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wardhq/ward/api"
	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/identity"
	pingv1 "github.com/wardhq/ward/proto/ward/ping/v1"
	"github.com/wardhq/ward/proto/ward/ping/v1/pingv1connect"
	"github.com/wardhq/ward/store/memory"
)

// BenchmarkWhoami compares, in one run, the public listener's no-op RPC (ward load's noop
// baseline, Connect's Ping) with a warm GET /sessions/whoami answered from the session cache,
// over HTTP on loopback with 16 × GOMAXPROCS concurrent callers, on one handler as ward serve
// mounts it. The target is whoami ≥ 50% of noop's requests per second (req/s).
func BenchmarkWhoami(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, ids := startIdentity(b)
	go func() { _ = ids.Run(ctx) }()
	const sessions = 100
	tokens := make([]string, sessions)
	idOf := make([][]byte, sessions)
	for n := range tokens {
		i, err := ids.CreateIdentity(ctx, identity.CreateIdentityBody{Traits: []byte(fmt.Sprintf(`{"email":"u%d@example.com"}`, n))})
		if err != nil {
			b.Fatal(err)
		}
		_, tok, err := ids.IssueSession(ctx, i.ID, identity.AuthenticationMethod{Method: "password"}, identity.Device{})
		if err != nil {
			b.Fatal(err)
		}
		tokens[n], idOf[n] = tok, []byte(`"identity":{"id":"`+i.ID+`"`)
	}
	for ids.SessionStats().Polls == 0 { // the cache answers once the invalidations were polled
		time.Sleep(time.Millisecond)
	}
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	ping := pingv1connect.NewPingServiceClient(httpClient, url)
	whoami := func(i int) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/sessions/whoami", nil)
		if err != nil {
			return err
		}
		req.Header.Set("X-Session-Token", tokens[i%sessions])
		res, err := httpClient.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		switch {
		case err != nil:
			return err
		case res.StatusCode != http.StatusOK || !bytes.Contains(body, idOf[i%sessions]):
			return fmt.Errorf("whoami: %d %s, want the session of token %d", res.StatusCode, body, i%sessions)
		}
		return nil
	}
	for i := range sessions { // warm: every session in the cache
		if err := whoami(i); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		name string
		call func(i int) error
	}{
		{"noop", func(int) error {
			_, err := ping.Ping(ctx, connect.NewRequest(&pingv1.PingRequest{}))
			return err
		}},
		{"whoami", whoami},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					if err := bc.call(i); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
	if st := ids.SessionStats(); st.CacheHits == 0 {
		b.Fatalf("no whoami was answered from the cache: %+v", st)
	}
}

// startIdentity serves the public handler, with the identity service over the memory store, on a
// loopback listener, and returns its URL and the service.
func startIdentity(tb testing.TB) (string, *identity.Service) {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ids, h := newHandler(tb, memory.NewIdentityStore(), url, time.Now, log, envOptions{})
	obs, err := middleware.NewObservers(prometheus.NewRegistry(), log, "public")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: api.NewPublicHandler(api.Services{Identity: h}, obs["public"]), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	tb.Cleanup(func() { srv.Close() })
	return url, ids
}
