package sql

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// errApplied tells modifyIdentity that an earlier attempt, whose COMMIT lost its connection,
// made the change already.
var errApplied = errors.New("applied by an earlier attempt")

// lockIdentity reads the identity with ID id (canonical) and locks its row until tx ends.
func lockIdentity(ctx context.Context, tx pgx.Tx, id string) (*store.Identity, error) {
	i, err := scanIdentity(tx.QueryRow(ctx, `SELECT `+identityColumns+` FROM ward_identities i WHERE i.id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNoIdentity(id)
	}
	return i, err
}

// writeIdentity replaces the row of i, whose unique values were old and are checked free, and
// its keys, and records the invalidation of its sessions, in one round trip.
func writeIdentity(ctx context.Context, tx pgx.Tx, i *store.Identity, old []store.IdentityKey) error {
	d, err := encodeIdentity(i)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(`UPDATE ward_identities SET schema_id = $2, traits = $3, state = $4, state_changed_at = $5,
			metadata_public = $6, metadata_admin = $7, external_id = nullif($8, ''), credentials = $9::jsonb,
			verifiable_addresses = $10::jsonb, recovery_addresses = $11::jsonb, available_aal = $12, version = $13,
			updated_at = $14
		WHERE id = $1`,
		i.ID, i.SchemaID, i.Traits, string(i.State), ts(i.StateChangedAt), i.MetadataPublic, i.MetadataAdmin, i.ExternalID,
		d.credentials, d.verifiable, d.recovery, i.AvailableAAL, i.Version, ts(i.UpdatedAt))
	removed, added := keyChanges(old, i.Keys())
	if len(removed.kinds) > 0 {
		b.Queue(`DELETE FROM ward_identity_keys WHERE identity_id = $1 AND (kind, scope, value) IN
			(SELECT * FROM unnest($2::int2[], $3::text[], $4::text[]))`, i.ID, removed.kinds, removed.scopes, removed.values)
	}
	if len(added.kinds) > 0 {
		b.Queue(`INSERT INTO ward_identity_keys (kind, scope, value, identity_id)
			SELECT kind, scope, value, $1::uuid FROM unnest($2::int2[], $3::text[], $4::text[]) AS n (kind, scope, value)`,
			i.ID, added.kinds, added.scopes, added.values)
	}
	b.Queue(`INSERT INTO ward_session_invalidations (identity_id) VALUES ($1)`, i.ID)
	return tx.SendBatch(ctx, b).Close()
}

// keyColumns are keys of ward_identity_keys as column arrays.
type keyColumns struct {
	kinds          []int16
	scopes, values []string
}

func (c *keyColumns) add(k store.IdentityKey) {
	c.kinds, c.scopes, c.values = append(c.kinds, int16(k.Kind)), append(c.scopes, k.Scope), append(c.values, k.Value)
}

// keyChanges returns the rows of ward_identity_keys to delete and to insert when an identity's
// unique values go from old to new. The ID and external ID are columns of the identity's row,
// not keys.
func keyChanges(old, new []store.IdentityKey) (removed, added keyColumns) {
	inKeys := func(k store.IdentityKey) bool { return k.Kind != store.IdentityIDKey && k.Kind != store.ExternalIDKey }
	for _, k := range old {
		if inKeys(k) && !slices.Contains(new, k) {
			removed.add(k)
		}
	}
	for _, k := range new {
		if inKeys(k) && !slices.Contains(old, k) {
			added.add(k)
		}
	}
	return removed, added
}

// UpdateIdentity replaces the identity when its Version is i.Version: it locks the row, checks
// the version and the new unique values, and writes the row and the keys that changed.
func (x *IdentityStore) UpdateIdentity(ctx context.Context, i *store.Identity) error {
	n, err := store.CanonicalIdentity(i)
	if err != nil {
		return err
	}
	return x.retryRace(ctx, "update identity", func(ctx context.Context, tx pgx.Tx, uncertain bool) error {
		return updateIdentity(ctx, tx, n, i.Version, uncertain)
	})
}

// updateIdentity replaces the identity n (canonical) when its stored Version is from. uncertain
// tells it that an earlier attempt lost its connection during COMMIT: an identity found one
// version further, with n's traits and UpdatedAt, is that attempt's write.
func updateIdentity(ctx context.Context, tx pgx.Tx, n *store.Identity, from int64, uncertain bool) error {
	old, err := lockIdentity(ctx, tx, n.ID)
	if err != nil {
		return err
	}
	if old.Version != from {
		if uncertain && old.Version == from+1 && old.UpdatedAt.Equal(n.UpdatedAt.Truncate(time.Microsecond)) &&
			bytes.Equal(old.Traits, n.Traits) {
			return nil
		}
		return errIdentityChanged(n.ID, from, old.Version)
	}
	taken, err := takenKeys(ctx, tx, n.Keys(), n.ID)
	if err != nil {
		return err
	}
	if err := firstClash(n.Keys(), taken, map[store.IdentityKey]bool{}); err != nil {
		return err
	}
	n.Version, n.CreatedAt = old.Version+1, old.CreatedAt
	return writeIdentity(ctx, tx, n, old.Keys())
}

// modifyIdentity applies change to the identity with ID id, locked, and writes it with its
// Version one more and its UpdatedAt at. change fails with errApplied when uncertain (see inTx)
// and it finds its change made.
func (x *IdentityStore) modifyIdentity(ctx context.Context, what, id string, at time.Time, change func(i *store.Identity, uncertain bool) error) error {
	c, ok := store.CanonicalID(id)
	if !ok {
		return errNoIdentity(id)
	}
	return x.records.inTx(ctx, what, func(ctx context.Context, tx pgx.Tx, uncertain bool) error {
		i, err := lockIdentity(ctx, tx, c)
		if err != nil {
			return err
		}
		old := i.Keys()
		switch err := change(i, uncertain); {
		case errors.Is(err, errApplied):
			return nil
		case err != nil:
			return err
		}
		i.Version++
		i.UpdatedAt = at
		return writeIdentity(ctx, tx, i, old)
	})
}

// UpdateCredentialConfig sets the credential's Config to to when it is from.
func (x *IdentityStore) UpdateCredentialConfig(ctx context.Context, identityID, credentialType string, from, to []byte, at time.Time) error {
	return x.modifyIdentity(ctx, "update credential", identityID, at, func(i *store.Identity, uncertain bool) error {
		c, ok := i.Credentials[credentialType]
		switch {
		case !ok:
			return errNoCredential(i.ID, credentialType)
		case uncertain && bytes.Equal(c.Config, to) && !bytes.Equal(from, to):
			return errApplied
		case !bytes.Equal(c.Config, from):
			return fault.New(fault.FailedPrecondition, "the %s credential of identity %s has changed", credentialType, i.ID)
		}
		c.Config, c.UpdatedAt = to, at
		i.Credentials[credentialType] = c
		return nil
	})
}

// DeleteCredential removes a credential, or one identifier of it.
func (x *IdentityStore) DeleteCredential(ctx context.Context, identityID, credentialType, identifier string, at time.Time) error {
	return x.modifyIdentity(ctx, "delete credential", identityID, at, func(i *store.Identity, uncertain bool) error {
		c, ok := i.Credentials[credentialType]
		k := slices.Index(c.Identifiers, identifier)
		switch {
		case !ok && uncertain:
			return errApplied
		case !ok:
			return errNoCredential(i.ID, credentialType)
		case identifier == "":
			delete(i.Credentials, credentialType)
		case k < 0 && uncertain:
			return errApplied
		case k < 0:
			return fault.New(fault.NotFound, "the %s credential of identity %s has no identifier %q", credentialType, i.ID, identifier)
		case len(c.Identifiers) == 1:
			delete(i.Credentials, credentialType)
		default:
			c.Identifiers = slices.Delete(c.Identifiers, k, k+1)
			c.UpdatedAt = at
			i.Credentials[credentialType] = c
		}
		return nil
	})
}

// MarkAddressVerified marks a verifiable address verified.
func (x *IdentityStore) MarkAddressVerified(ctx context.Context, identityID, addressID string, at time.Time) error {
	aid, _ := store.CanonicalID(addressID)
	return x.modifyIdentity(ctx, "verify address", identityID, at, func(i *store.Identity, _ bool) error {
		k := slices.IndexFunc(i.VerifiableAddresses, func(a store.VerifiableAddress) bool { return a.ID == aid })
		if k < 0 {
			return fault.New(fault.NotFound, "identity %s has no verifiable address %q", i.ID, addressID)
		}
		a := &i.VerifiableAddresses[k]
		a.Verified, a.VerifiedAt, a.Status, a.UpdatedAt = true, at, "completed", at
		return nil
	})
}

// DeleteIdentity deletes the identity; its keys, sessions and flows go with it by the foreign
// keys' cascades, and the invalidation of its sessions is recorded in the same transaction.
func (x *IdentityStore) DeleteIdentity(ctx context.Context, id string) error {
	c, ok := store.CanonicalID(id)
	if !ok {
		return errNoIdentity(id)
	}
	return x.records.inTx(ctx, "delete identity", func(ctx context.Context, tx pgx.Tx, uncertain bool) error {
		tag, err := tx.Exec(ctx, `DELETE FROM ward_identities WHERE id = $1`, c)
		switch {
		case err != nil:
			return err
		case tag.RowsAffected() == 0 && uncertain:
			return nil // an earlier attempt deleted it and committed before its connection was lost
		case tag.RowsAffected() == 0:
			return errNoIdentity(id)
		}
		_, err = tx.Exec(ctx, `INSERT INTO ward_session_invalidations (identity_id) VALUES ($1)`, c)
		return err
	})
}

func errIdentityChanged(id string, want, have int64) error {
	return fault.New(fault.FailedPrecondition, "identity %s is at version %d, not %d: it changed since it was read", id, have, want)
}

func errNoCredential(identityID, credentialType string) error {
	return fault.New(fault.NotFound, "identity %s has no %s credential", identityID, credentialType)
}
