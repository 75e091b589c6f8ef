package main

import (
	"net/http"
	"net/url"

	"github.com/spf13/cobra"
)

// credentials are what the CLI presents to the server: one Bearer credential per request.
type credentials struct {
	apiKey      string // --api-key, WARD_API_KEY
	token       string // --token, WARD_TOKEN: a ward access token
	adminAPIKey string // --admin-api-key, WARD_ADMIN_API_KEY: for the admin endpoint
}

func (cr *credentials) addFlags(root *cobra.Command, environ func() []string) {
	root.PersistentFlags().StringVar(&cr.apiKey, "api-key", envOr(environ, "WARD_API_KEY", ""),
		"API key sent as Authorization: Bearer (WARD_API_KEY)")
	root.PersistentFlags().StringVar(&cr.token, "token", envOr(environ, "WARD_TOKEN", ""),
		"ward access token sent as Authorization: Bearer when no API key is given (WARD_TOKEN)")
	root.PersistentFlags().StringVar(&cr.adminAPIKey, "admin-api-key", envOr(environ, "WARD_ADMIN_API_KEY", ""),
		"admin API key for the admin endpoint (WARD_ADMIN_API_KEY); without it the admin endpoint gets --api-key or --token")
}

// bearer returns the credential for a request to the admin endpoint or the public one.
func (cr *credentials) bearer(admin bool) string {
	switch {
	case admin && cr.adminAPIKey != "":
		return cr.adminAPIKey
	case cr.apiKey != "":
		return cr.apiKey
	}
	return cr.token
}

// withCredentials returns a copy of hc that adds the credential to requests that carry no
// Authorization header of their own (introspection sends a client's Basic credentials).
func (c *client) withCredentials(hc *http.Client) *http.Client {
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	adminHost := ""
	if u, err := url.Parse(c.adminEndpoint); err == nil {
		adminHost = u.Host
	}
	out := *hc
	out.Transport = &credentialTransport{base: base, creds: &c.creds, adminHost: adminHost}
	return &out
}

type credentialTransport struct {
	base      http.RoundTripper
	creds     *credentials
	adminHost string
}

func (t *credentialTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	cred := t.creds.bearer(r.URL.Host == t.adminHost)
	if cred == "" || r.Header.Get("Authorization") != "" {
		return t.base.RoundTrip(r)
	}
	r = r.Clone(r.Context()) // a RoundTripper must not change the caller's request
	r.Header.Set("Authorization", "Bearer "+cred)
	return t.base.RoundTrip(r)
}
