package memory

import (
	"context"
	"slices"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// CreateSession stores a copy of s.
func (s *IdentityStore) CreateSession(_ context.Context, sess *store.Session) error {
	n, err := store.CanonicalSession(sess)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.identities[n.IdentityID]; !ok {
		return fault.InField("identity_id", errNoIdentity(n.IdentityID))
	}
	if _, ok := s.sessions[n.ID]; ok {
		return fault.InField("id", fault.New(fault.AlreadyExists, "session %s already exists", n.ID))
	}
	if _, ok := s.sessionTokens[n.TokenKey]; ok {
		return fault.InField("token_key", fault.New(fault.AlreadyExists, "a session with this token already exists"))
	}
	if _, ok := s.logoutTokens[n.LogoutTokenKey]; ok && n.LogoutTokenKey != "" {
		return fault.InField("logout_token_key", fault.New(fault.AlreadyExists, "a session with this logout token already exists"))
	}
	s.sessions[n.ID] = n
	s.sessionTokens[n.TokenKey] = n.ID
	if n.LogoutTokenKey != "" {
		s.logoutTokens[n.LogoutTokenKey] = n.ID
	}
	if s.byIdentity[n.IdentityID] == nil {
		s.byIdentity[n.IdentityID] = make(map[string]struct{})
	}
	s.byIdentity[n.IdentityID][n.ID] = struct{}{}
	return nil
}

// deleteSessionLocked deletes the session with this ID and its indexes.
func (s *IdentityStore) deleteSessionLocked(id string) {
	sess, ok := s.sessions[id]
	if !ok {
		return
	}
	delete(s.sessions, id)
	delete(s.sessionTokens, sess.TokenKey)
	if sess.LogoutTokenKey != "" {
		delete(s.logoutTokens, sess.LogoutTokenKey)
	}
	if ids := s.byIdentity[sess.IdentityID]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(s.byIdentity, sess.IdentityID)
		}
	}
}

// sessionLocked returns the stored session with ID id in any form, or NotFound.
func (s *IdentityStore) sessionLocked(id string) (*store.Session, error) {
	c, _ := store.CanonicalID(id)
	sess, ok := s.sessions[c]
	if !ok {
		return nil, errNoSession(id)
	}
	return sess, nil
}

// GetSession returns a copy of the session with this ID.
func (s *IdentityStore) GetSession(_ context.Context, id string) (*store.Session, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sess, err := s.sessionLocked(id)
	if err != nil {
		return nil, err
	}
	return sess.Clone(), nil
}

// LookupSession returns copies of the session with this token key and of its identity.
func (s *IdentityStore) LookupSession(_ context.Context, tokenKey string) (*store.Session, *store.Identity, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.sessionTokens[tokenKey]
	if !ok {
		return nil, nil, fault.New(fault.NotFound, "no session has this token")
	}
	sess := s.sessions[id]
	i, ok := s.identities[sess.IdentityID]
	if !ok {
		return nil, nil, fault.Bugf("session %s outlived its identity %s", id, sess.IdentityID)
	}
	return sess.Clone(), i.Clone(), nil
}

// LookupSessionByLogoutToken returns a copy of the session with this logout token key.
func (s *IdentityStore) LookupSessionByLogoutToken(_ context.Context, key string) (*store.Session, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.logoutTokens[key]
	if !ok || key == "" {
		return nil, fault.New(fault.NotFound, "no session has this logout token")
	}
	return s.sessions[id].Clone(), nil
}

// ListSessions returns copies of the sessions f selects after after, in ID order.
func (s *IdentityStore) ListSessions(_ context.Context, f store.SessionFilter, after string, limit int) ([]*store.Session, error) {
	after, err := canonicalAfter(after)
	if err != nil {
		return nil, err
	}
	identityID := ""
	if f.IdentityID != "" {
		var ok bool
		if identityID, ok = store.CanonicalID(f.IdentityID); !ok {
			return nil, fault.Invalid("identity_id", "%q is not a UUID", f.IdentityID)
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var ids []string
	consider := func(id string) {
		if id > after && (f.Active == nil || validAt(s.sessions[id], f.At) == *f.Active) {
			ids = append(ids, id)
		}
	}
	if identityID != "" {
		for id := range s.byIdentity[identityID] {
			consider(id)
		}
	} else {
		for id := range s.sessions {
			consider(id)
		}
	}
	slices.Sort(ids)
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	out := make([]*store.Session, len(ids))
	for k, id := range ids {
		out[k] = s.sessions[id].Clone()
	}
	return out, nil
}

// validAt reports whether sess is active and unexpired at at.
func validAt(sess *store.Session, at time.Time) bool {
	return sess.Active && (sess.ExpiresAt.IsZero() || sess.ExpiresAt.After(at))
}

// UpdateSession replaces the session's mutable fields by copies of sess's; it never reactivates
// a session.
func (s *IdentityStore) UpdateSession(_ context.Context, sess *store.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.sessionLocked(sess.ID)
	if err != nil {
		return err
	}
	n := sess.Clone()
	n.ID, n.IdentityID, n.TokenKey, n.LogoutTokenKey, n.CreatedAt = old.ID, old.IdentityID, old.TokenKey, old.LogoutTokenKey, old.CreatedAt
	n.Active = old.Active && sess.Active
	s.sessions[old.ID] = n
	s.invalidateLocked(n.ID, n.IdentityID)
	return nil
}

// ExtendSession sets the session's expiry.
func (s *IdentityStore) ExtendSession(_ context.Context, id string, expiresAt, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := s.sessionLocked(id)
	if err != nil {
		return err
	}
	sess.ExpiresAt, sess.UpdatedAt = expiresAt, at
	s.invalidateLocked(sess.ID, sess.IdentityID)
	return nil
}

// RevokeSession marks the session inactive.
func (s *IdentityStore) RevokeSession(_ context.Context, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := s.sessionLocked(id)
	if err != nil {
		return err
	}
	s.revokeLocked(sess, at)
	return nil
}

// revokeLocked marks sess inactive at at and records the invalidation, unless it is inactive
// already.
func (s *IdentityStore) revokeLocked(sess *store.Session, at time.Time) bool {
	if !sess.Active {
		return false
	}
	sess.Active, sess.UpdatedAt = false, at
	s.invalidateLocked(sess.ID, sess.IdentityID)
	return true
}

// RevokeSessions marks the identity's active sessions but except inactive.
func (s *IdentityStore) RevokeSessions(_ context.Context, identityID, except string, at time.Time) (int, error) {
	id, _ := store.CanonicalID(identityID)
	except, _ = store.CanonicalID(except)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for sid := range s.byIdentity[id] {
		if sid != except && s.revokeLocked(s.sessions[sid], at) {
			n++
		}
	}
	return n, nil
}

// SessionsInvalidatedSince returns the invalidations recorded at or after since by this
// process's clock.
func (s *IdentityStore) SessionsInvalidatedSince(_ context.Context, since time.Time) ([]store.SessionInvalidation, time.Time, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.now()
	// Invalidations are appended in time order, unless the wall clock stepped back.
	k, _ := slices.BinarySearchFunc(s.invalidations, since, func(v store.SessionInvalidation, t time.Time) int {
		return v.At.Compare(t)
	})
	var out []store.SessionInvalidation
	for _, v := range s.invalidations[k:] {
		if !v.At.Before(since) {
			out = append(out, v)
		}
	}
	return out, now, nil
}

// DeleteExpiredSessions deletes the sessions that expired before before and the invalidations
// recorded before before.
func (s *IdentityStore) DeleteExpiredSessions(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, sess := range s.sessions {
		if expired(sess.ExpiresAt, before) {
			s.deleteSessionLocked(id)
			n++
		}
	}
	kept := s.invalidations[:0]
	for _, v := range s.invalidations {
		if v.At.Before(before) {
			n++
		} else {
			kept = append(kept, v)
		}
	}
	clear(s.invalidations[len(kept):])
	s.invalidations = kept
	return n, nil
}

func errNoSession(id string) error { return fault.New(fault.NotFound, "session %q not found", id) }
