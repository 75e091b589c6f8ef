package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// MaxPatchOperations is the most operations PatchIdentity applies in one patch.
const MaxPatchOperations = 1000

// protectedPaths are the members of an identity's JSON that a patch may not touch, nor anything
// below them: what Kratos refuses (id, credentials, state_changed_at) and what the server keeps
// itself (timestamps, the schema URL, the organization).
var protectedPaths = []string{
	"/id", "/credentials", "/state_changed_at", "/created_at", "/updated_at", "/schema_url", "/organization_id",
}

// patchOps are the operations Kratos applies; move, copy and test it refuses.
var patchOps = map[string]bool{"add": true, "remove": true, "replace": true}

// PatchIdentity applies an RFC 6902 JSON Patch to an identity's admin JSON (without credentials),
// as Kratos's PATCH /admin/identities/{id} does: add, remove and replace only; replace of a
// member that does not exist adds it; parents of an added path are made. Patches to id,
// credentials, state_changed_at, the timestamps and the schema URL are refused. The patched
// identity is then checked as an update is (schema, state, metadata) and stored. A refused or
// failing patch is a *ValidationError; nothing changes on error.
func (s *Service) PatchIdentity(ctx context.Context, id string, patch []byte) (*Identity, error) {
	p, err := checkPatch(patch)
	if err != nil {
		return nil, err
	}
	i, err := s.modify(ctx, id, func(prior *Identity) (*Identity, error) {
		doc := prior.toJSON()
		original, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("encode identity %s: %w", id, err)
		}
		opts := jsonpatch.NewApplyOptions()
		opts.EnsurePathExistsOnAdd = true
		modified, err := p.ApplyWithOptions(original, opts)
		if err != nil {
			return nil, invalid("", "An error occurred when applying the JSON patch: %v", err)
		}
		var out identityJSON
		if err := json.Unmarshal(modified, &out); err != nil {
			return nil, invalid("", "The patched identity is not valid: %v", err)
		}
		d := draft{
			schemaID: out.SchemaID, traits: out.Traits, state: out.State,
			metadataPublic: out.MetadataPublic, metadataAdmin: out.MetadataAdmin,
			externalID: out.ExternalID, verifiable: out.VerifiableAddresses,
		}
		if d.state == "" {
			return nil, invalid("/state", "The supplied state ('') was not valid. Valid states are ('%s', '%s').", StateActive, StateInactive)
		}
		if d.schemaID == "" {
			return nil, invalid("/schema_id", "schema_id must not be empty")
		}
		return s.build(ctx, prior, d, s.clock())
	})
	if err != nil {
		return nil, err
	}
	s.log.DebugContext(ctx, "identity patched", "identity_id", i.ID)
	return i, nil
}

// checkPatch decodes a patch and refuses the operations Kratos refuses, before any read.
func checkPatch(patch []byte) (jsonpatch.Patch, error) {
	p, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		return nil, invalid("", "The JSON patch is not valid: %v", err)
	}
	if len(p) > MaxPatchOperations {
		return nil, invalid("", "The JSON patch has %d operations; at most %d", len(p), MaxPatchOperations)
	}
	for k, op := range p {
		kind := op.Kind()
		if !patchOps[kind] {
			return nil, invalid(fmt.Sprintf("/%d/op", k), "unsupported operation: %s", kind)
		}
		path, err := op.Path()
		if err != nil {
			return nil, invalid(fmt.Sprintf("/%d/path", k), "error parsing patch operations: %v", err)
		}
		if path == "" {
			return nil, invalid(fmt.Sprintf("/%d/path", k), "patch includes denied path: the whole identity")
		}
		for _, denied := range protectedPaths {
			if path == denied || strings.HasPrefix(path, denied+"/") {
				return nil, invalid(fmt.Sprintf("/%d/path", k), "patch includes denied path: %s", path)
			}
		}
		// Kratos is tolerant where RFC 6902 is not: replacing a member that does not exist adds it.
		if kind == "replace" && !isElementAccess(path) {
			add := json.RawMessage(`"add"`)
			op["op"] = &add
		}
	}
	return p, nil
}

// isElementAccess reports whether path ends in an array index or "-".
func isElementAccess(path string) bool {
	last := path[strings.LastIndexByte(path, '/')+1:]
	if last == "-" {
		return true
	}
	if last == "" {
		return false
	}
	for _, c := range last {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
