package oauth2_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/wardhq/ward/oauth2"
)

// BenchmarkOAuth2Introspection measures the introspection endpoint over HTTP — a resource server
// (client_secret_basic, its verification cached) asking about an active access token with a warm
// cache — against a no-op handler behind the same kind of server, on the memory store. Read the
// result as the ratio of the two.
func BenchmarkOAuth2Introspection(b *testing.B) {
	e := newOAuth2Env(b, memoryStore(b))
	c, secret, err := e.p.CreateClient(context.Background(), oauth2.Client{
		ID: "rs", AuthMethod: oauth2.AuthClientSecretBasic,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}, Scopes: []string{"read"},
	})
	if err != nil {
		b.Fatal(err)
	}
	cc := clientcredentials.Config{ClientID: c.ID, ClientSecret: secret, TokenURL: e.issuer + oauth2.PathToken, Scopes: []string{"read"}}
	tok, err := cc.Token(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	noop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"active":false}`))
	}))
	b.Cleanup(noop.Close)
	body := url.Values{"token": {tok.AccessToken}}.Encode()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	post := func(b *testing.B, base string) {
		req, _ := http.NewRequest(http.MethodPost, base+oauth2.PathIntrospect, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(c.ID, secret)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
	post(b, e.issuer)
	time.Sleep(50 * time.Millisecond) // a revocation poll has run: the cache is trusted
	for _, s := range []struct{ name, base string }{{"noop", noop.URL}, {"introspect", e.issuer}} {
		b.Run(s.name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					post(b, s.base)
				}
			})
		})
	}
}
