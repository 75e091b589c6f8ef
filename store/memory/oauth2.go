package memory

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// OAuth2Store is the in-memory [store.OAuth2Store]: the OAuth2 server's state in maps under one
// mutex, for `ward serve` without a database and for tests. Every method copies records in and
// out, so callers never share a slice with the store. Make one with [NewOAuth2Store].
//
// It is apart from [Store]: OAuth2 state has no revisions and no snapshots, only records and the
// few atomic steps the interface names, which the mutex makes atomic.
type OAuth2Store struct {
	mu sync.RWMutex // readers share it: token lookups are the hot path

	clients map[string]*store.OAuth2Client

	grants      map[string]*grantEntry
	tokens      map[tokenID]*store.TokenRecord
	revocations []store.Revocation // in the order recorded, so by At

	flows       map[string]*store.AuthFlow
	flowHandles map[flowHandle]string // handle → flow ID
	consents    map[consentKey]*store.RememberedConsent
	sessions    map[string]*store.LoginSession
	devices     map[string]*store.DeviceAuthorization // by device code key
	userCodes   map[string]string                     // user code key → device code key
	signingKeys map[string]*store.SigningKey
	assertions  map[[32]byte]time.Time // assertion ID key → when it expires; see oauth2_assertions.go
}

var _ store.OAuth2Store = (*OAuth2Store)(nil)

// NewOAuth2Store returns an empty store.
func NewOAuth2Store() *OAuth2Store {
	return &OAuth2Store{
		clients:     make(map[string]*store.OAuth2Client),
		grants:      make(map[string]*grantEntry),
		tokens:      make(map[tokenID]*store.TokenRecord),
		flows:       make(map[string]*store.AuthFlow),
		flowHandles: make(map[flowHandle]string),
		consents:    make(map[consentKey]*store.RememberedConsent),
		sessions:    make(map[string]*store.LoginSession),
		devices:     make(map[string]*store.DeviceAuthorization),
		userCodes:   make(map[string]string),
		signingKeys: make(map[string]*store.SigningKey),
		assertions:  make(map[[32]byte]time.Time),
	}
}

// CreateClient stores a copy of c.
func (s *OAuth2Store) CreateClient(_ context.Context, c *store.OAuth2Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[c.ID]; ok {
		return fault.New(fault.AlreadyExists, "client %q already exists", c.ID)
	}
	s.clients[c.ID] = cloneClient(c)
	return nil
}

// GetClient returns a copy of the client with this ID.
func (s *OAuth2Store) GetClient(_ context.Context, id string) (*store.OAuth2Client, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.clients[id]
	if !ok {
		return nil, errNoClient(id)
	}
	return cloneClient(c), nil
}

// ListClients returns copies of the clients after after, in ID order. It sorts every client ID:
// the memory store holds few clients, and listing them is an administrator's occasional request.
func (s *OAuth2Store) ListClients(_ context.Context, after string, limit int) ([]*store.OAuth2Client, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var ids []string
	for id := range s.clients {
		if id > after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	out := make([]*store.OAuth2Client, len(ids))
	for i, id := range ids {
		out[i] = cloneClient(s.clients[id])
	}
	return out, nil
}

// UpdateClient replaces the client with ID c.ID by a copy of c, keeping its CreatedAt.
func (s *OAuth2Store) UpdateClient(_ context.Context, c *store.OAuth2Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.clients[c.ID]
	if !ok {
		return errNoClient(c.ID)
	}
	n := cloneClient(c)
	n.CreatedAt = old.CreatedAt
	s.clients[c.ID] = n
	return nil
}

// DeleteClient removes the client with its grants, tokens, consents and device authorizations.
func (s *OAuth2Store) DeleteClient(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[id]; !ok {
		return errNoClient(id)
	}
	delete(s.clients, id)
	now := s.now()
	for gid, g := range s.grants {
		if g.grant.ClientID == id {
			s.revokeGrantLocked(gid, now)
		}
	}
	for k := range s.consents {
		if k.clientID == id {
			delete(s.consents, k)
		}
	}
	for key, d := range s.devices {
		if d.ClientID == id {
			s.deleteDeviceLocked(key)
		}
	}
	return nil
}

// now is the clock of RevokedSince, without a monotonic reading: revocation times are compared
// with times callers computed from earlier readings.
func (s *OAuth2Store) now() time.Time { return time.Now().Round(0) }

func errNoClient(id string) error { return fault.New(fault.NotFound, "client %q not found", id) }

func cloneClient(c *store.OAuth2Client) *store.OAuth2Client {
	n := *c
	n.RedirectURIs = slices.Clone(c.RedirectURIs)
	n.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	n.GrantTypes = slices.Clone(c.GrantTypes)
	n.ResponseTypes = slices.Clone(c.ResponseTypes)
	n.Scopes = slices.Clone(c.Scopes)
	n.Audiences = slices.Clone(c.Audiences)
	n.JWKS = slices.Clone(c.JWKS)
	return &n
}

// CreateSigningKey stores a copy of k.
func (s *OAuth2Store) CreateSigningKey(_ context.Context, k *store.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.signingKeys[k.ID]; ok {
		return fault.New(fault.AlreadyExists, "signing key %q already exists", k.ID)
	}
	n := *k
	n.PrivateKey = slices.Clone(k.PrivateKey)
	s.signingKeys[k.ID] = &n
	return nil
}

// ListSigningKeys returns copies of every key, newest first.
func (s *OAuth2Store) ListSigningKeys(context.Context) ([]*store.SigningKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*store.SigningKey, 0, len(s.signingKeys))
	for _, k := range s.signingKeys {
		n := *k
		n.PrivateKey = slices.Clone(k.PrivateKey)
		out = append(out, &n)
	}
	slices.SortFunc(out, func(a, b *store.SigningKey) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// RetireSigningKey marks the key retired.
func (s *OAuth2Store) RetireSigningKey(_ context.Context, id string, at, publishUntil time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.signingKeys[id]
	switch {
	case !ok:
		return fault.New(fault.NotFound, "signing key %q not found", id)
	case !k.RetiredAt.IsZero():
		return fault.New(fault.FailedPrecondition, "signing key %q is retired already", id)
	}
	k.RetiredAt, k.PublishUntil = at, publishUntil
	return nil
}

// ReplaceSigningKeyPrivateKey sets the key's private part to to when it is from.
func (s *OAuth2Store) ReplaceSigningKeyPrivateKey(_ context.Context, id string, from, to []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.signingKeys[id]
	switch {
	case !ok:
		return fault.New(fault.NotFound, "signing key %q not found", id)
	case !bytes.Equal(k.PrivateKey, from):
		return fault.New(fault.FailedPrecondition, "signing key %q has changed", id)
	}
	k.PrivateKey = slices.Clone(to)
	return nil
}

// DeleteSigningKeys deletes retired keys published until before before.
func (s *OAuth2Store) DeleteSigningKeys(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, k := range s.signingKeys {
		if !k.RetiredAt.IsZero() && k.PublishUntil.Before(before) {
			delete(s.signingKeys, id)
			n++
		}
	}
	return n, nil
}
