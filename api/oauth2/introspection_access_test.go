package oauth2_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"connectrpc.com/connect"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/wardhq/ward/api"
	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/api/rpc"
	"github.com/wardhq/ward/oauth2"
	oauth2v1 "github.com/wardhq/ward/proto/ward/oauth2/v1"
	"github.com/wardhq/ward/proto/ward/oauth2/v1/oauth2v1connect"
)

// TestIntrospectionLimitedToOwnTokens asks the public introspection endpoints, over HTTP and
// over Connect, about one client's token as other clients: the client itself, a client the
// token's audience names and a client registered with the introspection scope learn what it
// grants; any other client is told only "inactive", as of a dead token.
func TestIntrospectionLimitedToOwnTokens(t *testing.T) {
	ctx := context.Background()
	e := newOAuth2Env(t, memoryStore(t))
	client := func(id string, scopes ...string) string {
		_, secret := e.createClient(oauth2.Client{ID: id, AuthMethod: oauth2.AuthClientSecretBasic,
			GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}, Scopes: append([]string{"read"}, scopes...), Audiences: []string{"api"}})
		return secret
	}
	secrets := map[string]string{
		"owner":    client("owner"),
		"api":      client("api"),
		"other":    client("other"),
		"verifier": client("verifier", oauth2.DefaultIntrospectionScope),
	}
	cc := clientcredentials.Config{ClientID: "owner", ClientSecret: secrets["owner"], TokenURL: e.issuer + oauth2.PathToken,
		Scopes: []string{"read"}, EndpointParams: url.Values{"audience": {"api"}}}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The public listener's handler over the same provider, for the Connect service.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	obs, err := middleware.NewObservers(prometheus.NewRegistry(), log, "public")
	if err != nil {
		t.Fatal(err)
	}
	public := httptest.NewServer(api.NewPublicHandler(api.Services{
		PublicIntrospection: rpc.NewIntrospectionService(e.p, log, true),
	}, obs["public"]))
	t.Cleanup(public.Close)
	connectClient := oauth2v1connect.NewIntrospectionServiceClient(http.DefaultClient, public.URL)
	for caller, want := range map[string]bool{"owner": true, "api": true, "verifier": true, "other": false} {
		resp := e.postForm(oauth2.PathIntrospect, url.Values{"token": {tok.AccessToken}}, caller, secrets[caller])
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s, %v", caller, resp.Status, err)
		}
		if got := body["active"] == true; got != want {
			t.Errorf("HTTP introspection of owner's token by %s: %v, want active %v", caller, body, want)
		}
		if !want && len(body) != 1 {
			t.Errorf("the refusal to %s tells more than inactive: %v", caller, body)
		}
		req := connect.NewRequest(&oauth2v1.IntrospectRequest{Token: tok.AccessToken})
		r, _ := http.NewRequest(http.MethodGet, public.URL, nil)
		r.SetBasicAuth(caller, url.QueryEscape(secrets[caller]))
		req.Header().Set("Authorization", r.Header.Get("Authorization"))
		res, err := connectClient.Introspect(ctx, req)
		if err != nil {
			t.Fatalf("Connect introspection by %s: %v", caller, err)
		}
		if res.Msg.GetActive() != want || !want && res.Msg.GetClientId() != "" {
			t.Errorf("Connect introspection of owner's token by %s: %v, want active %v", caller, res.Msg, want)
		}
	}
}
