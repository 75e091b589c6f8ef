package store

import (
	"fmt"
	"maps"
	"slices"

	"github.com/google/uuid"

	"github.com/wardhq/ward/fault"
)

// This file holds what every implementation of IdentityStore does the same way: the checks of a
// record before it is stored, the canonical form of IDs, the order in which clashes are reported,
// and deep copies.

// CanonicalID returns id, a UUID in any form uuid.Parse reads, in canonical form (lowercase,
// hyphenated), and false when id is not a UUID.
func CanonicalID(id string) (string, bool) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// canonicalField returns the canonical form of the UUID id, or InvalidArgument naming field.
func canonicalField(field, id string) (string, error) {
	c, ok := CanonicalID(id)
	if !ok {
		return "", fault.Invalid(field, "%q is not a UUID", id)
	}
	return c, nil
}

// CanonicalIdentity returns a deep copy of i with its IDs in canonical form, or InvalidArgument
// naming the field at fault when i cannot be stored (see [IdentityPool.CreateIdentity]).
func CanonicalIdentity(i *Identity) (*Identity, error) {
	n := i.Clone()
	var err error
	if n.ID, err = canonicalField("id", i.ID); err != nil {
		return nil, err
	}
	if n.State != IdentityActive && n.State != IdentityInactive {
		return nil, fault.Invalid("state", "%q is neither %q nor %q", n.State, IdentityActive, IdentityInactive)
	}
	if len(n.ExternalID) > MaxIdentifierLength {
		return nil, fault.Invalid("external_id", "longer than %d bytes", MaxIdentifierLength)
	}
	for typ, c := range n.Credentials {
		if typ == "" || len(typ) > MaxIdentifierLength {
			return nil, fault.Invalid("credentials", "a credential type must be 1 to %d bytes", MaxIdentifierLength)
		}
		seen := make(map[string]bool, len(c.Identifiers))
		for k, id := range c.Identifiers {
			field := fmt.Sprintf("credentials.%s.identifiers[%d]", typ, k)
			switch {
			case id == "":
				return nil, fault.Invalid(field, "an identifier must not be empty")
			case len(id) > MaxIdentifierLength:
				return nil, fault.Invalid(field, "longer than %d bytes", MaxIdentifierLength)
			case seen[id]:
				return nil, fault.Invalid(field, "identifier %q is listed twice", id)
			}
			seen[id] = true
		}
	}
	ids := make(map[string]bool)
	seen := make(map[[2]string]bool)
	for k := range n.VerifiableAddresses {
		a := &n.VerifiableAddresses[k]
		if a.ID, err = checkAddress(fmt.Sprintf("verifiable_addresses[%d]", k), a.ID, a.Via, a.Value, ids, seen); err != nil {
			return nil, err
		}
	}
	clear(seen)
	for k := range n.RecoveryAddresses {
		a := &n.RecoveryAddresses[k]
		if a.ID, err = checkAddress(fmt.Sprintf("recovery_addresses[%d]", k), a.ID, a.Via, a.Value, ids, seen); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// checkAddress checks one address of an identity and returns its ID in canonical form. ids are
// the address IDs of the identity seen so far, seen the via and value pairs of the same list.
func checkAddress(field, id, via, value string, ids map[string]bool, seen map[[2]string]bool) (string, error) {
	id, err := canonicalField(field+".id", id)
	switch {
	case err != nil:
		return "", err
	case ids[id]:
		return "", fault.Invalid(field+".id", "address ID %q is used twice", id)
	case via == "":
		return "", fault.Invalid(field+".via", "must not be empty")
	case value == "":
		return "", fault.Invalid(field+".value", "must not be empty")
	case len(via) > MaxIdentifierLength || len(value) > MaxIdentifierLength:
		return "", fault.Invalid(field, "longer than %d bytes", MaxIdentifierLength)
	case seen[[2]string{via, value}]:
		return "", fault.Invalid(field, "address %s:%s is listed twice", via, value)
	}
	ids[id] = true
	seen[[2]string{via, value}] = true
	return id, nil
}

// IdentityKeyKind is which unique index an [IdentityKey] belongs to.
type IdentityKeyKind uint8

// The unique values of an identity.
const (
	IdentityIDKey IdentityKeyKind = iota + 1
	ExternalIDKey
	IdentifierKey        // Scope is the credential type
	VerifiableAddressKey // Scope is the via
	RecoveryAddressKey   // Scope is the via
)

// IdentityKey is one value of an identity that must be unique among identities.
type IdentityKey struct {
	Kind  IdentityKeyKind
	Scope string // the credential type of an identifier, the via of an address; "" otherwise
	Value string
}

// Conflict returns the error that reports k taken: AlreadyExists with the field of k and an
// [*IdentityConflict] cause.
func (k IdentityKey) Conflict() error {
	c := &IdentityConflict{Value: k.Value}
	switch k.Kind {
	case IdentityIDKey:
		c.Field = "id"
	case ExternalIDKey:
		c.Field = "external_id"
	case IdentifierKey:
		c.Field = "credentials." + k.Scope + ".identifiers"
	case VerifiableAddressKey:
		c.Field, c.Value = "verifiable_addresses", k.Scope+":"+k.Value
	case RecoveryAddressKey:
		c.Field, c.Value = "recovery_addresses", k.Scope+":"+k.Value
	}
	e := fault.Wrap(fault.AlreadyExists, c, fmt.Sprintf("%s %q belongs to another identity", c.Field, c.Value))
	e.Field = c.Field
	return e
}

// Keys returns the unique values of i in the order in which stores report the first clash: its
// ID, its external ID (when set), its identifiers by credential type and then in order, its
// verifiable addresses and its recovery addresses.
func (i *Identity) Keys() []IdentityKey {
	keys := []IdentityKey{{Kind: IdentityIDKey, Value: i.ID}}
	if i.ExternalID != "" {
		keys = append(keys, IdentityKey{Kind: ExternalIDKey, Value: i.ExternalID})
	}
	for _, typ := range slices.Sorted(maps.Keys(i.Credentials)) {
		for _, id := range i.Credentials[typ].Identifiers {
			keys = append(keys, IdentityKey{Kind: IdentifierKey, Scope: typ, Value: id})
		}
	}
	for _, a := range i.VerifiableAddresses {
		keys = append(keys, IdentityKey{Kind: VerifiableAddressKey, Scope: a.Via, Value: a.Value})
	}
	for _, a := range i.RecoveryAddresses {
		keys = append(keys, IdentityKey{Kind: RecoveryAddressKey, Scope: a.Via, Value: a.Value})
	}
	return keys
}

// Clone returns a deep copy of i.
func (i *Identity) Clone() *Identity {
	n := *i
	n.Traits = slices.Clone(i.Traits)
	n.MetadataPublic = slices.Clone(i.MetadataPublic)
	n.MetadataAdmin = slices.Clone(i.MetadataAdmin)
	if i.Credentials != nil {
		n.Credentials = make(map[string]Credential, len(i.Credentials))
		for typ, c := range i.Credentials {
			n.Credentials[typ] = c.Clone()
		}
	}
	n.VerifiableAddresses = slices.Clone(i.VerifiableAddresses)
	n.RecoveryAddresses = slices.Clone(i.RecoveryAddresses)
	return &n
}

// Clone returns a deep copy of c.
func (c Credential) Clone() Credential {
	c.Identifiers = slices.Clone(c.Identifiers)
	c.Config = slices.Clone(c.Config)
	return c
}

// CanonicalSession returns a deep copy of s with its IDs in canonical form, or InvalidArgument
// naming the field at fault when s cannot be stored.
func CanonicalSession(s *Session) (*Session, error) {
	n := s.Clone()
	var err error
	if n.ID, err = canonicalField("id", s.ID); err != nil {
		return nil, err
	}
	if n.IdentityID, err = canonicalField("identity_id", s.IdentityID); err != nil {
		return nil, err
	}
	if n.TokenKey == "" {
		return nil, fault.Invalid("token_key", "must not be empty")
	}
	return n, nil
}

// Clone returns a deep copy of s.
func (s *Session) Clone() *Session {
	n := *s
	n.AuthenticationMethods = slices.Clone(s.AuthenticationMethods)
	n.Devices = slices.Clone(s.Devices)
	return &n
}

// CanonicalSelfServiceFlow returns a deep copy of f with its IDs in canonical form, or
// InvalidArgument naming the field at fault when f cannot be stored.
func CanonicalSelfServiceFlow(f *SelfServiceFlow) (*SelfServiceFlow, error) {
	n := f.Clone()
	var err error
	if n.ID, err = canonicalField("id", f.ID); err != nil {
		return nil, err
	}
	if f.IdentityID != "" {
		if n.IdentityID, err = canonicalField("identity_id", f.IdentityID); err != nil {
			return nil, err
		}
	}
	if !f.Kind.Known() {
		return nil, fault.Invalid("kind", "unknown self-service flow kind %q", f.Kind)
	}
	return n, nil
}

// Known reports whether k is one of the kinds of self-service flow.
func (k SelfServiceFlowKind) Known() bool {
	switch k {
	case LoginFlow, RegistrationFlow, SettingsFlow, RecoveryFlow, VerificationFlow:
		return true
	}
	return false
}

// Clone returns a deep copy of f.
func (f *SelfServiceFlow) Clone() *SelfServiceFlow {
	n := *f
	n.Data = slices.Clone(f.Data)
	return &n
}
