package memory

import (
	"context"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// CreateSelfServiceFlow stores a copy of f with Version 1.
func (s *IdentityStore) CreateSelfServiceFlow(_ context.Context, f *store.SelfServiceFlow) error {
	n, err := store.CanonicalSelfServiceFlow(f)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.flows[n.ID]; ok {
		return fault.InField("id", fault.New(fault.AlreadyExists, "self-service flow %s already exists", n.ID))
	}
	if err := s.checkFlowIdentityLocked(n); err != nil {
		return err
	}
	n.Version = 1
	s.flows[n.ID] = n
	return nil
}

// checkFlowIdentityLocked fails with NotFound when f names an identity that is not stored.
func (s *IdentityStore) checkFlowIdentityLocked(f *store.SelfServiceFlow) error {
	if _, ok := s.identities[f.IdentityID]; !ok && f.IdentityID != "" {
		return fault.InField("identity_id", errNoIdentity(f.IdentityID))
	}
	return nil
}

// flowLocked returns the stored flow of this kind and ID, or NotFound.
func (s *IdentityStore) flowLocked(kind store.SelfServiceFlowKind, id string) (*store.SelfServiceFlow, error) {
	c, _ := store.CanonicalID(id)
	f, ok := s.flows[c]
	if !ok || f.Kind != kind {
		return nil, errNoSelfServiceFlow(kind, id)
	}
	return f, nil
}

// GetSelfServiceFlow returns a copy of the flow of this kind and ID.
func (s *IdentityStore) GetSelfServiceFlow(_ context.Context, kind store.SelfServiceFlowKind, id string) (*store.SelfServiceFlow, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, err := s.flowLocked(kind, id)
	if err != nil {
		return nil, err
	}
	return f.Clone(), nil
}

// UpdateSelfServiceFlow replaces the flow by a copy of f when its Version is f.Version.
func (s *IdentityStore) UpdateSelfServiceFlow(_ context.Context, f *store.SelfServiceFlow) error {
	n, err := store.CanonicalSelfServiceFlow(f)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.flowLocked(n.Kind, n.ID)
	if err != nil {
		return err
	}
	if old.Version != f.Version {
		return errSelfServiceFlowChanged(n.ID, f.Version, old.Version)
	}
	if err := s.checkFlowIdentityLocked(n); err != nil {
		return err
	}
	n.Version, n.CreatedAt = old.Version+1, old.CreatedAt
	s.flows[n.ID] = n
	return nil
}

// DeleteSelfServiceFlow deletes the flow of this kind and ID.
func (s *IdentityStore) DeleteSelfServiceFlow(_ context.Context, kind store.SelfServiceFlowKind, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.flowLocked(kind, id)
	if err != nil {
		return err
	}
	delete(s.flows, f.ID)
	return nil
}

// DeleteExpiredSelfServiceFlows deletes the flows that expired before before.
func (s *IdentityStore) DeleteExpiredSelfServiceFlows(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, f := range s.flows {
		if expired(f.ExpiresAt, before) {
			delete(s.flows, id)
			n++
		}
	}
	return n, nil
}

func errNoSelfServiceFlow(kind store.SelfServiceFlowKind, id string) error {
	return fault.New(fault.NotFound, "%s flow %q not found", kind, id)
}

func errSelfServiceFlowChanged(id string, want, have int64) error {
	return fault.New(fault.FailedPrecondition, "self-service flow %s is at version %d, not %d: it changed since it was read", id, have, want)
}
