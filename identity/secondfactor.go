package identity

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// The credential types of the second factors, as Kratos names them. Both credentials have the
// identity's ID as their one identifier, as in Kratos.
const (
	CredentialTOTP         = "totp"
	CredentialLookupSecret = "lookup_secret"
)

// RequiredAALHighest is Kratos's "highest_available": a session must reach the highest level
// its identity's credentials allow.
const RequiredAALHighest = "highest_available"

// ErrNoSecondFactor is the answer to a second-factor check of an identity that has no such
// credential.
var ErrNoSecondFactor = errors.New("identity: no second factor of this kind is set up")

// totpCredentialConfig is the Config of a TOTP credential, as Kratos stores it: the key as an
// otpauth:// URL, which holds the secret.
type totpCredentialConfig struct {
	TOTPURL string `json:"totp_url"`
}

// LookupSecret is one recovery code of a lookup_secret credential: single use, UsedAt is set
// when it was used.
type LookupSecret struct {
	Code   string     `json:"code"`
	UsedAt *time.Time `json:"used_at,omitempty"`
}

// lookupCredentialConfig is the Config of a lookup_secret credential, as Kratos stores it.
type lookupCredentialConfig struct {
	LookupSecrets []LookupSecret `json:"lookup_secrets"`
}

// hasSecondFactor says whether creds hold a usable second factor: a TOTP key, or lookup codes
// of which one at least is unused.
func hasSecondFactor(creds map[string]Credential) bool {
	if _, ok := creds[CredentialTOTP]; ok {
		return true
	}
	c, ok := creds[CredentialLookupSecret]
	if !ok {
		return false
	}
	var lc lookupCredentialConfig
	if json.Unmarshal(c.Config, &lc) != nil {
		return false
	}
	for _, s := range lc.LookupSecrets {
		if s.UsedAt == nil {
			return true
		}
	}
	return false
}

// SatisfiesAAL says whether the session reaches required: "aal1" (any session), or
// RequiredAALHighest (aal2, or aal1 when its identity has no second factor), as Kratos's
// DoesSessionSatisfy decides. Any other value is taken as RequiredAALHighest. Whoami's sessions
// count only the second factors of Config.SecondFactors.
func (s *Session) SatisfiesAAL(required string) bool {
	if required == AAL1 || s.AAL == AAL2 {
		return true
	}
	return s.Identity == nil || s.Identity.AvailableAAL != AAL2
}

// WhoamiRequiredAAL is Config.WhoamiRequiredAAL: the level whoami and the flows ask of a
// session, "aal1" or RequiredAALHighest.
func (s *Service) WhoamiRequiredAAL() string { return s.cfg.WhoamiRequiredAAL }

// TOTPKeyURL returns the otpauth:// URL of the identity's TOTP key; ErrNoSecondFactor when it
// has none.
func (s *Service) TOTPKeyURL(ctx context.Context, identityID string) (string, error) {
	i, err := s.GetIdentity(ctx, identityID)
	if err != nil {
		return "", err
	}
	c, ok := i.Credentials[CredentialTOTP]
	if !ok {
		return "", ErrNoSecondFactor
	}
	var tc totpCredentialConfig
	if err := json.Unmarshal(c.Config, &tc); err != nil || tc.TOTPURL == "" {
		return "", fault.New(fault.Internal, "the TOTP credential's config is unreadable")
	}
	return tc.TOTPURL, nil
}

// SetTOTP gives the identity the TOTP key of keyURL (an otpauth://totp/ URL with a secret),
// replacing any it had: the end of an enrolment whose code the caller has checked.
func (s *Service) SetTOTP(ctx context.Context, identityID, keyURL string) error {
	k, err := otp.NewKeyFromURL(keyURL)
	if err != nil || k.Type() != "totp" || k.Secret() == "" {
		return fault.Invalid("totp_url", "not an otpauth://totp/ URL with a secret")
	}
	config, err := json.Marshal(totpCredentialConfig{TOTPURL: keyURL})
	if err != nil {
		return fault.Wrap(fault.Internal, err, "cannot encode the TOTP credential")
	}
	if err := s.setCredential(ctx, identityID, CredentialTOTP, config); err != nil {
		return err
	}
	s.log.DebugContext(ctx, "TOTP set up", "identity_id", identityID)
	return nil
}

// RemoveTOTP removes the identity's TOTP key; removing none is not an error.
func (s *Service) RemoveTOTP(ctx context.Context, identityID string) error {
	if err := s.setCredential(ctx, identityID, CredentialTOTP, nil); err != nil {
		return err
	}
	s.log.DebugContext(ctx, "TOTP removed", "identity_id", identityID)
	return nil
}

// setCredential sets (config not nil) or removes (nil) the identity's credential of a second
// factor's type, whose one identifier is the identity's ID.
func (s *Service) setCredential(ctx context.Context, identityID, credType string, config json.RawMessage) error {
	_, err := s.modify(ctx, identityID, func(prior *Identity) (*Identity, error) {
		next := *prior
		next.Credentials = cloneCredentials(prior.Credentials)
		now := s.clock()
		next.UpdatedAt = now
		if config == nil {
			delete(next.Credentials, credType)
			next.AvailableAAL = availableAAL(next.Credentials)
			return &next, nil
		}
		if next.Credentials == nil {
			next.Credentials = map[string]Credential{}
		}
		c, ok := next.Credentials[credType]
		if !ok {
			c = Credential{Type: credType, CreatedAt: now}
		}
		c.Identifiers, c.Config, c.UpdatedAt = []string{prior.ID}, config, now
		next.Credentials[credType] = c
		next.AvailableAAL = availableAAL(next.Credentials)
		return &next, nil
	})
	return err
}

// VerifyTOTP checks a code of the identity's TOTP key, at the current time with one period of
// skew either way (RFC 6238, as Kratos accepts codes). A wrong code is ErrInvalidCredentials;
// failed codes drain the identity's login bucket (Config.LoginRate, LoginBurst), so that six
// digits cannot be guessed, and while it is empty codes are refused with a *RateLimitError.
func (s *Service) VerifyTOTP(ctx context.Context, identityID, code string) error {
	key := "totp\x00" + truncateKey(identityID)
	now := s.now()
	if ok, wait := s.loginLimit.Allow(key, now); !ok {
		return &RateLimitError{RetryAfter: wait, What: "authentication code"}
	}
	keyURL, err := s.TOTPKeyURL(ctx, identityID)
	if err != nil {
		return err
	}
	k, err := otp.NewKeyFromURL(keyURL)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "the TOTP key is unreadable")
	}
	if !CheckTOTPCode(k, code, now) {
		s.loginLimit.Charge(key, now)
		s.log.InfoContext(ctx, "TOTP code refused", "identity_id", identityID)
		return ErrInvalidCredentials
	}
	return nil
}

// CheckTOTPCode checks code against the key's codes of the period of now and those either side
// (RFC 6238's skew of one), comparing each in constant time (totp.ValidateCustom compares with
// ==).
func CheckTOTPCode(k *otp.Key, code string, now time.Time) bool {
	period := k.Period()
	if period == 0 {
		period = 30
	}
	opts := totp.ValidateOpts{Period: uint(period), Digits: k.Digits(), Algorithm: k.Algorithm()}
	if opts.Digits == 0 {
		opts.Digits = otp.DigitsSix
	}
	ok := 0
	for _, skew := range []int{-1, 0, 1} {
		want, err := totp.GenerateCodeCustom(k.Secret(), now.Add(time.Duration(skew*int(period))*time.Second), opts)
		if err != nil {
			return false
		}
		ok |= subtle.ConstantTimeCompare([]byte(want), []byte(code))
	}
	return ok == 1
}

// LookupSecrets returns the identity's recovery codes, used ones with their UsedAt;
// ErrNoSecondFactor when it has none.
func (s *Service) LookupSecrets(ctx context.Context, identityID string) ([]LookupSecret, error) {
	i, err := s.GetIdentity(ctx, identityID)
	if err != nil {
		return nil, err
	}
	_, lc, err := lookupOf(i)
	if err != nil {
		return nil, err
	}
	return lc.LookupSecrets, nil
}

func lookupOf(i *Identity) (Credential, *lookupCredentialConfig, error) {
	c, ok := i.Credentials[CredentialLookupSecret]
	if !ok {
		return c, nil, ErrNoSecondFactor
	}
	var lc lookupCredentialConfig
	if err := json.Unmarshal(c.Config, &lc); err != nil {
		return c, nil, fault.New(fault.Internal, "the lookup_secret credential's config is unreadable")
	}
	return c, &lc, nil
}

// SetLookupSecrets replaces the identity's recovery codes by codes, all unused; none removes
// the credential.
func (s *Service) SetLookupSecrets(ctx context.Context, identityID string, codes []string) error {
	if len(codes) == 0 {
		return s.setCredential(ctx, identityID, CredentialLookupSecret, nil)
	}
	lc := lookupCredentialConfig{LookupSecrets: make([]LookupSecret, len(codes))}
	for k, c := range codes {
		if c == "" {
			return fault.Invalid("lookup_secrets", "code %d is empty", k)
		}
		lc.LookupSecrets[k] = LookupSecret{Code: c}
	}
	config, err := json.Marshal(lc)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "cannot encode the lookup_secret credential")
	}
	if err := s.setCredential(ctx, identityID, CredentialLookupSecret, config); err != nil {
		return err
	}
	s.log.DebugContext(ctx, "lookup secrets set", "identity_id", identityID, "count", len(codes))
	return nil
}

// UseLookupSecret spends one of the identity's recovery codes: code must equal an unused one
// (compared in constant time with every code), which is then marked used. The write is a
// compare-and-set on the identity's version, so that two logins cannot spend the same code; the
// identity's available AAL falls to aal1 with its last code. A wrong or used code is
// ErrInvalidCredentials, limited as VerifyTOTP's codes are.
func (s *Service) UseLookupSecret(ctx context.Context, identityID, code string) error {
	key := "lookup\x00" + truncateKey(identityID)
	now := s.now()
	if ok, wait := s.loginLimit.Allow(key, now); !ok {
		return &RateLimitError{RetryAfter: wait, What: "backup code"}
	}
	_, err := s.modify(ctx, identityID, func(prior *Identity) (*Identity, error) {
		c, lc, err := lookupOf(prior)
		if err != nil {
			return nil, err
		}
		found := -1
		for k, ls := range lc.LookupSecrets {
			match := subtle.ConstantTimeCompare([]byte(ls.Code), []byte(code)) == 1
			if match && ls.UsedAt == nil && found < 0 {
				found = k
			}
		}
		if found < 0 {
			return nil, ErrInvalidCredentials
		}
		at := s.clock()
		lc.LookupSecrets[found].UsedAt = &at
		if c.Config, err = json.Marshal(lc); err != nil {
			return nil, fault.Wrap(fault.Internal, err, "cannot encode the lookup_secret credential")
		}
		c.UpdatedAt = at
		next := *prior
		next.Credentials = cloneCredentials(prior.Credentials)
		next.Credentials[CredentialLookupSecret] = c
		next.UpdatedAt = at
		next.AvailableAAL = availableAAL(next.Credentials)
		return &next, nil
	})
	if errors.Is(err, ErrInvalidCredentials) {
		s.loginLimit.Charge(key, now)
		s.log.InfoContext(ctx, "lookup secret refused", "identity_id", identityID)
		return err
	}
	if err != nil {
		return err
	}
	s.log.DebugContext(ctx, "lookup secret used", "identity_id", identityID)
	return nil
}

// enabledAAL is the highest assurance level creds allow with the second factors of
// Config.SecondFactors only: the level whoami asks of a session with RequiredAALHighest.
func (s *Service) enabledAAL(creds map[string]Credential) string {
	usable := make(map[string]Credential, len(creds))
	for t, c := range creds {
		if (t != CredentialTOTP && t != CredentialLookupSecret) || slices.Contains(s.cfg.SecondFactors, t) {
			usable[t] = c
		}
	}
	return availableAAL(usable)
}

// availableAAL is the highest assurance level the credentials allow: aal1 with a first factor,
// aal2 with a second factor besides.
func availableAAL(creds map[string]Credential) string {
	first := false
	for t := range maps.Keys(creds) {
		if t != CredentialTOTP && t != CredentialLookupSecret {
			first = true
		}
	}
	switch {
	case first && hasSecondFactor(creds):
		return AAL2
	case len(creds) > 0:
		return AAL1
	}
	return ""
}

// AddAuthenticationMethod records in the session with this ID a method completed without a
// login (a second factor set up in the settings flow, as Kratos's
// SessionAddAuthenticationMethods): the method is appended and the AAL rises to the method's
// when higher; authenticated_at and the expiry stay. NotFound when there is no such session;
// ErrNoActiveSession when it is no longer valid.
func (s *Service) AddAuthenticationMethod(ctx context.Context, id string, m AuthenticationMethod) (*Session, error) {
	return s.recordMethod(ctx, id, m, func(*store.Session, AuthenticationMethod, time.Time) {})
}
