package memory

import (
	"context"
	"slices"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// grantEntry is a stored grant and the keys of its tokens.
type grantEntry struct {
	grant  *store.Grant
	tokens map[tokenID]struct{}
}

// tokenID is a token's key in the store: its kind and storage key.
type tokenID struct {
	kind store.TokenKind
	key  string
}

// CreateGrant stores copies of g and its tokens, whose GrantID becomes g.ID.
func (s *OAuth2Store) CreateGrant(_ context.Context, g *store.Grant, tokens ...*store.TokenRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.grants[g.ID]; ok {
		return fault.New(fault.AlreadyExists, "grant %q already exists", g.ID)
	}
	if err := s.checkNewTokens(tokens); err != nil {
		return err
	}
	e := &grantEntry{grant: cloneGrant(g), tokens: make(map[tokenID]struct{}, len(tokens))}
	s.grants[g.ID] = e
	s.addTokensLocked(e, tokens)
	return nil
}

// checkNewTokens fails with AlreadyExists when one of tokens has the kind and key of a stored
// token or of another of tokens.
func (s *OAuth2Store) checkNewTokens(tokens []*store.TokenRecord) error {
	seen := make(map[tokenID]bool, len(tokens))
	for _, t := range tokens {
		id := tokenID{t.Kind, t.Key}
		if _, ok := s.tokens[id]; ok || seen[id] {
			return fault.New(fault.AlreadyExists, "a token of kind %v with this key already exists", t.Kind)
		}
		seen[id] = true
	}
	return nil
}

func (s *OAuth2Store) addTokensLocked(e *grantEntry, tokens []*store.TokenRecord) {
	for _, t := range tokens {
		n := *t
		n.GrantID = e.grant.ID
		n.Data = slices.Clone(t.Data)
		id := tokenID{t.Kind, t.Key}
		s.tokens[id] = &n
		e.tokens[id] = struct{}{}
	}
}

// LookupToken returns copies of the token and its grant.
func (s *OAuth2Store) LookupToken(_ context.Context, kind store.TokenKind, key string) (*store.TokenRecord, *store.Grant, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tokens[tokenID{kind, key}]
	if !ok {
		return nil, nil, errNoToken(kind)
	}
	e, ok := s.grants[t.GrantID]
	if !ok {
		return nil, nil, fault.Bugf("token of kind %v outlived its grant %q", kind, t.GrantID)
	}
	n := *t
	n.Data = slices.Clone(t.Data)
	return &n, cloneGrant(e.grant), nil
}

// ConsumeToken marks the token used and stores next under its grant; on a second use it revokes
// the grant.
func (s *OAuth2Store) ConsumeToken(_ context.Context, kind store.TokenKind, key string, usedAt time.Time, next ...*store.TokenRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[tokenID{kind, key}]
	if !ok {
		return errNoToken(kind)
	}
	if !t.UsedAt.IsZero() {
		s.revokeGrantLocked(t.GrantID, s.now())
		return fault.New(fault.FailedPrecondition, "the %v was used already; its grant is revoked", kind)
	}
	if err := s.checkNewTokens(next); err != nil {
		return err
	}
	e, ok := s.grants[t.GrantID]
	if !ok {
		return fault.Bugf("token of kind %v outlived its grant %q", kind, t.GrantID)
	}
	t.UsedAt = usedAt
	s.addTokensLocked(e, next)
	return nil
}

// RevokeToken deletes the token and records its revocation.
func (s *OAuth2Store) RevokeToken(_ context.Context, kind store.TokenKind, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := tokenID{kind, key}
	t, ok := s.tokens[id]
	if !ok {
		return nil
	}
	delete(s.tokens, id)
	if e, ok := s.grants[t.GrantID]; ok {
		delete(e.tokens, id)
	}
	s.revocations = append(s.revocations, store.Revocation{GrantID: t.GrantID, TokenKey: key, At: s.now()})
	return nil
}

// RevokeGrant deletes the grant and its tokens and records the revocation.
func (s *OAuth2Store) RevokeGrant(_ context.Context, grantID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokeGrantLocked(grantID, s.now())
	return nil
}

// RevokeGrants revokes the grants of subject to clientID, or to any client when clientID is "".
// Subjects are matched exactly: "" matches client credentials grants.
func (s *OAuth2Store) RevokeGrants(_ context.Context, subject, clientID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := 0
	for id, e := range s.grants {
		if e.grant.Subject == subject && (clientID == "" || e.grant.ClientID == clientID) {
			s.revokeGrantLocked(id, now)
			n++
		}
	}
	return n, nil
}

// revokeGrantLocked deletes the grant and its tokens and records the revocation at now. It does
// nothing when there is no such grant.
func (s *OAuth2Store) revokeGrantLocked(id string, now time.Time) {
	if !s.deleteGrantLocked(id) {
		return
	}
	s.revocations = append(s.revocations, store.Revocation{GrantID: id, At: now})
}

// deleteGrantLocked deletes the grant and its tokens, and reports whether there was one.
func (s *OAuth2Store) deleteGrantLocked(id string) bool {
	e, ok := s.grants[id]
	if !ok {
		return false
	}
	for t := range e.tokens {
		delete(s.tokens, t)
	}
	delete(s.grants, id)
	return true
}

// RevokedSince returns the revocations recorded at or after since by this process's clock.
func (s *OAuth2Store) RevokedSince(_ context.Context, since time.Time) ([]store.Revocation, time.Time, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.now()
	// Revocations are appended in time order, unless the wall clock stepped back.
	i, _ := slices.BinarySearchFunc(s.revocations, since, func(r store.Revocation, t time.Time) int {
		return r.At.Compare(t)
	})
	var out []store.Revocation
	for _, r := range s.revocations[i:] {
		if !r.At.Before(since) {
			out = append(out, r)
		}
	}
	return out, now, nil
}

// DeleteExpired deletes what expired before before: grants with their tokens, tokens,
// revocations, flows, remembered consents, login sessions, device authorizations and assertion
// IDs.
func (s *OAuth2Store) DeleteExpired(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, e := range s.grants {
		if expired(e.grant.ExpiresAt, before) {
			n += 1 + len(e.tokens)
			s.deleteGrantLocked(id)
		}
	}
	for id, t := range s.tokens {
		if expired(t.ExpiresAt, before) {
			delete(s.tokens, id)
			if e, ok := s.grants[t.GrantID]; ok {
				delete(e.tokens, id)
			}
			n++
		}
	}
	kept := s.revocations[:0]
	for _, r := range s.revocations {
		if r.At.Before(before) {
			n++
		} else {
			kept = append(kept, r)
		}
	}
	clear(s.revocations[len(kept):])
	s.revocations = kept
	for id, f := range s.flows {
		if expired(f.ExpiresAt, before) {
			s.deleteFlowLocked(id)
			n++
		}
	}
	for k, c := range s.consents {
		if expired(c.ExpiresAt, before) {
			delete(s.consents, k)
			n++
		}
	}
	for id, ls := range s.sessions {
		if expired(ls.ExpiresAt, before) {
			delete(s.sessions, id)
			n++
		}
	}
	for key, d := range s.devices {
		if expired(d.ExpiresAt, before) {
			s.deleteDeviceLocked(key)
			n++
		}
	}
	n += s.deleteExpiredAssertionsLocked(before)
	return n, nil
}

// expired reports whether a record that expires at at has expired before before; a zero at
// never expires.
func expired(at, before time.Time) bool { return !at.IsZero() && at.Before(before) }

func errNoToken(kind store.TokenKind) error {
	return fault.New(fault.NotFound, "no such %v", kind)
}

func cloneGrant(g *store.Grant) *store.Grant {
	n := *g
	n.Scopes = slices.Clone(g.Scopes)
	n.Audiences = slices.Clone(g.Audiences)
	n.Session = slices.Clone(g.Session)
	return &n
}
