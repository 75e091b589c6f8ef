package flow

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/mail"
	"strings"
	"time"

	"github.com/wardhq/ward/identity"
)

// codeDigits is the length of a verification code: Kratos's six digits.
const codeDigits = 6

// maxCodeAttempts is how many codes a verification flow takes, as Kratos's five: with a million
// codes, guessing one within a flow succeeds once in 200,000 flows, and every flow costs an email.
const maxCodeAttempts = 5

// minCodeKeyBytes is the shortest code key: 128 bits.
const minCodeKeyBytes = 16

var codeSpace = big.NewInt(1_000_000)

// codeState is the code a verification or recovery flow sent, as stored with the flow: the HMAC of the code,
// never the code, so that a reader of the store cannot verify an address with it.
type codeState struct {
	// Address is the address the code was sent to; IdentityID and AddressID are its identity's
	// and its own.
	Address    string `json:"address"`
	IdentityID string `json:"identity_id"`
	AddressID  string `json:"address_id"`
	// MAC is the hex HMAC-SHA256 of the flow ID and the code under the first code key.
	MAC string `json:"mac"`
	// ExpiresAt is when a recovery code stops being accepted; zero for a verification code,
	// which lives as long as its flow.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Admin marks a recovery code the admin API created: it proves nothing about the address,
	// which stays unverified.
	Admin bool `json:"admin,omitempty"`
}

// newVerificationCode returns a random code of codeDigits digits, leading zeros kept.
func newVerificationCode() string {
	n, err := rand.Int(rand.Reader, codeSpace)
	if err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // crypto/rand's reader never fails
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64())
}

// codeMAC is the stored form of code in flow flowID under key. The flow ID is part of it, so that
// the MAC of one flow's code is worth nothing in another.
func (s *Service) codeMAC(flowID, code string, key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(flowID))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// codeMatches says whether code is the one whose MAC is stored, under any code key; the MACs are
// compared in constant time.
func (s *Service) codeMatches(flowID, code, stored string) bool {
	want := []byte(stored)
	ok := false
	for _, k := range s.cfg.codeKeys {
		if hmac.Equal([]byte(s.codeMAC(flowID, code, k)), want) {
			ok = true
		}
	}
	return ok
}

// codeAccepted says whether submitted is the code cs holds, within a flow's attempts (the
// count including this one) and before the code expires (a code of no expiry lives with its
// flow).
func (s *Service) codeAccepted(flowID string, cs *codeState, attempts int, submitted string, now time.Time) bool {
	return attempts <= maxCodeAttempts && cs != nil && cs.MAC != "" && (cs.ExpiresAt.IsZero() || !now.After(cs.ExpiresAt)) &&
		s.codeMatches(flowID, strings.TrimSpace(submitted), cs.MAC)
}

// codeMethod is the method of a code method's submission: a code alone names it.
func codeMethod(sub *Submission) string {
	if sub.Method == "" && sub.Code != "" {
		return methodCode
	}
	return sub.Method
}

// bareEmail folds raw and says whether it is a bare address, the only form the courier takes
// (Kratos's schema says format: email).
func bareEmail(raw string) (string, bool) {
	email := identity.FoldIdentifier(raw)
	addr, err := mail.ParseAddress(email)
	return email, err == nil && addr.Name == "" && addr.Address == email
}
