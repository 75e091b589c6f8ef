package identity

import (
	"context"

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
