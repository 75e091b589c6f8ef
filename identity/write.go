package identity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/store"
)

// MaxMetadataBytes is the longest metadata_public or metadata_admin document a write takes.
const MaxMetadataBytes = 64 << 10

// draft is a write's input, before the schema and the store check it.
type draft struct {
	schemaID       string
	traits         json.RawMessage
	state          State
	metadataPublic json.RawMessage
	metadataAdmin  json.RawMessage
	externalID     string
	// verifiable and recovery are addresses the request gives: their state (verified, status)
	// overrides that of the addresses the traits name; those the traits do not name are dropped.
	verifiable []VerifiableAddress
	recovery   []RecoveryAddress
	password   *ImportPasswordConfig
	// selfService says the password comes from the user (registration, settings), not an import:
	// it is then /password in violations.
	selfService bool
	oidc        json.RawMessage
}

func (d *draft) passwordPointer() string {
	if d.selfService {
		return "/password"
	}
	return "/credentials/password/config/password"
}

// build applies d to prior (nil for a new identity) at now and returns the identity to store, or
// a *ValidationError listing what is wrong. It hashes a plaintext password (the last step, so
// that bad input costs no hash) and checks an imported hash, which it keeps as it is.
func (s *Service) build(ctx context.Context, prior *Identity, d draft, now time.Time) (*Identity, error) {
	var vs []Violation
	addErr := func(err error) {
		var ve *ValidationError
		if errors.As(err, &ve) {
			vs = append(vs, ve.Violations...)
		}
	}
	i := &Identity{CreatedAt: now, UpdatedAt: now, State: StateActive, StateChangedAt: now}
	if prior != nil {
		c := *prior
		i = &c
		i.UpdatedAt = now
		i.Credentials = cloneCredentials(prior.Credentials)
	} else {
		i.ID = uuid.NewString()
	}
	i.SchemaID = d.schemaID
	if i.SchemaID == "" {
		i.SchemaID = s.schemas.DefaultID()
	}
	i.SchemaURL = s.schemaURL(i.SchemaID)
	i.Traits = d.traits
	if len(bytes.TrimSpace(i.Traits)) == 0 || string(bytes.TrimSpace(i.Traits)) == "null" {
		i.Traits = json.RawMessage("{}")
	}
	switch d.state {
	case "":
	case StateActive, StateInactive:
		if d.state != i.State {
			i.State, i.StateChangedAt = d.state, now
		}
	default:
		addErr(invalid("/state", "The supplied state ('%s') was not valid. Valid states are ('%s', '%s').", d.state, StateActive, StateInactive))
	}
	var err error
	if i.MetadataPublic, err = metadata("/metadata_public", d.metadataPublic); err != nil {
		addErr(err)
	}
	if i.MetadataAdmin, err = metadata("/metadata_admin", d.metadataAdmin); err != nil {
		addErr(err)
	}
	i.ExternalID = d.externalID
	if len(i.ExternalID) > store.MaxIdentifierLength {
		addErr(invalid("/external_id", "external_id is %d bytes long; at most %d", len(i.ExternalID), store.MaxIdentifierLength))
	}
	if len(bytes.TrimSpace(d.oidc)) > 0 && string(bytes.TrimSpace(d.oidc)) != "null" {
		addErr(invalid("/credentials/oidc", "importing OpenID Connect credentials is not supported"))
	}
	var newHash string
	if p := d.password; p != nil {
		switch {
		case p.UsePasswordMigrationHook:
			addErr(invalid("/credentials/password/config/use_password_migration_hook", "the password migration hook is not supported"))
		case p.Password != "":
		case p.HashedPassword != "":
			if err := s.hasher.Check(p.HashedPassword); err != nil {
				addErr(invalid("/credentials/password/config/hashed_password",
					"The imported password does not match any known hash format or its parameters are out of bounds: %s", publicMessage(err)))
			}
			newHash = p.HashedPassword
		default:
			addErr(invalid("/credentials/password/config", "either password or hashed_password is required"))
		}
	}
	ex, err := s.schemas.Extract(ctx, i.SchemaID, i.Traits)
	if err != nil {
		err = fromSchemaError(err)
		var ve *ValidationError
		if !errors.As(err, &ve) {
			return nil, err
		}
		vs = append(vs, ve.Violations...)
	}
	if len(vs) > 0 {
		return nil, &ValidationError{Violations: vs}
	}
	if d.password != nil && d.password.Password != "" {
		if newHash, err = s.hasher.Hash(ctx, d.password.Password); err != nil {
			if v, ok := policyViolation(d.passwordPointer(), err); ok {
				return nil, &ValidationError{Violations: []Violation{v}}
			}
			return nil, fault.Wrap(fault.Internal, err, "cannot hash the password")
		}
	}
	var priorVerifiable []VerifiableAddress
	var priorRecovery []RecoveryAddress
	if prior != nil {
		priorVerifiable, priorRecovery = prior.VerifiableAddresses, prior.RecoveryAddresses
	}
	i.VerifiableAddresses = mergeVerifiable(ex.VerifiableAddresses, priorVerifiable, d.verifiable, now)
	i.RecoveryAddresses = mergeRecovery(ex.RecoveryAddresses, priorRecovery, now)
	setPasswordCredential(i, ex.Identifiers[schema.CredentialPassword], newHash, now)
	i.AvailableAAL = availableAAL(i.Credentials)
	return i, nil
}

// setPasswordCredential gives i's password credential the identifiers the traits name and, when
// hash is not "", that hash. As in Kratos, traits that name password identifiers make a password
// credential even without a password (config {}): the identifiers are then taken, and a login
// with them fails as a wrong password does.
func setPasswordCredential(i *Identity, identifiers []string, hash string, now time.Time) {
	c, ok := i.Credentials[CredentialPassword]
	if !ok && len(identifiers) == 0 && hash == "" {
		return
	}
	if !ok {
		c = Credential{Type: CredentialPassword, Config: json.RawMessage("{}"), CreatedAt: now}
	}
	c.Identifiers = append([]string(nil), identifiers...)
	if hash != "" {
		c.Config = passwordConfig(hash)
	}
	c.UpdatedAt = now
	if i.Credentials == nil {
		i.Credentials = map[string]Credential{}
	}
	i.Credentials[CredentialPassword] = c
}

// metadata checks a metadata document: JSON, at most MaxMetadataBytes; null and absent are nil.
func metadata(ptr string, raw json.RawMessage) (json.RawMessage, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return nil, nil
	}
	if len(t) > MaxMetadataBytes {
		return nil, invalid(ptr, "%s is %d bytes long; at most %d", ptr[1:], len(t), MaxMetadataBytes)
	}
	if !json.Valid(t) {
		return nil, invalid(ptr, "%s is not valid JSON", ptr[1:])
	}
	return append(json.RawMessage(nil), t...), nil
}

// mergeVerifiable makes the verifiable addresses of the traits' addresses: each keeps its prior
// record (ID, status) when there is one, and takes the state a request gives for it.
func mergeVerifiable(extracted []schema.Address, prior, given []VerifiableAddress, now time.Time) []VerifiableAddress {
	out := make([]VerifiableAddress, 0, len(extracted))
	for _, x := range extracted {
		a := VerifiableAddress{ID: uuid.NewString(), Via: x.Via, Value: x.Value, Status: AddressPending, CreatedAt: now, UpdatedAt: now}
		if p := findVerifiable(prior, x); p != nil {
			a = *p
		}
		if g := findVerifiable(given, x); g != nil && (g.Verified != a.Verified || g.Status != a.Status && g.Status != "") {
			wasVerified, wasStatus := a.Verified, a.Status
			a.Verified, a.UpdatedAt = g.Verified, now
			if g.Status != "" {
				a.Status = g.Status
			}
			switch {
			case !a.Verified:
				a.VerifiedAt = time.Time{}
			case !g.VerifiedAt.IsZero():
				a.VerifiedAt = g.VerifiedAt.UTC().Truncate(time.Microsecond)
			case a.VerifiedAt.IsZero():
				a.VerifiedAt = now
			}
			// Marking an address verified without saying a status completes it.
			if a.Verified && !wasVerified && (g.Status == "" || g.Status == wasStatus) {
				a.Status = AddressCompleted
			}
		}
		out = append(out, a)
	}
	return out
}

func findVerifiable(list []VerifiableAddress, x schema.Address) *VerifiableAddress {
	for k := range list {
		if list[k].Via == x.Via && strings.EqualFold(strings.TrimSpace(list[k].Value), x.Value) {
			return &list[k]
		}
	}
	return nil
}

// mergeRecovery makes the recovery addresses of the traits' addresses, keeping prior records.
func mergeRecovery(extracted []schema.Address, prior []RecoveryAddress, now time.Time) []RecoveryAddress {
	out := make([]RecoveryAddress, 0, len(extracted))
	for _, x := range extracted {
		a := RecoveryAddress{ID: uuid.NewString(), Via: x.Via, Value: x.Value, CreatedAt: now, UpdatedAt: now}
		for _, p := range prior {
			if p.Via == x.Via && p.Value == x.Value {
				a = p
				break
			}
		}
		out = append(out, a)
	}
	return out
}

func cloneCredentials(m map[string]Credential) map[string]Credential {
	if m == nil {
		return nil
	}
	out := make(map[string]Credential, len(m))
	for t, c := range m {
		c.Identifiers = append([]string(nil), c.Identifiers...)
		out[t] = c
	}
	return out
}

// storeError turns the store's AlreadyExists into a *DuplicateError and leaves others as they
// are.
func storeError(err error) error {
	var c *store.IdentityConflict
	if fault.CodeOf(err) != fault.AlreadyExists || !errors.As(err, &c) {
		return err
	}
	d := &DuplicateError{Field: c.Field, Value: c.Value}
	if t, ok := strings.CutPrefix(c.Field, "credentials."); ok {
		d.CredentialType = strings.TrimSuffix(t, ".identifiers")
	}
	return d
}
