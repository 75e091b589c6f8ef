package identity

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/wardhq/ward/store"
)

// State is whether an identity may log in: StateActive or StateInactive.
type State string

// The states of an identity, as Kratos names them.
const (
	StateActive   State = "active"
	StateInactive State = "inactive"
)

// CredentialPassword is the credential type of passwords.
const CredentialPassword = "password"

// Identity is one identity: its traits, which its schema describes, the credentials it logs in
// with, and its addresses.
type Identity struct {
	ID       string
	SchemaID string
	// SchemaURL is where GET /schemas/{id} serves the schema: Config.PublicBaseURL +
	// "/schemas/" + the ID in base64url, as Kratos writes it.
	SchemaURL      string
	State          State
	StateChangedAt time.Time // zero when never set
	// Traits is the identity's JSON document, valid against its schema; {} when empty.
	Traits json.RawMessage
	// MetadataPublic and MetadataAdmin are JSON documents; nil when absent. The identity sees
	// MetadataPublic (in whoami); only the admin API shows MetadataAdmin.
	MetadataPublic json.RawMessage
	MetadataAdmin  json.RawMessage
	// ExternalID is the ID the operator's other systems know the identity by; "" when none.
	ExternalID          string
	VerifiableAddresses []VerifiableAddress
	RecoveryAddresses   []RecoveryAddress
	// Credentials are by type ("password", "oidc", …).
	Credentials map[string]Credential
	// AvailableAAL is the highest assurance level the credentials allow ("aal1", "aal2"), as
	// the store last recorded it; not part of the JSON.
	AvailableAAL string
	// Version counts the identity's writes; an update based on an older Version is refused.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Active reports whether the identity may log in.
func (i *Identity) Active() bool { return i.State == StateActive }

// Credential is one way of logging in as an identity.
type Credential struct {
	Type string
	// Identifiers are what a login names the identity by, folded (trimmed, lower-cased).
	Identifiers []string
	// Config is the credential's JSON payload; for a password, {"hashed_password": …}.
	Config    json.RawMessage
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// VerifiableAddress is an address that a verification flow can prove the identity owns.
type VerifiableAddress struct {
	ID         string    `json:"id"`
	Value      string    `json:"value"`
	Verified   bool      `json:"verified"`
	Via        string    `json:"via"`
	Status     string    `json:"status"` // "pending", "sent", "completed"
	VerifiedAt time.Time `json:"-"`      // zero until verified
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// The statuses of a verifiable address.
const (
	AddressPending   = "pending"
	AddressSent      = "sent"
	AddressCompleted = "completed"
)

// MarshalJSON writes Kratos's form, with verified_at only once verified.
func (a VerifiableAddress) MarshalJSON() ([]byte, error) {
	type plain VerifiableAddress
	return json.Marshal(struct {
		plain
		VerifiedAt *time.Time `json:"verified_at,omitempty"`
	}{plain(a), timePtr(a.VerifiedAt)})
}

// UnmarshalJSON reads Kratos's form.
func (a *VerifiableAddress) UnmarshalJSON(data []byte) error {
	type plain VerifiableAddress
	var v struct {
		plain
		VerifiedAt *time.Time `json:"verified_at"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*a = VerifiableAddress(v.plain)
	if v.VerifiedAt != nil {
		a.VerifiedAt = *v.VerifiedAt
	}
	return nil
}

// RecoveryAddress is an address to which a recovery flow can send a code or link.
type RecoveryAddress struct {
	ID        string    `json:"id"`
	Value     string    `json:"value"`
	Via       string    `json:"via"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// identityJSON is Kratos's JSON form of an identity. organization_id is always null: ward has no
// organizations.
type identityJSON struct {
	ID                  string                    `json:"id"`
	Credentials         map[string]credentialJSON `json:"credentials,omitempty"`
	SchemaID            string                    `json:"schema_id"`
	SchemaURL           string                    `json:"schema_url"`
	State               State                     `json:"state"`
	StateChangedAt      *time.Time                `json:"state_changed_at,omitempty"`
	Traits              json.RawMessage           `json:"traits"`
	VerifiableAddresses []VerifiableAddress       `json:"verifiable_addresses,omitempty"`
	RecoveryAddresses   []RecoveryAddress         `json:"recovery_addresses,omitempty"`
	MetadataPublic      json.RawMessage           `json:"metadata_public"`
	MetadataAdmin       json.RawMessage           `json:"metadata_admin,omitempty"`
	ExternalID          string                    `json:"external_id,omitempty"`
	CreatedAt           time.Time                 `json:"created_at"`
	UpdatedAt           time.Time                 `json:"updated_at"`
	OrganizationID      *string                   `json:"organization_id"`
}

type credentialJSON struct {
	Type        string          `json:"type"`
	Identifiers []string        `json:"identifiers"`
	Config      json.RawMessage `json:"config,omitempty"`
	Version     int             `json:"version"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// MarshalJSON writes the identity as Kratos's public API shows it (whoami, self-service): no
// credentials, no metadata_admin.
func (i *Identity) MarshalJSON() ([]byte, error) {
	j := i.toJSON()
	j.MetadataAdmin = nil
	return json.Marshal(j)
}

func (i *Identity) toJSON() identityJSON {
	traits := i.Traits
	if len(traits) == 0 {
		traits = json.RawMessage("{}")
	}
	return identityJSON{
		ID: i.ID, SchemaID: i.SchemaID, SchemaURL: i.SchemaURL, State: i.State,
		StateChangedAt: timePtr(i.StateChangedAt), Traits: traits,
		VerifiableAddresses: i.VerifiableAddresses, RecoveryAddresses: i.RecoveryAddresses,
		MetadataPublic: i.MetadataPublic, MetadataAdmin: i.MetadataAdmin, ExternalID: i.ExternalID,
		CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt,
	}
}

// AdminView is an identity as Kratos's admin API shows it: with metadata_admin and, when
// Credentials is true, its credentials' types, identifiers, versions and times. The config of
// the credential types in IncludeCredential is shown too (Kratos's include_credential), but a
// password's config never shows its hash.
type AdminView struct {
	Identity          *Identity
	Credentials       bool
	IncludeCredential []string
}

// MarshalJSON writes the admin form.
func (v AdminView) MarshalJSON() ([]byte, error) {
	j := v.Identity.toJSON()
	if v.Credentials {
		j.Credentials = make(map[string]credentialJSON, len(v.Identity.Credentials))
		for t, c := range v.Identity.Credentials {
			cj := credentialJSON{
				Type: t, Identifiers: c.Identifiers, Version: c.Version,
				CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
			}
			if cj.Identifiers == nil {
				cj.Identifiers = []string{}
			}
			if slices.Contains(v.IncludeCredential, t) {
				cj.Config = disclosedConfig(t, c.Config)
			}
			j.Credentials[t] = cj
		}
	}
	return json.Marshal(j)
}

// disclosedConfig is what include_credential shows of a credential's config: all of it but a
// password's hash.
func disclosedConfig(credType string, config json.RawMessage) json.RawMessage {
	if credType != CredentialPassword || len(config) == 0 {
		return config
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(config, &m) != nil {
		return json.RawMessage("{}")
	}
	delete(m, "hashed_password")
	out, err := json.Marshal(m)
	if err != nil {
		return json.RawMessage("{}")
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// fromStore converts a stored identity; schemaURL makes its schema_url.
func fromStore(r *store.Identity, schemaURL func(string) string) *Identity {
	i := &Identity{
		ID: r.ID, SchemaID: r.SchemaID, SchemaURL: schemaURL(r.SchemaID), State: State(r.State),
		StateChangedAt: r.StateChangedAt, Traits: json.RawMessage(r.Traits),
		MetadataPublic: json.RawMessage(r.MetadataPublic), MetadataAdmin: json.RawMessage(r.MetadataAdmin),
		ExternalID: r.ExternalID, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		AvailableAAL: r.AvailableAAL,
	}
	if len(r.Credentials) > 0 {
		i.Credentials = make(map[string]Credential, len(r.Credentials))
		for t, c := range r.Credentials {
			i.Credentials[t] = Credential{
				Type: t, Identifiers: slices.Clone(c.Identifiers), Config: json.RawMessage(c.Config),
				Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
			}
		}
	}
	for _, a := range r.VerifiableAddresses {
		i.VerifiableAddresses = append(i.VerifiableAddresses, VerifiableAddress{
			ID: a.ID, Value: a.Value, Verified: a.Verified, Via: a.Via, Status: a.Status,
			VerifiedAt: a.VerifiedAt, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		})
	}
	for _, a := range r.RecoveryAddresses {
		i.RecoveryAddresses = append(i.RecoveryAddresses, RecoveryAddress{
			ID: a.ID, Value: a.Value, Via: a.Via, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		})
	}
	return i
}

// toStore converts i for the store.
func (i *Identity) toStore() *store.Identity {
	r := &store.Identity{
		ID: i.ID, SchemaID: i.SchemaID, Traits: []byte(i.Traits), State: store.IdentityState(i.State),
		StateChangedAt: i.StateChangedAt, MetadataPublic: []byte(i.MetadataPublic),
		MetadataAdmin: []byte(i.MetadataAdmin), ExternalID: i.ExternalID, Version: i.Version,
		CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt, AvailableAAL: availableAAL(i.Credentials),
	}
	if len(i.Credentials) > 0 {
		r.Credentials = make(map[string]store.Credential, len(i.Credentials))
		for _, t := range slices.Sorted(maps.Keys(i.Credentials)) {
			c := i.Credentials[t]
			r.Credentials[t] = store.Credential{
				Identifiers: slices.Clone(c.Identifiers), Config: []byte(c.Config), Version: c.Version,
				CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
			}
		}
	}
	for _, a := range i.VerifiableAddresses {
		r.VerifiableAddresses = append(r.VerifiableAddresses, store.VerifiableAddress{
			ID: a.ID, Via: a.Via, Value: a.Value, Verified: a.Verified, VerifiedAt: a.VerifiedAt,
			Status: a.Status, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		})
	}
	for _, a := range i.RecoveryAddresses {
		r.RecoveryAddresses = append(r.RecoveryAddresses, store.RecoveryAddress{
			ID: a.ID, Via: a.Via, Value: a.Value, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		})
	}
	return r
}
