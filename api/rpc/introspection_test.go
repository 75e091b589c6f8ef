package rpc_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/wardhq/ward/api"
	"github.com/wardhq/ward/api/middleware"
	oauth2api "github.com/wardhq/ward/api/oauth2"
	"github.com/wardhq/ward/api/rpc"
	"github.com/wardhq/ward/oauth2"
	oauth2v1 "github.com/wardhq/ward/proto/ward/oauth2/v1"
	"github.com/wardhq/ward/proto/ward/oauth2/v1/oauth2v1connect"
	pingv1 "github.com/wardhq/ward/proto/ward/ping/v1"
	"github.com/wardhq/ward/proto/ward/ping/v1/pingv1connect"
	"github.com/wardhq/ward/store/memory"
)

// introspectionServer serves the public listener's routes with the OAuth2 server on, over the
// memory store, and returns its URL, a resource server's Authorization header and an access
// token that resource server may introspect.
func introspectionServer(tb testing.TB) (base, authorization, token string) {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	base = "http://" + l.Addr().String()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := oauth2.NewProvider(memory.NewOAuth2Store(), oauth2.Config{
		Issuer: base, LoginURL: base + "/login", ConsentURL: base + "/consent",
		TokenSecrets: [][]byte{[]byte("0123456789abcdef0123456789abcdef")}, Logger: log,
	})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	go p.Run(ctx)
	obs, err := middleware.NewObservers(prometheus.NewRegistry(), log, "public")
	if err != nil {
		tb.Fatal(err)
	}
	h := api.NewPublicHandler(api.Services{
		OAuth2:              oauth2api.NewHandler(p, log),
		PublicIntrospection: rpc.NewIntrospectionService(p, log, true),
	}, obs["public"])
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	tb.Cleanup(func() { srv.Close() })

	c, secret, err := p.CreateClient(ctx, oauth2.Client{
		ID: "resource-server", AuthMethod: oauth2.AuthClientSecretBasic,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}, Scopes: []string{"read"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	cc := clientcredentials.Config{ClientID: c.ID, ClientSecret: secret, TokenURL: base + oauth2.PathToken, Scopes: []string{"read"}}
	tok, err := cc.Token(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodGet, base, nil)
	r.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(secret))
	return base, r.Header.Get("Authorization"), tok.AccessToken
}

// TestIntrospectionService checks the Connect introspection on the public listener: it needs the
// resource server's credentials, says what an active token grants, and says only "inactive" of a
// forged or revoked one.
func TestIntrospectionService(t *testing.T) {
	ctx := context.Background()
	base, authorization, token := introspectionServer(t)
	client := oauth2v1connect.NewIntrospectionServiceClient(http.DefaultClient, base)
	introspect := func(tok, auth string) (*oauth2v1.IntrospectResponse, error) {
		req := connect.NewRequest(&oauth2v1.IntrospectRequest{Token: tok})
		if auth != "" {
			req.Header().Set("Authorization", auth)
		}
		res, err := client.Introspect(ctx, req)
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	}
	for name, auth := range map[string]string{"none": "", "wrong secret": "Basic cmVzb3VyY2Utc2VydmVyOndyb25n", "malformed": "Basic !!!"} {
		if _, err := introspect(token, auth); connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Errorf("credentials %s: %v, want unauthenticated", name, err)
		}
	}
	res, err := introspect(token, authorization)
	if err != nil {
		t.Fatal(err)
	}
	if !res.GetActive() || res.GetTokenType() != "access_token" || res.GetClientId() != "resource-server" ||
		len(res.GetScopes()) != 1 || res.GetScopes()[0] != "read" || res.GetExpiresAt().AsTime().Before(time.Now()) {
		t.Errorf("an active token: %v", res)
	}
	forged := token[:len(token)-2] + "AA"
	if res, err := introspect(forged, authorization); err != nil || res.GetActive() || res.GetClientId() != "" {
		t.Errorf("a forged token: %v, %v; want only inactive", res, err)
	}

	// Revocation (RFC 7009) by the client that holds the token is seen at once.
	form := url.Values{"token": {token}}
	req, _ := http.NewRequest(http.MethodPost, base+oauth2.PathRevoke, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", authorization)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %v, %v", resp, err)
	}
	resp.Body.Close()
	if res, err := introspect(token, authorization); err != nil || res.GetActive() {
		t.Errorf("a revoked token: %v, %v; want inactive", res, err)
	}
}

// BenchmarkIntrospectRPC compares, in one run, a no-op RPC with the Connect introspection of an
// active token (warm cache, the resource server's credentials verified from cache) on loopback
// with 32 concurrent callers. The target is introspection ≥ 50% of noop.
func BenchmarkIntrospectRPC(b *testing.B) {
	base, authorization, token := introspectionServer(b)
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	ping := pingv1connect.NewPingServiceClient(httpClient, base)
	client := oauth2v1connect.NewIntrospectionServiceClient(httpClient, base)
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		call func() error
	}{
		{"noop", func() error {
			_, err := ping.Ping(ctx, connect.NewRequest(&pingv1.PingRequest{}))
			return err
		}},
		{"introspect", func() error {
			req := connect.NewRequest(&oauth2v1.IntrospectRequest{Token: token})
			req.Header().Set("Authorization", authorization)
			res, err := client.Introspect(ctx, req)
			if err == nil && !res.Msg.GetActive() {
				err = io.ErrUnexpectedEOF
			}
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := bc.call(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
