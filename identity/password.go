package identity

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/wardhq/ward/fault"
	pwd "github.com/wardhq/ward/identity/password"
	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/store"
)

// passwordCredentialConfig is the Config of a password credential, as Kratos stores it.
type passwordCredentialConfig struct {
	HashedPassword string `json:"hashed_password,omitempty"`
}

func passwordConfig(hash string) json.RawMessage {
	b, _ := json.Marshal(passwordCredentialConfig{HashedPassword: hash}) // a struct of a string cannot fail
	return b
}

// hashOf reads the hash of a password credential's config; "" when it has none.
func hashOf(config []byte) string {
	var c passwordCredentialConfig
	if len(config) == 0 || json.Unmarshal(config, &c) != nil {
		return ""
	}
	return c.HashedPassword
}

// AuthenticatePassword checks a password login: identifier (folded as identifiers are) and
// password, from source (the client's address, for the limiter; "" for none). It returns the
// identity, or ErrInvalidCredentials alike for an unknown identifier, an identity without a
// password, and a wrong password, having done the same hash work in each case (one
// verification, against a dummy hash of ward's algorithm when there is no stored hash), so that
// neither the answer nor its time tells which identifiers exist. An inactive identity with its
// right password is ErrIdentityDisabled.
//
// Failed logins drain a token bucket per identifier and per source (Config.LoginRate,
// LoginBurst); while either is empty, logins are refused before any work with a
// *RateLimitError. A successful login whose hash is not in ward's algorithm (an import) stores
// the password re-hashed, unless the password changed meanwhile.
func (s *Service) AuthenticatePassword(ctx context.Context, identifier, password, source string) (*Identity, error) {
	folded := FoldIdentifier(identifier)
	now := s.now()
	idKey, srcKey := "", ""
	if folded != "" {
		idKey = "login-id\x00" + truncateKey(folded)
	}
	if source != "" {
		srcKey = "login-src\x00" + truncateKey(source)
	}
	for _, k := range []string{idKey, srcKey} {
		if k == "" {
			continue
		}
		if ok, wait := s.loginLimit.Allow(k, now); !ok {
			s.log.DebugContext(ctx, "password login throttled", "source", source)
			return nil, &RateLimitError{RetryAfter: wait, What: "login"}
		}
	}
	i, err := s.checkPassword(ctx, folded, password)
	if err == ErrInvalidCredentials {
		for _, k := range []string{idKey, srcKey} {
			if k != "" {
				s.loginLimit.Charge(k, now)
			}
		}
		s.log.InfoContext(ctx, "password login failed", "source", source)
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if !i.Active() {
		s.log.InfoContext(ctx, "password login of an inactive identity refused", "identity_id", i.ID, "source", source)
		return nil, ErrIdentityDisabled
	}
	s.log.DebugContext(ctx, "password login succeeded", "identity_id", i.ID, "source", source)
	return i, nil
}

// truncateKey bounds a limiter key: identifiers and sources come from clients.
func truncateKey(s string) string {
	if len(s) > store.MaxIdentifierLength {
		return s[:store.MaxIdentifierLength]
	}
	return s
}

// checkPassword finds the identity of identifier and verifies password against its hash, doing
// exactly one verification whatever it finds.
func (s *Service) checkPassword(ctx context.Context, identifier, password string) (*Identity, error) {
	var rec *store.Identity
	var cred *store.Credential
	if identifier != "" && len(identifier) <= store.MaxIdentifierLength {
		var err error
		rec, cred, err = s.st.FindByCredentialIdentifier(ctx, CredentialPassword, identifier)
		if err != nil && fault.CodeOf(err) != fault.NotFound {
			return nil, err
		}
	}
	hash := ""
	if cred != nil {
		hash = hashOf(cred.Config)
	}
	if hash == "" {
		_, _ = s.hasher.Verify(ctx, password, s.dummyHash)
		return nil, ErrInvalidCredentials
	}
	ok, err := s.hasher.Verify(ctx, password, hash)
	if err != nil {
		s.log.WarnContext(ctx, "stored password hash unreadable", "identity_id", rec.ID, "error", err)
		return nil, ErrInvalidCredentials
	}
	if !ok {
		return nil, ErrInvalidCredentials
	}
	if s.hasher.NeedsRehash(hash) {
		s.rehash(ctx, rec.ID, cred.Config, password)
	}
	return fromStore(rec, s.schemaURL), nil
}

// rehash replaces a verified hash that is not in ward's algorithm by one that is, with a
// compare-and-set: a password changed since the login read it stays. A failure only delays the
// re-hash to the next login.
func (s *Service) rehash(ctx context.Context, identityID string, from []byte, password string) {
	h, err := s.hasher.Hash(ctx, password)
	if err != nil {
		s.log.WarnContext(ctx, "cannot re-hash a password after login", "identity_id", identityID, "error", err)
		return
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(from, &m); err != nil {
		return
	}
	hv, _ := json.Marshal(h)
	m["hashed_password"] = hv
	to, err := json.Marshal(m)
	if err != nil {
		return
	}
	switch err := s.st.UpdateCredentialConfig(ctx, identityID, CredentialPassword, from, to, s.clock()); {
	case err == nil:
		s.forgetIdentity(identityID)
		s.log.DebugContext(ctx, "password re-hashed after login", "identity_id", identityID)
	case fault.CodeOf(err) == fault.FailedPrecondition:
		s.log.DebugContext(ctx, "password changed during login; not re-hashed", "identity_id", identityID)
	default:
		s.log.WarnContext(ctx, "cannot store a re-hashed password", "identity_id", identityID, "error", err)
	}
}

// Register creates an identity by self-service registration: traits valid against schema
// schemaID ("" for the default), a password that passes the policy against the identity's
// identifiers. A *ValidationError lists what is wrong (traits and password together); a taken
// identifier is a *DuplicateError naming it; registrations from source ("" for none) are
// limited by Config.RegistrationRate and RegistrationBurst (*RateLimitError).
func (s *Service) Register(ctx context.Context, schemaID string, traits json.RawMessage, password, source string) (*Identity, error) {
	if source != "" {
		if ok, wait := s.registrationLimit.Take("reg-src\x00"+truncateKey(source), s.now()); !ok {
			s.log.DebugContext(ctx, "registration throttled", "source", source)
			return nil, &RateLimitError{RetryAfter: wait, What: "registration"}
		}
	}
	var vs []Violation
	ex, err := s.schemas.Extract(ctx, schemaID, traits)
	if err != nil {
		err = fromSchemaError(err)
		ve, ok := err.(*ValidationError)
		if !ok {
			return nil, err
		}
		vs = append(vs, ve.Violations...)
	}
	var identifiers []string
	if ex != nil {
		if identifiers = ex.Identifiers[schema.CredentialPassword]; len(identifiers) == 0 {
			vs = append(vs, Violation{
				Pointer: "/traits", Keyword: KeywordIdentifierMissing, Params: map[string]any{},
				Message: "Could not find any login identifiers. Did you forget to set them? This could also be caused by a server misconfiguration.",
			})
		}
	}
	pv, err := s.checkPolicy(password, identifiers)
	if err != nil {
		return nil, err
	}
	vs = append(vs, pv...)
	if len(vs) > 0 {
		return nil, &ValidationError{Violations: vs}
	}
	i, err := s.create(ctx, draft{
		schemaID: schemaID, traits: traits, password: &ImportPasswordConfig{Password: password}, selfService: true,
	})
	if err != nil {
		return nil, err
	}
	s.log.DebugContext(ctx, "identity registered", "identity_id", i.ID, "source", source)
	return i, nil
}

// checkPolicy returns the password's policy violations as violations of /password.
func (s *Service) checkPolicy(password string, identifiers []string) ([]Violation, error) {
	if password == "" {
		return []Violation{{
			Pointer: "/password", Keyword: schema.KeywordRequired, Params: map[string]any{"property": "password"},
			Message: "Property password is missing.",
		}}, nil
	}
	err := s.policy.Validate(password, identifiers...)
	if err == nil {
		return nil, nil
	}
	v, ok := policyViolation("/password", err)
	if !ok {
		return nil, fault.Wrap(fault.Internal, err, "cannot check the password policy")
	}
	return []Violation{v}, nil
}

// policyViolation turns a *password.PolicyError into the violation of ptr.
func policyViolation(ptr string, err error) (Violation, bool) {
	var pe *pwd.PolicyError
	if !errors.As(err, &pe) {
		return Violation{}, false
	}
	params := pe.Context()
	if params == nil {
		params = map[string]any{}
	}
	return Violation{Pointer: ptr, Keyword: KeywordPasswordPolicy, Reason: string(pe.Reason), Params: params, Message: pe.Error()}, true
}

// SetPassword sets an identity's password (the settings and recovery flows), after the policy
// accepts it against the identity's identifiers; a *ValidationError otherwise. The identity's
// sessions other than the caller's stay valid: revoking them is the flow's choice.
func (s *Service) SetPassword(ctx context.Context, identityID, password string) error {
	_, err := s.modify(ctx, identityID, func(prior *Identity) (*Identity, error) {
		var identifiers []string
		if c, ok := prior.Credentials[CredentialPassword]; ok {
			identifiers = c.Identifiers
		}
		vs, err := s.checkPolicy(password, identifiers)
		if err != nil {
			return nil, err
		}
		if len(vs) > 0 {
			return nil, &ValidationError{Violations: vs}
		}
		d := draftOf(prior, prior.Traits)
		d.password, d.selfService = &ImportPasswordConfig{Password: password}, true
		return s.build(ctx, prior, d, s.clock())
	})
	if err != nil {
		return err
	}
	s.log.DebugContext(ctx, "password set", "identity_id", identityID)
	return nil
}
