package sql

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// IdentityStore is the [store.IdentityStore] in the tables of migration 00004, on the primary of
// a [Store]: it shares the Store's pool, retry budget and lifetime (Close the Store, not this).
// Get it with [Store.Identity].
//
// Like the OAuth2 store's, these records have no revisions, and every read goes to the primary
// (or, while it is away, to the quorum node furthest along the WAL): a session revoked a moment ago
// must not be found active on a replica. An identity is one row of ward_identities, its
// credentials and addresses JSONB documents (identity_codec.go); its unique values are rows of
// ward_identity_keys, written in the same transaction. Writes to an identity lock its row first
// (SELECT … FOR UPDATE), so that compare-and-set steps on it are serial. A zero time is stored as
// NULL.
type IdentityStore struct {
	s *Store
	// records runs transactions and statements on the primary with the Store's retries: the
	// OAuth2 store's helpers, which serve any table of plain records.
	records *OAuth2Store
}

var _ store.IdentityStore = (*IdentityStore)(nil)

// Identity returns the identity service's store on s's primary.
func (s *Store) Identity() *IdentityStore { return &IdentityStore{s: s, records: s.OAuth2()} }

// raceAttempts is how many times a write that lost a race for a unique value (another
// transaction inserted it between this one's check and its insert) is tried again, each time
// checking afresh, so that the clash is then reported by name.
const raceAttempts = 4

const identityColumns = `i.id::text, i.schema_id, i.traits, i.state, i.state_changed_at, i.metadata_public,
	i.metadata_admin, coalesce(i.external_id, ''), i.credentials, i.verifiable_addresses, i.recovery_addresses,
	i.available_aal, i.version, i.created_at, i.updated_at`

// identityScan holds the destinations of identityColumns.
type identityScan struct {
	i                                store.Identity
	state                            string
	stateChanged, created, updated   pgtype.Timestamptz
	credentials, verifiable, recover []byte
}

func (d *identityScan) dest() []any {
	i := &d.i
	return []any{&i.ID, &i.SchemaID, &i.Traits, &d.state, &d.stateChanged, &i.MetadataPublic, &i.MetadataAdmin,
		&i.ExternalID, &d.credentials, &d.verifiable, &d.recover, &i.AvailableAAL, &i.Version, &d.created, &d.updated}
}

// identity returns the scanned identity.
func (d *identityScan) identity() (*store.Identity, error) {
	i := d.i
	i.State = store.IdentityState(d.state)
	i.StateChangedAt, i.CreatedAt, i.UpdatedAt = tm(d.stateChanged), tm(d.created), tm(d.updated)
	if err := decodeIdentityDocs(&i, d.credentials, d.verifiable, d.recover); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "a stored identity cannot be read")
	}
	return &i, nil
}

func scanIdentity(row pgx.Row) (*store.Identity, error) {
	var d identityScan
	if err := row.Scan(d.dest()...); err != nil {
		return nil, err
	}
	return d.identity()
}

// CreateIdentity stores i with its credentials and addresses.
func (x *IdentityStore) CreateIdentity(ctx context.Context, i *store.Identity) error {
	errs, err := x.CreateIdentities(ctx, []*store.Identity{i})
	if err != nil {
		return err
	}
	return errs[0]
}

// CreateIdentities stores ids, each on its own, in one transaction of four round trips whatever
// their number: the check of which of their unique values are taken, and one multi-row insert
// per table of those that are free. A concurrent transaction that takes one of the values between
// the check and the insert fails the insert; the whole is then tried again, and the check
// reports the clash.
func (x *IdentityStore) CreateIdentities(ctx context.Context, ids []*store.Identity) ([]error, error) {
	if len(ids) > store.MaxIdentityBatch {
		return nil, fault.Invalid("identities", "%d identities in one batch; at most %d", len(ids), store.MaxIdentityBatch)
	}
	prepared := make([]*store.Identity, len(ids))
	invalid := make([]error, len(ids))
	var keys []store.IdentityKey
	for k, i := range ids {
		if prepared[k], invalid[k] = store.CanonicalIdentity(i); invalid[k] == nil {
			prepared[k].Version = 1
			keys = append(keys, prepared[k].Keys()...)
		}
	}
	if len(keys) == 0 {
		return invalid, nil
	}
	var errs []error
	err := x.retryRace(ctx, "create identities", func(ctx context.Context, tx pgx.Tx, uncertain bool) error {
		var err error
		errs, err = createBatch(ctx, tx, prepared, invalid, keys, uncertain)
		return err
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// createBatch inserts those of prepared whose unique values (among keys, theirs) are free, and
// returns the outcome of each: invalid[k] for an identity that could not be prepared, a conflict,
// or nil. uncertain tells it that an earlier attempt lost its connection during COMMIT.
func createBatch(ctx context.Context, tx pgx.Tx, prepared []*store.Identity, invalid []error, keys []store.IdentityKey, uncertain bool) ([]error, error) {
	taken, err := takenKeys(ctx, tx, keys, "")
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(prepared))
	var fresh []*store.Identity
	claimed := make(map[store.IdentityKey]bool)
	for k, i := range prepared {
		if errs[k] = invalid[k]; i == nil {
			continue
		}
		if uncertain && taken[i.Keys()[0]] {
			// The earlier attempt stored i: its ID is random, so the identity found is this
			// call's.
			continue
		}
		if errs[k] = firstClash(i.Keys(), taken, claimed); errs[k] == nil {
			fresh = append(fresh, i)
		}
	}
	return errs, insertIdentities(ctx, tx, fresh)
}

// firstClash returns the conflict of the first of keys that is taken in the database or claimed
// by an earlier identity of the batch; otherwise it claims keys and returns nil.
func firstClash(keys []store.IdentityKey, taken, claimed map[store.IdentityKey]bool) error {
	for _, k := range keys {
		if taken[k] || claimed[k] {
			return k.Conflict()
		}
	}
	for _, k := range keys {
		claimed[k] = true
	}
	return nil
}

// retryRace runs fn in a transaction as inTx does, and tries again when it fails with a unique
// violation: a race with a concurrent write of the same unique value, which fn's next check sees.
func (x *IdentityStore) retryRace(ctx context.Context, what string, fn func(ctx context.Context, tx pgx.Tx, uncertain bool) error) error {
	// An uncertain COMMIT stays so for the attempts after it, whichever inTx makes them.
	uncertain := false
	sticky := func(ctx context.Context, tx pgx.Tx, u bool) error {
		uncertain = uncertain || u
		return fn(ctx, tx, uncertain)
	}
	var err error
	for range raceAttempts {
		if err = x.records.inTx(ctx, what, sticky); !isUnique(err) {
			return err
		}
	}
	return fault.Wrap(fault.Unavailable, err, "concurrent writes keep taking the same unique values; retry later")
}

// takenKeys returns which of keys belong to an identity other than self ("" for none), in one
// query.
func takenKeys(ctx context.Context, tx pgx.Tx, keys []store.IdentityKey, self string) (map[store.IdentityKey]bool, error) {
	var ids, externals []string
	var kinds []int16
	var scopes, values []string
	for _, k := range keys {
		switch k.Kind {
		case store.IdentityIDKey:
			ids = append(ids, k.Value)
		case store.ExternalIDKey:
			externals = append(externals, k.Value)
		default:
			kinds, scopes, values = append(kinds, int16(k.Kind)), append(scopes, k.Scope), append(values, k.Value)
		}
	}
	// The identity self's own values are not taken: an update keeps them.
	notSelf, notSelfKey := "", ""
	args := []any{ids, externals, kinds, scopes, values}
	if self != "" {
		notSelf, notSelfKey = ` AND id <> $6::uuid`, ` AND k.identity_id <> $6::uuid`
		args = append(args, self)
	}
	rows, err := tx.Query(ctx, `
		SELECT `+fmt.Sprint(int16(store.IdentityIDKey))+`::int2, '', id::text FROM ward_identities
			WHERE id = ANY($1::uuid[])`+notSelf+`
		UNION ALL
		SELECT `+fmt.Sprint(int16(store.ExternalIDKey))+`::int2, '', external_id FROM ward_identities
			WHERE external_id = ANY($2::text[])`+notSelf+`
		UNION ALL
		SELECT k.kind, k.scope, k.value FROM ward_identity_keys k
			JOIN unnest($3::int2[], $4::text[], $5::text[]) AS q (kind, scope, value)
			ON k.kind = q.kind AND k.scope = q.scope AND k.value = q.value`+strings.Replace(notSelfKey, " AND", " WHERE", 1), args...)
	if err != nil {
		return nil, err
	}
	taken := make(map[store.IdentityKey]bool)
	var k store.IdentityKey
	var kind int16
	_, err = pgx.ForEachRow(rows, []any{&kind, &k.Scope, &k.Value}, func() error {
		k.Kind = store.IdentityKeyKind(kind)
		taken[k] = true
		return nil
	})
	return taken, err
}

// insertIdentities inserts identities, whose unique values are free, with their keys: one
// statement per table, in one round trip.
func insertIdentities(ctx context.Context, tx pgx.Tx, identities []*store.Identity) error {
	if len(identities) == 0 {
		return nil
	}
	var c identityColumnsOf
	var keyKinds []int16
	var keyScopes, keyValues, keyOwners []string
	for _, i := range identities {
		if err := c.add(i); err != nil {
			return err
		}
		for _, k := range i.Keys() {
			if k.Kind != store.IdentityIDKey && k.Kind != store.ExternalIDKey {
				keyKinds, keyScopes, keyValues = append(keyKinds, int16(k.Kind)), append(keyScopes, k.Scope), append(keyValues, k.Value)
				keyOwners = append(keyOwners, i.ID)
			}
		}
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO ward_identities (id, schema_id, traits, state, state_changed_at, metadata_public,
			metadata_admin, external_id, credentials, verifiable_addresses, recovery_addresses, available_aal,
			version, created_at, updated_at)
		SELECT id, schema_id, traits, state, state_changed_at, metadata_public, metadata_admin,
			nullif(external_id, ''), credentials::jsonb, verifiable::jsonb, recovery::jsonb, available_aal, version,
			created_at, updated_at
		FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::text[], $5::timestamptz[], $6::bytea[], $7::bytea[],
			$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int8[], $14::timestamptz[],
			$15::timestamptz[])
			AS n (id, schema_id, traits, state, state_changed_at, metadata_public, metadata_admin, external_id,
				credentials, verifiable, recovery, available_aal, version, created_at, updated_at)`, c.args()...)
	if len(keyKinds) > 0 {
		b.Queue(`INSERT INTO ward_identity_keys (kind, scope, value, identity_id)
			SELECT * FROM unnest($1::int2[], $2::text[], $3::text[], $4::uuid[])`, keyKinds, keyScopes, keyValues, keyOwners)
	}
	return tx.SendBatch(ctx, b).Close()
}

// identityColumnsOf are identities as the column arrays of a multi-row insert.
type identityColumnsOf struct {
	ids, schemas, states, externals, creds, verifiable, recovery, aals []string
	traits, public, admin                                              [][]byte
	versions                                                           []int64
	stateChanged, created, updated                                     []pgtype.Timestamptz
}

func (c *identityColumnsOf) add(i *store.Identity) error {
	d, err := encodeIdentity(i)
	if err != nil {
		return err
	}
	c.ids, c.schemas, c.states = append(c.ids, i.ID), append(c.schemas, i.SchemaID), append(c.states, string(i.State))
	c.externals, c.aals = append(c.externals, i.ExternalID), append(c.aals, i.AvailableAAL)
	c.creds, c.verifiable, c.recovery = append(c.creds, d.credentials), append(c.verifiable, d.verifiable), append(c.recovery, d.recovery)
	c.traits, c.public, c.admin = append(c.traits, i.Traits), append(c.public, i.MetadataPublic), append(c.admin, i.MetadataAdmin)
	c.versions = append(c.versions, i.Version)
	c.stateChanged = append(c.stateChanged, ts(i.StateChangedAt))
	c.created, c.updated = append(c.created, ts(i.CreatedAt)), append(c.updated, ts(i.UpdatedAt))
	return nil
}

func (c *identityColumnsOf) args() []any {
	return []any{c.ids, c.schemas, c.traits, c.states, c.stateChanged, c.public, c.admin, c.externals, c.creds,
		c.verifiable, c.recovery, c.aals, c.versions, c.created, c.updated}
}

// readOne runs query on the primary (see Store.readCommitted) and returns the record scan makes
// of its row, or notFound when there is none.
func readOne[T any](ctx context.Context, s *Store, what string, notFound error, scan func(pgx.Row) (*T, error), query string, args ...any) (*T, error) {
	var r *T
	err := s.readCommitted(ctx, what, func(ctx context.Context, q querier) error {
		var err error
		r, err = scan(q.QueryRow(ctx, query, args...))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound
	}
	return r, err
}

// readAll runs query on the primary and returns the records scan makes of its rows.
func readAll[T any](ctx context.Context, s *Store, what string, scan func(pgx.Row) (*T, error), query string, args ...any) ([]*T, error) {
	var out []*T
	err := s.readCommitted(ctx, what, func(ctx context.Context, q querier) error {
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*T, error) { return scan(row) })
		return err
	})
	return out, err
}

// keyset builds a listing in the order of a UUID column, from after that column's value: the
// store's keyset pagination.
type keyset struct {
	where string
	args  []any
}

// arg adds v to the query's arguments and returns its placeholder.
func (k *keyset) arg(v any) string {
	k.args = append(k.args, v)
	return fmt.Sprintf("$%d", len(k.args))
}

// and adds a condition.
func (k *keyset) and(cond string) { k.where += ` AND ` + cond }

// uuid returns the placeholder of the UUID id, or InvalidArgument naming field.
func (k *keyset) uuid(field, id string) (string, error) {
	c, ok := store.CanonicalID(id)
	if !ok {
		return "", fault.Invalid(field, "%q is not a UUID", id)
	}
	return k.arg(c), nil
}

// query returns the listing of selectFrom (a SELECT … FROM …) of the rows whose column sorts after
// after ("" for all), with the conditions added, in column order, up to limit rows (all when
// limit ≤ 0).
func (k *keyset) query(selectFrom, column, after string, limit int) (string, error) {
	if after != "" {
		p, err := k.uuid("after", after)
		if err != nil {
			return "", err
		}
		k.and(column + ` > ` + p)
	}
	q := selectFrom + ` WHERE true` + k.where + ` ORDER BY ` + column
	if limit > 0 {
		q += ` LIMIT ` + k.arg(limit)
	}
	return q, nil
}

// GetIdentity returns the identity with this ID.
func (x *IdentityStore) GetIdentity(ctx context.Context, id string) (*store.Identity, error) {
	c, ok := store.CanonicalID(id)
	if !ok {
		return nil, errNoIdentity(id)
	}
	return readOne(ctx, x.s, "get identity", errNoIdentity(id), scanIdentity,
		`SELECT `+identityColumns+` FROM ward_identities i WHERE i.id = $1`, c)
}

// GetIdentityByExternalID returns the identity with this external ID.
func (x *IdentityStore) GetIdentityByExternalID(ctx context.Context, externalID string) (*store.Identity, error) {
	return readOne(ctx, x.s, "get identity by external ID",
		fault.New(fault.NotFound, "no identity has external ID %q", externalID), scanIdentity,
		`SELECT `+identityColumns+` FROM ward_identities i WHERE i.external_id = $1`, externalID)
}

// FindByCredentialIdentifier returns the identity with this identifier, and its credential, in
// one query: the key's primary key, then the identity's.
func (x *IdentityStore) FindByCredentialIdentifier(ctx context.Context, credentialType, identifier string) (*store.Identity, *store.Credential, error) {
	i, err := readOne(ctx, x.s, "find identity by identifier", errNoIdentifier(credentialType), scanIdentity, `
		SELECT `+identityColumns+` FROM ward_identity_keys k JOIN ward_identities i ON i.id = k.identity_id
		WHERE k.kind = $1 AND k.scope = $2 AND k.value = $3`, int16(store.IdentifierKey), credentialType, identifier)
	if err != nil {
		return nil, nil, err
	}
	c, ok := i.Credentials[credentialType]
	if !ok {
		return nil, nil, fault.Bugf("identity %s is indexed by a %s identifier it does not have", i.ID, credentialType)
	}
	c = c.Clone()
	return i, &c, nil
}

// FindVerifiableAddress returns the identity with this verifiable address, and the address.
func (x *IdentityStore) FindVerifiableAddress(ctx context.Context, via, value string) (*store.Identity, *store.VerifiableAddress, error) {
	return findAddress(ctx, x, store.VerifiableAddressKey, via, value, func(i *store.Identity) []store.VerifiableAddress {
		return i.VerifiableAddresses
	}, func(a store.VerifiableAddress) bool { return a.Via == via && a.Value == value })
}

// FindRecoveryAddress returns the identity with this recovery address, and the address.
func (x *IdentityStore) FindRecoveryAddress(ctx context.Context, via, value string) (*store.Identity, *store.RecoveryAddress, error) {
	return findAddress(ctx, x, store.RecoveryAddressKey, via, value, func(i *store.Identity) []store.RecoveryAddress {
		return i.RecoveryAddresses
	}, func(a store.RecoveryAddress) bool { return a.Via == via && a.Value == value })
}

// findAddress returns the identity with the address via:value in the list of kind, in one query,
// and the address, which is the one of list(identity) that is.
func findAddress[A any](ctx context.Context, x *IdentityStore, kind store.IdentityKeyKind, via, value string, list func(*store.Identity) []A, is func(A) bool) (*store.Identity, *A, error) {
	i, err := readOne(ctx, x.s, "find identity by address", fault.New(fault.NotFound, "no identity has this %s address", via),
		scanIdentity, `SELECT `+identityColumns+` FROM ward_identity_keys k JOIN ward_identities i ON i.id = k.identity_id
		WHERE k.kind = $1 AND k.scope = $2 AND k.value = $3`, int16(kind), via, value)
	if err != nil {
		return nil, nil, err
	}
	if k := slices.IndexFunc(list(i), is); k >= 0 {
		return i, &list(i)[k], nil
	}
	return nil, nil, fault.Bugf("identity %s is indexed by an address it does not have", i.ID)
}

// ListIdentities returns the identities f selects after after, in ID order: a range of the
// primary key, filtered.
func (x *IdentityStore) ListIdentities(ctx context.Context, f store.IdentityFilter, after string, limit int) ([]*store.Identity, error) {
	var k keyset
	if len(f.IDs) > 0 {
		ids := make([]string, len(f.IDs))
		for n, id := range f.IDs {
			var ok bool
			if ids[n], ok = store.CanonicalID(id); !ok {
				return nil, fault.Invalid(fmt.Sprintf("ids[%d]", n), "%q is not a UUID", id)
			}
		}
		k.and(`i.id = ANY(` + k.arg(ids) + `::uuid[])`)
	}
	if f.CredentialsIdentifier != "" {
		k.and(`i.id IN (SELECT identity_id FROM ward_identity_keys WHERE value = ` + k.arg(f.CredentialsIdentifier) +
			` AND kind = ` + k.arg(int16(store.IdentifierKey)) + `)`)
	}
	q, err := k.query(`SELECT `+identityColumns+` FROM ward_identities i`, `i.id`, after, limit)
	if err != nil {
		return nil, err
	}
	return readAll(ctx, x.s, "list identities", scanIdentity, q, k.args...)
}

// CountIdentities returns how many identities are stored.
func (x *IdentityStore) CountIdentities(ctx context.Context) (int, error) {
	var n int
	err := x.s.readCommitted(ctx, "count identities", func(ctx context.Context, q querier) error {
		return q.QueryRow(ctx, `SELECT count(*) FROM ward_identities`).Scan(&n)
	})
	return n, err
}

func errNoIdentity(id string) error { return fault.New(fault.NotFound, "identity %q not found", id) }

func errNoIdentifier(credentialType string) error {
	return fault.New(fault.NotFound, "no identity has a %s credential with this identifier", credentialType)
}
