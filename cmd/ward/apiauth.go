package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/oauth2"
)

// loadKeys returns the keys of list and of the hashed file at path (none when empty).
func loadKeys(list []string, path, key string) (*middleware.APIKeys, error) {
	keys, err := middleware.NewAPIKeys(list...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	if path == "" {
		return keys, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s_file: %w", key, err)
	}
	defer f.Close()
	if err := keys.ParseAPIKeyFile(f, path); err != nil {
		return nil, fmt.Errorf("%s_file: %w", key, err)
	}
	return keys, nil
}

// apiAuth is how each listener authenticates.
type apiAuth struct {
	public, admin *middleware.Authenticator // nil: open
	adminKeys     *middleware.APIKeys       // nil: the admin listener is open
}

func isLoopback(l net.Listener) bool {
	a, ok := l.Addr().(*net.TCPAddr)
	return ok && a.IP.IsLoopback()
}

// newAPIAuth decides, from cfg and where the listeners are bound, what each one asks of its
// callers; it fails when an admin listener off loopback would have no key to ask for.
func newAPIAuth(cfg serveConfig, public, admin net.Listener, provider *oauth2.Provider, log *slog.Logger) (apiAuth, error) {
	keys, err := loadKeys(cfg.APIKeys, cfg.APIKeysFile, "api_keys")
	if err != nil {
		return apiAuth{}, err
	}
	adminKeys, err := loadKeys(cfg.AdminAPIKeys, cfg.AdminAPIKeysFile, "admin_api_keys")
	if err != nil {
		return apiAuth{}, err
	}
	all := &middleware.APIKeys{}
	all.Add(keys)
	all.Add(adminKeys)
	var tokens middleware.TokenIntrospector
	if provider != nil {
		tokens = provider
	}
	var out apiAuth
	required := func(l net.Listener) bool {
		return cfg.APIAuth == "required" || (cfg.APIAuth == "auto" && !isLoopback(l))
	}
	if required(public) {
		out.public = middleware.NewAuthenticator(all, tokens, log)
	}
	if required(admin) {
		out.admin = middleware.NewAuthenticator(all, tokens, log)
	}
	if (out.public != nil || out.admin != nil) && all.Len() == 0 && tokens == nil {
		return apiAuth{}, fmt.Errorf("api_auth=%s asks callers for an API key or an access token, and none can be had: set api_keys or api_keys_file (or token_secrets, for the OAuth2 server)", cfg.APIAuth)
	}
	if !isLoopback(admin) {
		switch {
		case adminKeys.Len() > 0:
			out.adminKeys = adminKeys
		case cfg.APIAuth == "open":
			log.Warn("the admin listener is open on a non-loopback address (api_auth=open): anyone who reaches it can change every permission", "addr", admin.Addr().String())
		default:
			return apiAuth{}, fmt.Errorf("admin_addr %s is not a loopback address: set admin_api_keys or admin_api_keys_file (every request to it then needs one), or bind it to loopback", admin.Addr())
		}
	}
	if cfg.APIAuth == "open" && !isLoopback(public) {
		log.Warn("the permission API is open on a non-loopback address (api_auth=open): anyone who reaches it can read the access graph", "addr", public.Addr().String())
	}
	return out, nil
}
