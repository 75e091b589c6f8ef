package workload

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"

	"connectrpc.com/connect"

	"github.com/wardhq/ward/loadtest/driver"
	oauth2v1 "github.com/wardhq/ward/proto/ward/oauth2/v1"
)

// loadScope is the scope of the tokens the OAuth2 workloads issue.
const loadScope = "load"

// oauth2Client is the confidential client an OAuth2 workload registers for itself.
type oauth2Client struct {
	id, secret string
	basic      string // the Authorization header's value
}

// registerClient registers a client-credentials client through the admin API.
func registerClient(ctx context.Context, c Clients) (*oauth2Client, error) {
	res, err := c.OAuth2Admin.CreateClient(ctx, connect.NewRequest(&oauth2v1.CreateClientRequest{Client: &oauth2v1.Client{
		ClientName:              "ward load",
		GrantTypes:              []string{"client_credentials"},
		Scopes:                  []string{loadScope},
		TokenEndpointAuthMethod: "client_secret_basic",
	}}))
	if err != nil {
		return nil, fmt.Errorf("registering the load client (is the OAuth2 server on?): %w", err)
	}
	cl := &oauth2Client{id: res.Msg.GetClient().GetClientId(), secret: res.Msg.GetClientSecret()}
	r, _ := http.NewRequest(http.MethodGet, "http://ward", nil)
	r.SetBasicAuth(url.QueryEscape(cl.id), url.QueryEscape(cl.secret))
	cl.basic = r.Header.Get("Authorization")
	return cl, nil
}

// postForm posts form to the public listener's path as the client and decodes the JSON answer
// into out; a status other than 200 is an error.
func (cl *oauth2Client) postForm(ctx context.Context, c Clients, path string, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint+path, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", cl.basic)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, body)
	}
	return json.Unmarshal(body, out)
}

// issue gets an access token with the client credentials grant.
func (cl *oauth2Client) issue(ctx context.Context, c Clients) (string, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := cl.postForm(ctx, c, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {loadScope}}, &tok); err != nil {
		return "", err
	}
	if tok.AccessToken == "" {
		return "", fmt.Errorf("the token response holds no access token")
	}
	return tok.AccessToken, nil
}

// tokenWorkload issues a token per request (client credentials). One token is issued before the
// run: the server verifies a client's secret with bcrypt once and then from a cache, and the run
// measures the steady state.
func tokenWorkload(ctx context.Context, c Clients) (driver.Workload, error) {
	cl, err := registerClient(ctx, c)
	if err != nil {
		return nil, err
	}
	if _, err := cl.issue(ctx, c); err != nil {
		return nil, fmt.Errorf("issuing a first token: %w", err)
	}
	return func(int) driver.Op {
		return func(ctx context.Context) (driver.Outcome, error) {
			if _, err := cl.issue(ctx, c); err != nil {
				return driver.Outcome{}, err
			}
			return driver.Outcome{Items: 1, Allowed: 1}, nil
		}
	}, nil
}

// introspectTokens is how many tokens the introspect workloads draw from: enough that requests
// do not all hit one cache entry, few enough that every one is cached after a moment, as on a
// resource server whose users come back.
const introspectTokens = 1000

// introspectWorkload introspects tokens drawn uniformly from introspectTokens, over Connect (the
// IntrospectionService) or, with overHTTP, RFC 7662's form endpoint. Every token is active: an
// inactive answer is an error.
func introspectWorkload(ctx context.Context, c Clients, o Options, overHTTP bool) (driver.Workload, error) {
	cl, err := registerClient(ctx, c)
	if err != nil {
		return nil, err
	}
	tokens := make([]string, introspectTokens)
	for i := range tokens {
		if tokens[i], err = cl.issue(ctx, c); err != nil {
			return nil, fmt.Errorf("issuing the tokens to introspect: %w", err)
		}
	}
	return func(worker int) driver.Op {
		rng := driver.Random(o.Seed, worker)
		if overHTTP {
			return func(ctx context.Context) (driver.Outcome, error) {
				var res struct {
					Active bool `json:"active"`
				}
				if err := cl.postForm(ctx, c, "/oauth2/introspect", url.Values{"token": {pick(rng, tokens)}}, &res); err != nil {
					return driver.Outcome{}, err
				}
				return activeOutcome(res.Active)
			}
		}
		return func(ctx context.Context) (driver.Outcome, error) {
			req := connect.NewRequest(&oauth2v1.IntrospectRequest{Token: pick(rng, tokens)})
			req.Header().Set("Authorization", cl.basic)
			res, err := c.Introspection.Introspect(ctx, req)
			if err != nil {
				return driver.Outcome{}, err
			}
			return activeOutcome(res.Msg.GetActive())
		}
	}, nil
}

func pick(rng *rand.Rand, tokens []string) string { return tokens[rng.IntN(len(tokens))] }

func activeOutcome(active bool) (driver.Outcome, error) {
	if !active {
		return driver.Outcome{}, fmt.Errorf("a token issued for this run introspects as inactive")
	}
	return driver.Outcome{Items: 1, Allowed: 1}, nil
}
