package memory

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// IdentityStore is the in-memory [store.IdentityStore]: the identity service's state in maps
// under one mutex, for `ward serve` without a database and for tests. Every method copies records
// in and out, so callers never share a slice or map with the store. Make one with
// [NewIdentityStore].
//
// Like [OAuth2Store] it is apart from [Store]: these records have no revisions, and the mutex
// makes each method atomic.
type IdentityStore struct {
	mu sync.RWMutex // readers share it: session lookups and logins are the hot paths

	identities map[string]*store.Identity
	keys       map[store.IdentityKey]string // every unique value but the ID → the identity's ID

	sessions      map[string]*store.Session
	sessionTokens map[string]string              // token key → session ID
	logoutTokens  map[string]string              // logout token key → session ID
	byIdentity    map[string]map[string]struct{} // identity ID → its session IDs
	invalidations []store.SessionInvalidation    // in the order recorded, so by At

	flows map[string]*store.SelfServiceFlow
}

var _ store.IdentityStore = (*IdentityStore)(nil)

// NewIdentityStore returns an empty store.
func NewIdentityStore() *IdentityStore {
	return &IdentityStore{
		identities:    make(map[string]*store.Identity),
		keys:          make(map[store.IdentityKey]string),
		sessions:      make(map[string]*store.Session),
		sessionTokens: make(map[string]string),
		logoutTokens:  make(map[string]string),
		byIdentity:    make(map[string]map[string]struct{}),
		flows:         make(map[string]*store.SelfServiceFlow),
	}
}

// CreateIdentity stores a copy of i.
func (s *IdentityStore) CreateIdentity(_ context.Context, i *store.Identity) error {
	n, err := store.CanonicalIdentity(i)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createLocked(n)
}

// CreateIdentities stores copies of ids, each on its own.
func (s *IdentityStore) CreateIdentities(_ context.Context, ids []*store.Identity) ([]error, error) {
	if len(ids) > store.MaxIdentityBatch {
		return nil, fault.Invalid("identities", "%d identities in one batch; at most %d", len(ids), store.MaxIdentityBatch)
	}
	prepared := make([]*store.Identity, len(ids))
	errs := make([]error, len(ids))
	for k, i := range ids {
		prepared[k], errs[k] = store.CanonicalIdentity(i)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, n := range prepared {
		if errs[k] == nil {
			errs[k] = s.createLocked(n)
		}
	}
	return errs, nil
}

// createLocked stores n, a canonical identity the store may keep, unless one of its unique values
// is taken.
func (s *IdentityStore) createLocked(n *store.Identity) error {
	if err := s.checkKeysLocked(n, false); err != nil {
		return err
	}
	n.Version = 1
	s.identities[n.ID] = n
	s.addKeysLocked(n)
	return nil
}

// checkKeysLocked returns the conflict of the first unique value of n that belongs to an identity
// other than n.ID; of n.ID too unless n is an update of the stored identity.
func (s *IdentityStore) checkKeysLocked(n *store.Identity, update bool) error {
	for _, k := range n.Keys() {
		var taken bool
		if k.Kind == store.IdentityIDKey {
			_, taken = s.identities[k.Value]
			taken = taken && !update
		} else {
			owner, ok := s.keys[k]
			taken = ok && owner != n.ID
		}
		if taken {
			return k.Conflict()
		}
	}
	return nil
}

func (s *IdentityStore) addKeysLocked(i *store.Identity) {
	for _, k := range i.Keys()[1:] {
		s.keys[k] = i.ID
	}
}

func (s *IdentityStore) removeKeysLocked(i *store.Identity) {
	for _, k := range i.Keys()[1:] {
		delete(s.keys, k)
	}
}

// GetIdentity returns a copy of the identity with this ID.
func (s *IdentityStore) GetIdentity(_ context.Context, id string) (*store.Identity, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, err := s.identityLocked(id)
	if err != nil {
		return nil, err
	}
	return i.Clone(), nil
}

// identityLocked returns the stored identity with ID id in any form, or NotFound.
func (s *IdentityStore) identityLocked(id string) (*store.Identity, error) {
	c, _ := store.CanonicalID(id)
	i, ok := s.identities[c]
	if !ok {
		return nil, errNoIdentity(id)
	}
	return i, nil
}

// GetIdentityByExternalID returns a copy of the identity with this external ID.
func (s *IdentityStore) GetIdentityByExternalID(_ context.Context, externalID string) (*store.Identity, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.keys[store.IdentityKey{Kind: store.ExternalIDKey, Value: externalID}]
	if !ok || externalID == "" {
		return nil, fault.New(fault.NotFound, "no identity has external ID %q", externalID)
	}
	return s.identities[id].Clone(), nil
}

// FindByCredentialIdentifier returns copies of the identity with this identifier and of its
// credential.
func (s *IdentityStore) FindByCredentialIdentifier(_ context.Context, credentialType, identifier string) (*store.Identity, *store.Credential, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.keys[store.IdentityKey{Kind: store.IdentifierKey, Scope: credentialType, Value: identifier}]
	if !ok {
		return nil, nil, errNoIdentifier(credentialType)
	}
	i := s.identities[id].Clone()
	c := i.Credentials[credentialType].Clone()
	return i, &c, nil
}

// FindVerifiableAddress returns copies of the identity with this verifiable address and of the
// address.
func (s *IdentityStore) FindVerifiableAddress(_ context.Context, via, value string) (*store.Identity, *store.VerifiableAddress, error) {
	return findAddress(s, store.VerifiableAddressKey, via, value, func(i *store.Identity) []store.VerifiableAddress {
		return i.VerifiableAddresses
	}, func(a store.VerifiableAddress) bool { return a.Via == via && a.Value == value })
}

// FindRecoveryAddress returns copies of the identity with this recovery address and of the
// address.
func (s *IdentityStore) FindRecoveryAddress(_ context.Context, via, value string) (*store.Identity, *store.RecoveryAddress, error) {
	return findAddress(s, store.RecoveryAddressKey, via, value, func(i *store.Identity) []store.RecoveryAddress {
		return i.RecoveryAddresses
	}, func(a store.RecoveryAddress) bool { return a.Via == via && a.Value == value })
}

// findAddress returns copies of the identity with the address via:value in the list of kind,
// and of the address, which is the one of list(identity) that is.
func findAddress[A any](s *IdentityStore, kind store.IdentityKeyKind, via, value string, list func(*store.Identity) []A, is func(A) bool) (*store.Identity, *A, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.keys[store.IdentityKey{Kind: kind, Scope: via, Value: value}]
	if !ok {
		return nil, nil, fault.New(fault.NotFound, "no identity has this %s address", via)
	}
	i := s.identities[id].Clone()
	if k := slices.IndexFunc(list(i), is); k >= 0 {
		return i, &list(i)[k], nil
	}
	return nil, nil, fault.Bugf("an address of identity %s is indexed but not stored", id)
}

// ListIdentities returns copies of the identities f selects after after, in ID order. Without
// filters it sorts every ID: the memory store is for small deployments and tests.
func (s *IdentityStore) ListIdentities(_ context.Context, f store.IdentityFilter, after string, limit int) ([]*store.Identity, error) {
	after, err := canonicalAfter(after)
	if err != nil {
		return nil, err
	}
	var only map[string]bool
	if len(f.IDs) > 0 {
		only = make(map[string]bool, len(f.IDs))
		for k, id := range f.IDs {
			c, ok := store.CanonicalID(id)
			if !ok {
				return nil, fault.Invalid(fmt.Sprintf("ids[%d]", k), "%q is not a UUID", id)
			}
			only[c] = true
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var ids []string
	for id, i := range s.identities {
		if id > after && (only == nil || only[id]) && hasIdentifier(i, f.CredentialsIdentifier) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	out := make([]*store.Identity, len(ids))
	for k, id := range ids {
		out[k] = s.identities[id].Clone()
	}
	return out, nil
}

// hasIdentifier reports whether i has a credential with this identifier; every identity has
// identifier "".
func hasIdentifier(i *store.Identity, identifier string) bool {
	if identifier == "" {
		return true
	}
	for _, c := range i.Credentials {
		if slices.Contains(c.Identifiers, identifier) {
			return true
		}
	}
	return false
}

// canonicalAfter returns a page token, "" or a UUID, in canonical form.
func canonicalAfter(after string) (string, error) {
	if after == "" {
		return "", nil
	}
	c, ok := store.CanonicalID(after)
	if !ok {
		return "", fault.Invalid("after", "%q is not a UUID", after)
	}
	return c, nil
}

// CountIdentities returns how many identities are stored.
func (s *IdentityStore) CountIdentities(context.Context) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.identities), nil
}

// UpdateIdentity replaces the identity by a copy of i when its Version is i.Version.
func (s *IdentityStore) UpdateIdentity(_ context.Context, i *store.Identity) error {
	n, err := store.CanonicalIdentity(i)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.identities[n.ID]
	switch {
	case !ok:
		return errNoIdentity(n.ID)
	case old.Version != i.Version:
		return errIdentityChanged(n.ID, i.Version, old.Version)
	}
	if err := s.checkKeysLocked(n, true); err != nil {
		return err
	}
	s.removeKeysLocked(old)
	n.Version, n.CreatedAt = old.Version+1, old.CreatedAt
	s.identities[n.ID] = n
	s.addKeysLocked(n)
	s.invalidateLocked("", n.ID)
	return nil
}

// UpdateCredentialConfig sets the credential's Config to to when it is from.
func (s *IdentityStore) UpdateCredentialConfig(_ context.Context, identityID, credentialType string, from, to []byte, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.identityLocked(identityID)
	if err != nil {
		return err
	}
	c, ok := i.Credentials[credentialType]
	switch {
	case !ok:
		return errNoCredential(identityID, credentialType)
	case !bytes.Equal(c.Config, from):
		return fault.New(fault.FailedPrecondition, "the %s credential of identity %s has changed", credentialType, identityID)
	}
	c.Config, c.UpdatedAt = slices.Clone(to), at
	i.Credentials[credentialType] = c
	s.touchLocked(i, at)
	return nil
}

// DeleteCredential removes a credential, or one identifier of it.
func (s *IdentityStore) DeleteCredential(_ context.Context, identityID, credentialType, identifier string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.identityLocked(identityID)
	if err != nil {
		return err
	}
	c, ok := i.Credentials[credentialType]
	if !ok {
		return errNoCredential(identityID, credentialType)
	}
	s.removeKeysLocked(i)
	if identifier != "" {
		k := slices.Index(c.Identifiers, identifier)
		if k < 0 {
			s.addKeysLocked(i)
			return fault.New(fault.NotFound, "the %s credential of identity %s has no identifier %q", credentialType, identityID, identifier)
		}
		c.Identifiers = slices.Delete(slices.Clone(c.Identifiers), k, k+1)
		c.UpdatedAt = at
		i.Credentials[credentialType] = c
	}
	if identifier == "" || len(c.Identifiers) == 0 {
		delete(i.Credentials, credentialType)
	}
	s.addKeysLocked(i)
	s.touchLocked(i, at)
	return nil
}

// MarkAddressVerified marks a verifiable address verified.
func (s *IdentityStore) MarkAddressVerified(_ context.Context, identityID, addressID string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.identityLocked(identityID)
	if err != nil {
		return err
	}
	aid, _ := store.CanonicalID(addressID)
	k := slices.IndexFunc(i.VerifiableAddresses, func(a store.VerifiableAddress) bool { return a.ID == aid })
	if k < 0 {
		return errNoVerifiableAddress(identityID, addressID)
	}
	a := &i.VerifiableAddresses[k]
	a.Verified, a.VerifiedAt, a.Status, a.UpdatedAt = true, at, "completed", at
	s.touchLocked(i, at)
	return nil
}

// touchLocked records a write to the stored identity i at at.
func (s *IdentityStore) touchLocked(i *store.Identity, at time.Time) {
	i.Version++
	i.UpdatedAt = at
	s.invalidateLocked("", i.ID)
}

// DeleteIdentity deletes the identity with its sessions and flows.
func (s *IdentityStore) DeleteIdentity(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.identityLocked(id)
	if err != nil {
		return err
	}
	s.removeKeysLocked(i)
	delete(s.identities, i.ID)
	for sid := range s.byIdentity[i.ID] {
		s.deleteSessionLocked(sid)
	}
	for fid, f := range s.flows {
		if f.IdentityID == i.ID {
			delete(s.flows, fid)
		}
	}
	s.invalidateLocked("", i.ID)
	return nil
}

// invalidateLocked records an invalidation of the session sessionID of identityID, or of all its
// sessions when sessionID is "".
func (s *IdentityStore) invalidateLocked(sessionID, identityID string) {
	s.invalidations = append(s.invalidations, store.SessionInvalidation{SessionID: sessionID, IdentityID: identityID, At: s.now()})
}

// now is the clock of SessionsInvalidatedSince, without a monotonic reading: invalidation times
// are compared with times callers computed from earlier readings.
func (s *IdentityStore) now() time.Time { return time.Now().Round(0) }

func errNoIdentity(id string) error { return fault.New(fault.NotFound, "identity %q not found", id) }

func errIdentityChanged(id string, want, have int64) error {
	return fault.New(fault.FailedPrecondition, "identity %s is at version %d, not %d: it changed since it was read", id, have, want)
}

func errNoIdentifier(credentialType string) error {
	return fault.New(fault.NotFound, "no identity has a %s credential with this identifier", credentialType)
}

func errNoCredential(identityID, credentialType string) error {
	return fault.New(fault.NotFound, "identity %s has no %s credential", identityID, credentialType)
}

func errNoVerifiableAddress(identityID, addressID string) error {
	return fault.New(fault.NotFound, "identity %s has no verifiable address %q", identityID, addressID)
}
