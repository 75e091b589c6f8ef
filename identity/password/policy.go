package password

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"
)

// commonPasswords is Openwall's list of common passwords, from Debian's john-data package; its
// source and licence are in README.md beside it.
//
//go:embed commonpasswords.txt
var commonPasswords string

// DefaultMinLength is the shortest password a [Policy] accepts by default, in bytes: Kratos's
// default min_password_length.
const DefaultMinLength = 8

// PolicyOption configures a [Policy].
type PolicyOption interface{ applyPolicy(*policyConfig) }

type policyOptionFunc func(*policyConfig)

func (f policyOptionFunc) applyPolicy(c *policyConfig) { f(c) }

type policyConfig struct {
	minLength, maxLength int
	similarity, common   bool
}

// WithMinLength sets the shortest password accepted, in bytes. The default is [DefaultMinLength].
func WithMinLength(n int) PolicyOption {
	return policyOptionFunc(func(c *policyConfig) { c.minLength = n })
}

// WithMaxLength sets the longest password accepted, in bytes, at most [MaxLength]. The default is
// MaxLength; with a bcrypt [Hasher], pass [Hasher.MaxPasswordLength] (72).
func WithMaxLength(n int) PolicyOption {
	return policyOptionFunc(func(c *policyConfig) { c.maxLength = n })
}

// WithIdentifierSimilarityCheck turns the check against the identifiers on or off (Kratos's
// identifier_similarity_check_enabled). It is on by default.
func WithIdentifierSimilarityCheck(on bool) PolicyOption {
	return policyOptionFunc(func(c *policyConfig) { c.similarity = on })
}

// WithCommonPasswordCheck turns the check against the bundled list of common passwords on or off
// (it replaces Kratos's haveibeenpwned_enabled). It is on by default.
func WithCommonPasswordCheck(on bool) PolicyOption {
	return policyOptionFunc(func(c *policyConfig) { c.common = on })
}

// Policy decides whether a new password may be set, with Kratos's default password validator's
// rules, less its network lookup. Lengths are counted in bytes, as Kratos counts them (and bcrypt
// limits them). It is safe for concurrent use.
type Policy struct {
	cfg    policyConfig
	common map[string]struct{} // lowercased; nil when the check is off
}

// NewPolicy returns a Policy: by default 8 to [MaxLength] bytes, the similarity check and the
// common-password check on.
func NewPolicy(opts ...PolicyOption) (*Policy, error) {
	cfg := policyConfig{minLength: DefaultMinLength, maxLength: MaxLength, similarity: true, common: true}
	for _, o := range opts {
		o.applyPolicy(&cfg)
	}
	if cfg.minLength < 1 || cfg.maxLength < cfg.minLength || cfg.maxLength > MaxLength {
		return nil, fmt.Errorf("password: the policy's lengths must satisfy 1 ≤ min ≤ max ≤ %d", MaxLength)
	}
	p := &Policy{cfg: cfg}
	if cfg.common {
		p.common = make(map[string]struct{}, 4096)
		for line := range strings.Lines(commonPasswords) {
			line = strings.TrimRight(line, "\r\n")
			if line != "" && !strings.HasPrefix(line, "#!") {
				p.common[strings.ToLower(line)] = struct{}{}
			}
		}
		if len(p.common) == 0 {
			return nil, errors.New("password: the bundled list of common passwords is empty")
		}
	}
	return p, nil
}

// String describes the Policy's rules.
func (p *Policy) String() string {
	return fmt.Sprintf("password policy: %d to %d bytes, similarity check %t, common-password check %t",
		p.cfg.minLength, p.cfg.maxLength, p.cfg.similarity, p.cfg.common)
}

// Validate returns nil when password may be set for an identity with the given identifiers (its
// email addresses, username …), or the first rule it breaks as a [*PolicyError], in Kratos's
// order: minimum length, maximum length, similarity to each non-empty identifier, then the list
// of common passwords. Identifiers should be bounded by the caller (the identity schema): the
// similarity check's time is the product of the lengths.
func (p *Policy) Validate(password string, identifiers ...string) error {
	switch n := len(password); {
	case n < p.cfg.minLength:
		return &PolicyError{Reason: ReasonTooShort, MinLength: p.cfg.minLength, ActualLength: n}
	case n > p.cfg.maxLength:
		return &PolicyError{Reason: ReasonTooLong, MaxLength: p.cfg.maxLength, ActualLength: n}
	}
	if p.cfg.similarity {
		for _, id := range identifiers {
			if id != "" && tooSimilar(id, password) {
				return &PolicyError{Reason: ReasonTooSimilar}
			}
		}
	}
	if p.common != nil {
		if _, ok := p.common[strings.ToLower(password)]; ok {
			return &PolicyError{Reason: ReasonCommon}
		}
	}
	return nil
}
