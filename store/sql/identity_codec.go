package sql

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/wardhq/ward/store"
)

// The JSONB documents of migration 00004: an identity's credentials and addresses, a session's
// authentication methods and devices. The encoding is ward's own, with its own field names, so
// that renaming a field of a store record does not change what is in the database. Configs are
// bytes, base64 in JSON, so that they come back bytewise. A zero time is left out.

type credentialDoc struct {
	Identifiers []string  `json:"identifiers,omitempty"`
	Config      []byte    `json:"config,omitempty"`
	Version     int       `json:"version,omitzero"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

type verifiableAddressDoc struct {
	ID         string    `json:"id"`
	Via        string    `json:"via"`
	Value      string    `json:"value"`
	Verified   bool      `json:"verified,omitzero"`
	VerifiedAt time.Time `json:"verified_at,omitzero"`
	Status     string    `json:"status,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
}

type recoveryAddressDoc struct {
	ID        string    `json:"id"`
	Via       string    `json:"via"`
	Value     string    `json:"value"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

type authMethodDoc struct {
	Method      string    `json:"method"`
	AAL         string    `json:"aal,omitempty"`
	Provider    string    `json:"provider,omitempty"`
	CompletedAt time.Time `json:"completed_at,omitzero"`
}

type deviceDoc struct {
	ID        string `json:"id,omitempty"`
	IPAddress string `json:"ip_address,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	Location  string `json:"location,omitempty"`
}

// identityDocs are the encoded documents of one identity.
type identityDocs struct {
	credentials, verifiable, recovery string
}

// encodeIdentity returns the documents of i.
func encodeIdentity(i *store.Identity) (identityDocs, error) {
	creds := make(map[string]credentialDoc, len(i.Credentials))
	for typ, c := range i.Credentials {
		creds[typ] = credentialDoc(c)
	}
	verifiable := make([]verifiableAddressDoc, len(i.VerifiableAddresses))
	for k, a := range i.VerifiableAddresses {
		verifiable[k] = verifiableAddressDoc(a)
	}
	recovery := make([]recoveryAddressDoc, len(i.RecoveryAddresses))
	for k, a := range i.RecoveryAddresses {
		recovery[k] = recoveryAddressDoc(a)
	}
	var d identityDocs
	var err error
	if d.credentials, err = encodeDoc(creds); err != nil {
		return d, err
	}
	if d.verifiable, err = encodeDoc(verifiable); err != nil {
		return d, err
	}
	d.recovery, err = encodeDoc(recovery)
	return d, err
}

// decodeIdentityDocs sets i's credentials and addresses from their documents.
func decodeIdentityDocs(i *store.Identity, credentials, verifiable, recovery []byte) error {
	var creds map[string]credentialDoc
	var va []verifiableAddressDoc
	var ra []recoveryAddressDoc
	if err := decodeDoc("credentials", credentials, &creds); err != nil {
		return err
	}
	if err := decodeDoc("verifiable addresses", verifiable, &va); err != nil {
		return err
	}
	if err := decodeDoc("recovery addresses", recovery, &ra); err != nil {
		return err
	}
	i.Credentials = nil
	if len(creds) > 0 {
		i.Credentials = make(map[string]store.Credential, len(creds))
		for typ, c := range creds {
			i.Credentials[typ] = store.Credential(c)
		}
	}
	i.VerifiableAddresses, i.RecoveryAddresses = nil, nil
	for _, a := range va {
		i.VerifiableAddresses = append(i.VerifiableAddresses, store.VerifiableAddress(a))
	}
	for _, a := range ra {
		i.RecoveryAddresses = append(i.RecoveryAddresses, store.RecoveryAddress(a))
	}
	return nil
}

// encodeSessionDocs returns the documents of s: its authentication methods and its devices.
func encodeSessionDocs(s *store.Session) (methods, devices string, err error) {
	am := make([]authMethodDoc, len(s.AuthenticationMethods))
	for k, m := range s.AuthenticationMethods {
		am[k] = authMethodDoc(m)
	}
	dd := make([]deviceDoc, len(s.Devices))
	for k, d := range s.Devices {
		dd[k] = deviceDoc(d)
	}
	if methods, err = encodeDoc(am); err != nil {
		return "", "", err
	}
	devices, err = encodeDoc(dd)
	return methods, devices, err
}

// decodeSessionDocs sets s's authentication methods and devices from their documents.
func decodeSessionDocs(s *store.Session, methods, devices []byte) error {
	var am []authMethodDoc
	var dd []deviceDoc
	if err := decodeDoc("authentication methods", methods, &am); err != nil {
		return err
	}
	if err := decodeDoc("devices", devices, &dd); err != nil {
		return err
	}
	s.AuthenticationMethods, s.Devices = nil, nil
	for _, m := range am {
		s.AuthenticationMethods = append(s.AuthenticationMethods, store.AuthenticationMethod(m))
	}
	for _, d := range dd {
		s.Devices = append(s.Devices, store.SessionDevice(d))
	}
	return nil
}

func encodeDoc(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encoding a document: %w", err)
	}
	return string(b), nil
}

func decodeDoc(what string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding the stored %s: %w", what, err)
	}
	return nil
}
