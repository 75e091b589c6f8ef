package workload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/wardhq/ward/chaos/checker"
	oauth2v1 "github.com/wardhq/ward/proto/ward/oauth2/v1"
	"github.com/wardhq/ward/proto/ward/oauth2/v1/oauth2v1connect"
)

// OAuth2Client is the client of the token workload: it takes tokens with its credentials
// (client_credentials grant) and, as a resource server would, introspects them.
type OAuth2Client struct {
	ID, Secret string
}

// The OAuth2 server's endpoints on a ward node's public listener.
const (
	tokenPath      = "/oauth2/token"
	introspectPath = "/oauth2/introspect"
)

// CreateOAuth2Client registers the workload's client through the admin API at adminURL.
func CreateOAuth2Client(ctx context.Context, adminURL, adminKey string) (OAuth2Client, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c := oauth2v1connect.NewOAuth2AdminServiceClient(newHTTPClient(adminKey), adminURL)
	out, err := c.CreateClient(ctx, connect.NewRequest(&oauth2v1.CreateClientRequest{Client: &oauth2v1.Client{
		ClientName:              "chaos workload",
		GrantTypes:              []string{"client_credentials"},
		Scopes:                  []string{"read"},
		TokenEndpointAuthMethod: "client_secret_basic",
	}}))
	if err != nil {
		return OAuth2Client{}, fmt.Errorf("registering the workload's OAuth2 client: %w", err)
	}
	return OAuth2Client{ID: out.Msg.GetClient().GetClientId(), Secret: out.Msg.GetClientSecret()}, nil
}

// issued is an access token the server issued: acknowledged, so every node must find it active
// until it expires (an hour, far beyond a scenario).
type issued struct {
	token string
	// name is a fingerprint of the token, what the history records instead of the token.
	name string
	at   time.Duration
}

func (r *Recorder) addToken(op checker.Op, t *issued) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op)
	if t != nil {
		r.tokens = append(r.tokens, *t)
	}
}

// pickToken returns a random issued token among the newest n.
func (r *Recorder) pickToken(rng *rand.Rand, n int) (issued, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return pickRecent(rng, r.tokens, n)
}

// tokenName is how a token appears in the history: "token:" and a prefix of its SHA-256, so
// that no usable token is written to disk.
func tokenName(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return "token:" + hex.EncodeToString(sum[:8])
}

// tokenIssuer takes a token from the region's node at each step, with golang.org/x/oauth2's
// client credentials flow, and records it as a [checker.IssueToken].
func tokenIssuer(ctx context.Context, region string, t Target, client OAuth2Client, httpClient *http.Client, rec *Recorder, o Options) {
	cfg := clientcredentials.Config{ClientID: client.ID, ClientSecret: client.Secret, TokenURL: t.PublicURL + tokenPath, Scopes: []string{"read"}}
	for ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, httpClient), o.WriteTimeout)
		start := rec.Since()
		tok, err := cfg.Token(cctx)
		end := rec.Since()
		cancel()
		if ctx.Err() != nil {
			return
		}
		op := checker.Op{Region: region, Kind: checker.IssueToken, Start: start, End: end, OK: err == nil}
		var is *issued
		if err != nil {
			op.Error = errText(err)
		} else {
			is = &issued{token: tok.AccessToken, name: tokenName(tok.AccessToken), at: end}
			op.Tuple = is.name
		}
		rec.addToken(op, is)
		if sleep(ctx, pause(o.TokenPause, err)) != nil {
			return
		}
	}
}

// introspector introspects recently issued tokens, from every region, through the region's node.
func introspector(ctx context.Context, region string, t Target, client OAuth2Client, httpClient *http.Client, rec *Recorder, o Options, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x70ce))
	for ctx.Err() == nil {
		is, ok := rec.pickToken(rng, o.Recent)
		if !ok {
			if sleep(ctx, 100*time.Millisecond) != nil {
				return
			}
			continue
		}
		err := introspect(ctx, region, t, client, httpClient, rec, o, is)
		if ctx.Err() != nil {
			return
		}
		if sleep(ctx, pause(o.CheckPause, err)) != nil {
			return
		}
	}
}

// introspect asks the region's node about one issued token (RFC 7662, the client's credentials in
// Basic auth) and records a [checker.Introspect]; Allowed is the answer's "active".
func introspect(ctx context.Context, region string, t Target, client OAuth2Client, httpClient *http.Client, rec *Recorder, o Options, is issued) error {
	cctx, cancel := context.WithTimeout(ctx, o.CheckTimeout)
	defer cancel()
	start := rec.Since()
	active, err := postIntrospection(cctx, httpClient, t.PublicURL+introspectPath, client, is.token)
	end := rec.Since()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	op := checker.Op{Region: region, Kind: checker.Introspect, Start: start, End: end, Tuple: is.name, Acked: is.at, OK: err == nil, Allowed: active}
	if err != nil {
		op.Error = errText(err)
	}
	rec.add(op, nil)
	return err
}

func postIntrospection(ctx context.Context, httpClient *http.Client, endpoint string, client OAuth2Client, tok string) (active bool, err error) {
	form := url.Values{"token": {tok}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(client.ID), url.QueryEscape(client.Secret))
	resp, err := httpClient.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return false, err
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("introspection: %s: %s", resp.Status, body)
	}
	var out struct {
		Active bool `json:"active"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return false, fmt.Errorf("introspection: %w", err)
	}
	return out.Active, nil
}
