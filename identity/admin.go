package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// CreateIdentityBody is the body of POST /admin/identities, as Kratos's createIdentityBody.
type CreateIdentityBody struct {
	// SchemaID is the identity's schema; "" for the default one.
	SchemaID string          `json:"schema_id"`
	Traits   json.RawMessage `json:"traits"`
	// Credentials imports a password (plaintext, which is hashed, or a hash, kept as it is until
	// the first login re-hashes it in ward's algorithm).
	Credentials *ImportCredentials `json:"credentials,omitempty"`
	// VerifiableAddresses imports the state of addresses the traits name (verified, status);
	// addresses the traits do not name are dropped, as in Kratos.
	VerifiableAddresses []VerifiableAddress `json:"verifiable_addresses,omitempty"`
	// RecoveryAddresses is accepted for Kratos's sake; the traits decide the recovery addresses.
	RecoveryAddresses []RecoveryAddress `json:"recovery_addresses,omitempty"`
	MetadataPublic    json.RawMessage   `json:"metadata_public,omitempty"`
	MetadataAdmin     json.RawMessage   `json:"metadata_admin,omitempty"`
	// State is "active" (the default) or "inactive".
	State      State  `json:"state,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
}

// ImportCredentials are the credentials a create or update imports (Kratos's
// identityWithCredentials).
type ImportCredentials struct {
	Password *ImportPassword `json:"password,omitempty"`
	// OIDC is refused when set: ward has no OpenID Connect login yet.
	OIDC json.RawMessage `json:"oidc,omitempty"`
}

// ImportPassword is a password credential to import.
type ImportPassword struct {
	Config ImportPasswordConfig `json:"config"`
}

// ImportPasswordConfig is a password in plaintext or as a hash. Password wins when both are
// given, as in Kratos; neither is checked against the password policy (an import keeps the
// password the user knows).
type ImportPasswordConfig struct {
	HashedPassword string `json:"hashed_password,omitempty"`
	Password       string `json:"password,omitempty"`
	// UsePasswordMigrationHook is refused when set: ward has no migration hook.
	UsePasswordMigrationHook bool `json:"use_password_migration_hook,omitempty"`
}

// UpdateIdentityBody is the body of PUT /admin/identities/{id}: it replaces the traits and the
// metadata; the schema and the state change only when given; imported credentials replace the
// password.
type UpdateIdentityBody struct {
	SchemaID       string             `json:"schema_id,omitempty"`
	Traits         json.RawMessage    `json:"traits"`
	Credentials    *ImportCredentials `json:"credentials,omitempty"`
	MetadataPublic json.RawMessage    `json:"metadata_public,omitempty"`
	MetadataAdmin  json.RawMessage    `json:"metadata_admin,omitempty"`
	State          State              `json:"state,omitempty"`
	ExternalID     string             `json:"external_id,omitempty"`
}

func (b *CreateIdentityBody) draft() draft {
	d := draft{
		schemaID: b.SchemaID, traits: b.Traits, state: b.State, metadataPublic: b.MetadataPublic,
		metadataAdmin: b.MetadataAdmin, externalID: b.ExternalID, verifiable: b.VerifiableAddresses,
		recovery: b.RecoveryAddresses,
	}
	d.setCredentials(b.Credentials)
	return d
}

func (d *draft) setCredentials(c *ImportCredentials) {
	if c == nil {
		return
	}
	if c.Password != nil {
		p := c.Password.Config
		d.password = &p
	}
	d.oidc = c.OIDC
}

// CreateIdentity creates an identity (POST /admin/identities). Its traits are validated against
// the schema and its identifiers and addresses taken from them; a *ValidationError lists what is
// wrong, a *DuplicateError names a value another identity has. Nothing is stored on error.
func (s *Service) CreateIdentity(ctx context.Context, body CreateIdentityBody) (*Identity, error) {
	return s.create(ctx, body.draft())
}

func (s *Service) create(ctx context.Context, d draft) (*Identity, error) {
	i, err := s.build(ctx, nil, d, s.clock())
	if err != nil {
		return nil, err
	}
	if err := s.st.CreateIdentity(ctx, i.toStore()); err != nil {
		return nil, storeError(err)
	}
	i.Version = 1
	s.log.DebugContext(ctx, "identity created", "identity_id", i.ID, "schema_id", i.SchemaID)
	return i, nil
}

// IdentityPatch is one entry of PATCH /admin/identities: an identity to create, with an optional
// ID the answer repeats.
type IdentityPatch struct {
	Create  *CreateIdentityBody `json:"create,omitempty"`
	PatchID string              `json:"patch_id,omitempty"`
}

// The actions of an [IdentityPatchResult].
const (
	ActionCreate = "create"
	ActionError  = "error"
)

// IdentityPatchResult is the outcome of one IdentityPatch: Action "create" with the new
// identity's ID, or "error" with Err.
type IdentityPatchResult struct {
	Action     string
	IdentityID string
	PatchID    string
	Err        error
}

// CreateIdentities creates identities in a batch (PATCH /admin/identities): at most
// store.MaxIdentityBatch, each on its own, so that one that fails (invalid, or clashing with a
// stored identity or an earlier one of the batch) fails alone. results[k] is the outcome of
// patches[k]; an entry without Create has the zero result. The error is for the batch as a whole
// (too many entries, the store failing); nothing is stored then.
func (s *Service) CreateIdentities(ctx context.Context, patches []IdentityPatch) ([]IdentityPatchResult, error) {
	if len(patches) > store.MaxIdentityBatch {
		return nil, fault.Invalid("identities", "The maximum number of identities that can be created or deleted at once is %d.", store.MaxIdentityBatch)
	}
	now := s.clock()
	results := make([]IdentityPatchResult, len(patches))
	var records []*store.Identity
	var index []int // records[k] is of patches[index[k]]
	for k, p := range patches {
		if p.Create == nil {
			continue
		}
		results[k] = IdentityPatchResult{Action: ActionCreate, PatchID: p.PatchID}
		i, err := s.build(ctx, nil, p.Create.draft(), now)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			results[k].Action, results[k].Err = ActionError, err
			continue
		}
		results[k].IdentityID = i.ID
		records = append(records, i.toStore())
		index = append(index, k)
	}
	if len(records) == 0 {
		return results, nil
	}
	errs, err := s.st.CreateIdentities(ctx, records)
	if err != nil {
		return nil, err
	}
	for n, e := range errs {
		if e != nil {
			k := index[n]
			results[k].Action, results[k].IdentityID, results[k].Err = ActionError, "", storeError(e)
		}
	}
	s.log.DebugContext(ctx, "identities created in a batch", "entries", len(patches), "stored", len(records))
	return results, nil
}

// GetIdentity returns the identity with this ID, with its credentials; NotFound when there is
// none (also for an ID that is not a UUID).
func (s *Service) GetIdentity(ctx context.Context, id string) (*Identity, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, notFoundIdentity()
	}
	r, err := s.st.GetIdentity(ctx, id)
	if err != nil {
		return nil, identityError(err)
	}
	return fromStore(r, s.schemaURL), nil
}

// GetIdentityByExternalID returns the identity with this external ID, or NotFound.
func (s *Service) GetIdentityByExternalID(ctx context.Context, externalID string) (*Identity, error) {
	if externalID == "" || len(externalID) > store.MaxIdentifierLength {
		return nil, notFoundIdentity()
	}
	r, err := s.st.GetIdentityByExternalID(ctx, externalID)
	if err != nil {
		return nil, identityError(err)
	}
	return fromStore(r, s.schemaURL), nil
}

func notFoundIdentity() error {
	return fault.New(fault.NotFound, "Unable to locate the resource")
}

// identityError turns the store's NotFound into Kratos's message.
func identityError(err error) error {
	if fault.CodeOf(err) == fault.NotFound {
		return fault.Wrap(fault.NotFound, err, "Unable to locate the resource")
	}
	return err
}

// ListParams selects a page of identities (GET /admin/identities).
type ListParams struct {
	// PageSize is the most identities a page holds: default DefaultListPageSize, at most
	// MaxListPageSize.
	PageSize int
	// PageToken is the NextPageToken of the previous page; "" for the first.
	PageToken string
	// CredentialsIdentifier selects the identities with a credential of this identifier; it is
	// folded (trimmed, lower-cased) as identifiers are.
	CredentialsIdentifier string
	// IDs selects these identities; each must be a UUID.
	IDs []string
}

// ListIdentities returns a page of identities in ID order, and the token of the next page ("" on
// the last). InvalidArgument names a bad page size, page token or ID.
func (s *Service) ListIdentities(ctx context.Context, p ListParams) ([]*Identity, string, error) {
	size, err := pageSize(p.PageSize)
	if err != nil {
		return nil, "", err
	}
	if p.PageToken != "" {
		if _, err := uuid.Parse(p.PageToken); err != nil {
			return nil, "", fault.Invalid("page_token", "the page token is not valid")
		}
	}
	for k, id := range p.IDs {
		if _, err := uuid.Parse(id); err != nil {
			return nil, "", fault.Invalid(fmt.Sprintf("ids[%d]", k), "Invalid UUID value `%s` for parameter `ids`.", id)
		}
	}
	f := store.IdentityFilter{IDs: p.IDs, CredentialsIdentifier: FoldIdentifier(p.CredentialsIdentifier)}
	rs, err := s.st.ListIdentities(ctx, f, p.PageToken, size+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(rs) > size {
		rs = rs[:size]
		next = rs[size-1].ID
	}
	out := make([]*Identity, len(rs))
	for k, r := range rs {
		out[k] = fromStore(r, s.schemaURL)
	}
	return out, next, nil
}

func pageSize(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultListPageSize, nil
	case n < 0 || n > MaxListPageSize:
		return 0, fault.Invalid("page_size", "the page size must be between 1 and %d", MaxListPageSize)
	}
	return n, nil
}

// FoldIdentifier returns an identifier as identities store it: trimmed and lower-cased, as
// Kratos folds password identifiers.
func FoldIdentifier(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// updateAttempts is how often a read-modify-write of an identity is tried when another write
// comes between its read and its write.
const updateAttempts = 3

// modify reads identity id, applies change and stores the result when nothing was written to
// the identity meanwhile (the store compares Version), trying again on a newer read otherwise:
// no write computed from an old read, such as a password change, is lost. change returns the
// identity to store, or an error that ends the attempt and is returned.
func (s *Service) modify(ctx context.Context, id string, change func(prior *Identity) (*Identity, error)) (*Identity, error) {
	var err error
	for range updateAttempts {
		var prior *Identity
		if prior, err = s.GetIdentity(ctx, id); err != nil {
			return nil, err
		}
		var next *Identity
		if next, err = change(prior); err != nil {
			return nil, err
		}
		next.ID, next.Version, next.CreatedAt = prior.ID, prior.Version, prior.CreatedAt
		err = s.st.UpdateIdentity(ctx, next.toStore())
		if err == nil {
			next.Version++
			s.forgetIdentity(next.ID)
			return next, nil
		}
		if fault.CodeOf(err) != fault.FailedPrecondition {
			return nil, identityError(storeError(err))
		}
	}
	return nil, fault.Wrap(fault.Aborted, err, "the identity was changed concurrently; try again")
}

// UpdateIdentity replaces an identity (PUT /admin/identities/{id}) as Kratos does: traits and
// metadata replaced, schema and state when given, the password when credentials are given.
// Errors as CreateIdentity, and NotFound; nothing changes on error.
func (s *Service) UpdateIdentity(ctx context.Context, id string, body UpdateIdentityBody) (*Identity, error) {
	i, err := s.modify(ctx, id, func(prior *Identity) (*Identity, error) {
		d := draft{
			schemaID: body.SchemaID, traits: body.Traits, state: body.State,
			metadataPublic: body.MetadataPublic, metadataAdmin: body.MetadataAdmin,
			externalID: body.ExternalID, verifiable: prior.VerifiableAddresses,
		}
		if d.schemaID == "" {
			d.schemaID = prior.SchemaID
		}
		d.setCredentials(body.Credentials)
		return s.build(ctx, prior, d, s.clock())
	})
	if err != nil {
		return nil, err
	}
	s.log.DebugContext(ctx, "identity updated", "identity_id", i.ID)
	return i, nil
}

// UpdateTraits replaces an identity's traits (the settings flow's profile method), keeping its
// schema, state, metadata and credentials. Errors as UpdateIdentity.
func (s *Service) UpdateTraits(ctx context.Context, identityID string, traits json.RawMessage) (*Identity, error) {
	i, err := s.modify(ctx, identityID, func(prior *Identity) (*Identity, error) {
		return s.build(ctx, prior, draftOf(prior, traits), s.clock())
	})
	if err != nil {
		return nil, err
	}
	s.log.DebugContext(ctx, "identity traits updated", "identity_id", i.ID)
	return i, nil
}

// draftOf is the draft that keeps prior as it is but for its traits.
func draftOf(prior *Identity, traits json.RawMessage) draft {
	return draft{
		schemaID: prior.SchemaID, traits: traits, state: prior.State,
		metadataPublic: prior.MetadataPublic, metadataAdmin: prior.MetadataAdmin,
		externalID: prior.ExternalID, verifiable: prior.VerifiableAddresses,
	}
}

// DeleteIdentity deletes an identity with its sessions; NotFound when there is none.
func (s *Service) DeleteIdentity(ctx context.Context, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return notFoundIdentity()
	}
	if err := s.st.DeleteIdentity(ctx, id); err != nil {
		return identityError(err)
	}
	s.forgetIdentity(id)
	s.log.DebugContext(ctx, "identity deleted", "identity_id", id)
	return nil
}

// The credential types DeleteCredential removes whole.
var deletableCredentials = map[string]bool{"totp": true, "lookup_secret": true, "webauthn": true}

// DeleteCredential removes a credential (DELETE /admin/identities/{id}/credentials/{type}), as
// Kratos does: a second factor (totp, lookup_secret, webauthn) whole; an oidc link by its
// identifier ("provider:subject"); never a first factor (password, code), which is
// InvalidArgument. NotFound when the identity has no such credential or identifier.
func (s *Service) DeleteCredential(ctx context.Context, identityID, credType, identifier string) error {
	switch {
	case credType == CredentialPassword || credType == "code":
		return fault.Invalid("type", "You cannot remove first factor credentials.")
	case credType == "oidc":
		if identifier == "" {
			return fault.Invalid("identifier", "An identifier is required to remove an oidc credential.")
		}
	case !deletableCredentials[credType]:
		return fault.Invalid("type", "Unknown credentials type %s.", credType)
	}
	i, err := s.GetIdentity(ctx, identityID)
	if err != nil {
		return err
	}
	if _, ok := i.Credentials[credType]; !ok {
		return fault.New(fault.NotFound, "You tried to remove a %s but this user have no %s set up.", credType, credType)
	}
	if credType != "oidc" {
		identifier = ""
	}
	if err := s.st.DeleteCredential(ctx, identityID, credType, identifier, s.clock()); err != nil {
		return identityError(err)
	}
	s.forgetIdentity(identityID)
	s.log.DebugContext(ctx, "identity credential deleted", "identity_id", identityID, "type", credType)
	return nil
}
