package rpc_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/wardhq/ward/api/middleware"
	oauth2api "github.com/wardhq/ward/api/oauth2"
	"github.com/wardhq/ward/oauth2"
	permv1 "github.com/wardhq/ward/proto/ward/permission/v1"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	pingv1 "github.com/wardhq/ward/proto/ward/ping/v1"
	"github.com/wardhq/ward/proto/ward/ping/v1/pingv1connect"
	"github.com/wardhq/ward/store/memory"
)

// bearer is a transport that sends a Bearer credential.
type bearer struct {
	base http.RoundTripper
	cred string
}

func (t bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.cred)
	return t.base.RoundTrip(r)
}

// benchCredentials returns an authenticator over three API keys and an OAuth2 provider on the
// memory store (its endpoints served over loopback, its revocation polls running), one of the
// keys, and an access token with the check scope, issued by the token endpoint as a service gets
// it.
func benchCredentials(b *testing.B) (a *middleware.Authenticator, key, token string) {
	ctx, cancel := context.WithCancel(context.Background())
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := oauth2.NewProvider(memory.NewOAuth2Store(), oauth2.Config{
		Issuer: issuer, LoginURL: issuer + "/login", ConsentURL: issuer + "/consent",
		TokenSecrets:    [][]byte{[]byte("0123456789abcdef0123456789abcdef-test-secret")},
		RevocationBound: 200 * time.Millisecond, Logger: log,
	})
	if err != nil {
		b.Fatal(err)
	}
	srv.Config.Handler = oauth2api.NewHandler(p, log)
	srv.Start()
	done := make(chan struct{})
	go func() { defer close(done); _ = p.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done; srv.Close() })
	c, secret, err := p.CreateClient(ctx, oauth2.Client{
		ID: "svc", AuthMethod: oauth2.AuthClientSecretBasic,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}, Scopes: []string{middleware.ScopeCheck},
	})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := (&clientcredentials.Config{ClientID: c.ID, ClientSecret: secret, TokenURL: issuer + oauth2.PathToken, Scopes: []string{middleware.ScopeCheck}}).Token(ctx)
	if err != nil {
		b.Fatal(err)
	}
	key = "bench-api-key-0123456789abcdef"
	keys, err := middleware.NewAPIKeys("other-key-0123456789abcdef", "third-key-0123456789abcdef", key)
	if err != nil {
		b.Fatal(err)
	}
	return middleware.NewAuthenticator(keys, p, log), key, tok.AccessToken
}

// BenchmarkCheckAuth compares, in one run, a no-op RPC, a warm Check without authentication,
// the same Check with an API key (three keys configured) and with a ward client-credentials
// access token, over Connect on loopback with 32 callers. The figure to compare is items/s:
// authentication must cost under 5% of the unauthenticated Check's.
func BenchmarkCheckAuth(b *testing.B) {
	ctx := context.Background()
	a, key, token := benchCredentials(b)
	open := startPublic(b)
	guarded := startPublicAuth(b, a)
	time.Sleep(50 * time.Millisecond) // a revocation poll has run: the introspection cache is trusted
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	plain := &http.Client{Transport: transport}
	ping := pingv1connect.NewPingServiceClient(plain, open)
	for _, bc := range []struct {
		name  string
		perms permissionv1connect.PermissionServiceClient
	}{
		{"noop", nil},
		{"check-noauth", permissionv1connect.NewPermissionServiceClient(plain, open)},
		{"check-apikey", permissionv1connect.NewPermissionServiceClient(&http.Client{Transport: bearer{transport, key}}, guarded)},
		{"check-token", permissionv1connect.NewPermissionServiceClient(&http.Client{Transport: bearer{transport, token}}, guarded)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					var err error
					if bc.perms == nil {
						_, err = ping.Ping(ctx, connect.NewRequest(&pingv1.PingRequest{}))
					} else {
						var res *connect.Response[permv1.CheckResponse]
						res, err = bc.perms.Check(ctx, connect.NewRequest(checkRequest(i)))
						if err == nil && res.Msg.GetDecision() != permv1.Decision_DECISION_ALLOWED {
							err = fmt.Errorf("check %d: %v", i, res.Msg.GetDecision())
						}
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
		})
	}
}

// BenchmarkAuthorize measures authentication alone, in process, per call: the part of a
// Check's cost that it adds, free of the loopback transport's noise.
func BenchmarkAuthorize(b *testing.B) {
	ctx := context.Background()
	a, key, token := benchCredentials(b)
	time.Sleep(50 * time.Millisecond) // a revocation poll has run: the introspection cache is trusted
	for name, cred := range map[string]string{"apikey": key, "token": token} {
		h := http.Header{"Authorization": {"Bearer " + cred}}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := a.Authorize(ctx, permissionv1connect.PermissionServiceCheckProcedure, h); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
