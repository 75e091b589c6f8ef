package identity

import (
	"context"
	"slices"

	"github.com/google/uuid"
)

// FindVerifiableAddress returns the identity that has the verifiable address via:value (value is
// folded as identifiers are), and that address. NotFound when no identity has it: a verification
// flow then tells the address's owner, and tells the caller nothing (no enumeration).
func (s *Service) FindVerifiableAddress(ctx context.Context, via, value string) (*Identity, *VerifiableAddress, error) {
	r, a, err := s.st.FindVerifiableAddress(ctx, via, FoldIdentifier(value))
	if err != nil {
		return nil, nil, identityError(err)
	}
	i := fromStore(r, s.schemaURL)
	for k := range i.VerifiableAddresses {
		if i.VerifiableAddresses[k].ID == a.ID {
			return i, &i.VerifiableAddresses[k], nil
		}
	}
	return nil, nil, notFoundIdentity()
}

// MarkAddressVerified marks identityID's verifiable address addressID verified now (status
// completed). The whoami cache forgets the identity: sessions embed its addresses. NotFound when
// there is no such identity or address.
func (s *Service) MarkAddressVerified(ctx context.Context, identityID, addressID string) error {
	if _, err := uuid.Parse(identityID); err != nil {
		return notFoundIdentity()
	}
	if err := s.st.MarkAddressVerified(ctx, identityID, addressID, s.clock()); err != nil {
		return identityError(err)
	}
	s.forgetIdentity(identityID)
	return nil
}

// MarkAddressSent records that a verification code went to identityID's verifiable address
// addressID: its status goes from pending to sent, as Kratos's does. An address in another status
// is left alone (a verified one stays completed). NotFound when there is no such identity or
// address.
func (s *Service) MarkAddressSent(ctx context.Context, identityID, addressID string) error {
	pending := func(i *Identity) (int, error) {
		k := slices.IndexFunc(i.VerifiableAddresses, func(a VerifiableAddress) bool { return a.ID == addressID })
		if k < 0 {
			return 0, notFoundIdentity()
		}
		if i.VerifiableAddresses[k].Status != AddressPending {
			return -1, nil
		}
		return k, nil
	}
	// Most addresses are past pending when a code is sent again: read before writing.
	cur, err := s.GetIdentity(ctx, identityID)
	if err != nil {
		return err
	}
	if k, err := pending(cur); err != nil || k < 0 {
		return err
	}
	_, err = s.modify(ctx, identityID, func(prior *Identity) (*Identity, error) {
		k, err := pending(prior)
		if err != nil {
			return nil, err
		}
		if k >= 0 {
			a := &prior.VerifiableAddresses[k]
			a.Status, a.UpdatedAt = AddressSent, s.clock()
		}
		return prior, nil
	})
	return err
}

// FindRecoveryAddress returns the identity that has the recovery address via:value (value is
// folded as identifiers are), and that address. NotFound when no identity has it: a recovery
// flow then tells the address's owner, and tells the caller nothing (no enumeration).
func (s *Service) FindRecoveryAddress(ctx context.Context, via, value string) (*Identity, *RecoveryAddress, error) {
	r, a, err := s.st.FindRecoveryAddress(ctx, via, FoldIdentifier(value))
	if err != nil {
		return nil, nil, identityError(err)
	}
	i := fromStore(r, s.schemaURL)
	for k := range i.RecoveryAddresses {
		if i.RecoveryAddresses[k].ID == a.ID {
			return i, &i.RecoveryAddresses[k], nil
		}
	}
	return nil, nil, notFoundIdentity()
}
