package sql

import (
	"bytes"
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

const selfServiceFlowColumns = `id::text, kind, coalesce(identity_id::text, ''), data, version, expires_at, created_at, updated_at`

func scanSelfServiceFlow(row pgx.Row) (*store.SelfServiceFlow, error) {
	var f store.SelfServiceFlow
	var kind string
	var expires, created, updated pgtype.Timestamptz
	err := row.Scan(&f.ID, &kind, &f.IdentityID, &f.Data, &f.Version, &expires, &created, &updated)
	f.Kind, f.ExpiresAt, f.CreatedAt, f.UpdatedAt = store.SelfServiceFlowKind(kind), tm(expires), tm(created), tm(updated)
	return &f, err
}

// nullUUID is a UUID column value: NULL when "".
func nullUUID(id string) pgtype.Text { return pgtype.Text{String: id, Valid: id != ""} }

// CreateSelfServiceFlow stores f with Version 1.
func (x *IdentityStore) CreateSelfServiceFlow(ctx context.Context, f *store.SelfServiceFlow) error {
	n, err := store.CanonicalSelfServiceFlow(f)
	if err != nil {
		return err
	}
	_, uncertain, err := x.records.execUncertain(ctx, "create self-service flow", `INSERT INTO ward_selfservice_flows
			(id, kind, identity_id, data, version, expires_at, created_at, updated_at)
		VALUES ($1, $2, $3::uuid, $4, 1, $5, $6, $7)`,
		n.ID, string(n.Kind), nullUUID(n.IdentityID), n.Data, ts(n.ExpiresAt), ts(n.CreatedAt), ts(n.UpdatedAt))
	switch {
	case isUnique(err) && uncertain:
		return nil // the flow is this call's: an earlier attempt committed before its connection was lost
	case isUnique(err):
		return fault.InField("id", fault.New(fault.AlreadyExists, "self-service flow %s already exists", n.ID))
	case isForeignKey(err):
		return fault.InField("identity_id", errNoIdentity(n.IdentityID))
	}
	return err
}

// getSelfServiceFlow returns the flow of this kind and canonical ID, or NotFound.
func (x *IdentityStore) getSelfServiceFlow(ctx context.Context, kind store.SelfServiceFlowKind, id string) (*store.SelfServiceFlow, error) {
	return readOne(ctx, x.s, "get self-service flow", errNoSelfServiceFlow(kind, id), scanSelfServiceFlow,
		`SELECT `+selfServiceFlowColumns+` FROM ward_selfservice_flows WHERE id = $1 AND kind = $2`, id, string(kind))
}

// GetSelfServiceFlow returns the flow of this kind and ID.
func (x *IdentityStore) GetSelfServiceFlow(ctx context.Context, kind store.SelfServiceFlowKind, id string) (*store.SelfServiceFlow, error) {
	c, ok := store.CanonicalID(id)
	if !ok {
		return nil, errNoSelfServiceFlow(kind, id)
	}
	return x.getSelfServiceFlow(ctx, kind, c)
}

// UpdateSelfServiceFlow replaces the flow when its Version is f.Version. The version test is in
// the UPDATE itself: of concurrent updates from one version, the first takes the row and the
// others, which wait for it, find the version changed.
func (x *IdentityStore) UpdateSelfServiceFlow(ctx context.Context, f *store.SelfServiceFlow) error {
	n, err := store.CanonicalSelfServiceFlow(f)
	if err != nil {
		return err
	}
	changed, uncertain, err := x.records.execUncertain(ctx, "update self-service flow", `UPDATE ward_selfservice_flows
		SET identity_id = $3::uuid, data = $4, expires_at = $5, updated_at = $6, version = version + 1
		WHERE id = $1 AND kind = $2 AND version = $7`,
		n.ID, string(n.Kind), nullUUID(n.IdentityID), n.Data, ts(n.ExpiresAt), ts(n.UpdatedAt), f.Version)
	switch {
	case isForeignKey(err):
		return fault.InField("identity_id", errNoIdentity(n.IdentityID))
	case err != nil || changed == 1:
		return err
	}
	stored, err := x.getSelfServiceFlow(ctx, n.Kind, n.ID)
	switch {
	case err != nil:
		return err
	case uncertain && stored.Version == f.Version+1 && bytes.Equal(stored.Data, n.Data) &&
		stored.UpdatedAt.Equal(n.UpdatedAt.Truncate(time.Microsecond)):
		return nil // an earlier attempt committed before its connection was lost
	}
	return fault.New(fault.FailedPrecondition, "self-service flow %s is at version %d, not %d: it changed since it was read",
		n.ID, stored.Version, f.Version)
}

// DeleteSelfServiceFlow deletes the flow of this kind and ID.
func (x *IdentityStore) DeleteSelfServiceFlow(ctx context.Context, kind store.SelfServiceFlowKind, id string) error {
	c, ok := store.CanonicalID(id)
	if !ok {
		return errNoSelfServiceFlow(kind, id)
	}
	n, uncertain, err := x.records.execUncertain(ctx, "delete self-service flow",
		`DELETE FROM ward_selfservice_flows WHERE id = $1 AND kind = $2`, c, string(kind))
	if err == nil && n == 0 && !uncertain {
		return errNoSelfServiceFlow(kind, id)
	}
	return err
}

// DeleteExpiredSelfServiceFlows deletes the flows that expired before before, a batch per
// statement.
func (x *IdentityStore) DeleteExpiredSelfServiceFlows(ctx context.Context, before time.Time) (int, error) {
	return x.deleteExpired(ctx, "ward_selfservice_flows", "expires_at", before)
}

func errNoSelfServiceFlow(kind store.SelfServiceFlowKind, id string) error {
	return fault.New(fault.NotFound, "%s flow %q not found", kind, id)
}
