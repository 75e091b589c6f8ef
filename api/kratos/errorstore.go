package kratos

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/flow"
)

// A self-service error that a browser is sent to the error UI with is not stored: its ID is the
// error itself, sealed, so that any node holding the keys answers GET /self-service/errors?id=
// without a table, and nobody can make ward show an error it did not raise. An ID is unpadded
// base64url of
//
//	version (1) | nonce (12) | AES-256-GCM(created_at as Unix milliseconds (8) | the error's JSON)
//
// with the version as additional data. The nonce is random: 96 bits leave the chance of two seals
// under one key sharing one negligible for any number of errors a key will seal. A sealed ID is
// readable only with the keys, so the error UI's URL (in logs, in Referer) does not disclose the
// error's details.

const (
	errorIDVersion = 1
	// ErrorKeyBytes is the length of each error ID key (AES-256).
	ErrorKeyBytes = 32
	// DefaultErrorLifespan is how long an error ID is answered after the error happened: long
	// enough for the error page to load and be reloaded, short enough that IDs do not pile up in
	// histories as working links.
	DefaultErrorLifespan = time.Hour
	// MaxErrorIDLength is the longest error ID opened; a longer one is refused before any
	// decoding. Sealing keeps IDs within it (see maxSealedErrorJSON).
	MaxErrorIDLength = 4096
	// maxSealedErrorJSON bounds the sealed JSON so that an ID stays within MaxErrorIDLength:
	// base64 makes 4 characters of 3 bytes, and the header and tag take 1+12+8+16 bytes.
	maxSealedErrorJSON = MaxErrorIDLength/4*3 - (1 + 12 + 8 + 16)
	// maxSealedReason bounds the reason kept of an error whose JSON is too large to seal whole.
	maxSealedReason = 1024
)

// errorIDs seals and opens error IDs: the first key seals, every key opens, so that keys rotate
// as token_secrets do.
type errorIDs struct {
	aeads    []cipher.AEAD
	lifespan time.Duration
}

// newErrorIDs returns the sealer of keys (each ErrorKeyBytes long); none makes a random key of
// this process. The error is InvalidArgument naming ErrorKeys.
func newErrorIDs(keys [][]byte, lifespan time.Duration) (*errorIDs, error) {
	if len(keys) == 0 {
		k := make([]byte, ErrorKeyBytes)
		rand.Read(k)
		keys = [][]byte{k}
	}
	if lifespan <= 0 {
		lifespan = DefaultErrorLifespan
	}
	s := &errorIDs{lifespan: lifespan}
	for i, k := range keys {
		if len(k) != ErrorKeyBytes {
			return nil, fault.Invalid("ErrorKeys", "key %d is %d bytes long, want %d", i, len(k), ErrorKeyBytes)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fault.Invalid("ErrorKeys", "key %d: %v", i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fault.Invalid("ErrorKeys", "key %d: %v", i, err)
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// errNoSuchError is Kratos's answer to an error ID it does not hold.
func errNoSuchError(why string) *flow.Error {
	return notFound("Unable to locate the resource: " + why)
}

// seal returns the ID of e (its inner error object) raised at now. An error whose JSON would make
// the ID too long is sealed without its details and with its reason cut short.
func (s *errorIDs) seal(e *flow.Error, now time.Time) (string, error) {
	inner := innerError(e)
	if len(inner) > maxSealedErrorJSON {
		// JSON may write a byte of the reason as six (\u0000, \ufffd): halve it until it fits.
		short := *e
		short.Details = nil
		reason, limit := short.Reason, maxSealedReason
		for inner = innerError(&short); len(inner) > maxSealedErrorJSON && limit > 0; inner = innerError(&short) {
			short.Reason = truncateUTF8(reason, limit) + "…"
			limit /= 2
		}
		if len(inner) > maxSealedErrorJSON {
			return "", fmt.Errorf("the error's JSON is %d bytes long, more than an error ID holds", len(inner))
		}
	}
	plain := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(inner)), uint64(now.UnixMilli()))
	plain = append(plain, inner...)
	aead := s.aeads[0]
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plain)+aead.Overhead())
	out[0] = errorIDVersion
	rand.Read(out[1:])
	out = aead.Seal(out, out[1:1+aead.NonceSize()], plain, out[:1])
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// sealedError is an opened error ID: the error object and when it was raised.
type sealedError struct {
	Error     json.RawMessage
	CreatedAt time.Time
}

// open returns the error id names, if one of the keys sealed it and it has not expired at now.
// The error is Kratos's 404 saying which of those it is not.
func (s *errorIDs) open(id string, now time.Time) (*sealedError, error) {
	if len(id) > MaxErrorIDLength {
		return nil, errNoSuchError(fmt.Sprintf("the error ID is longer than %d characters.", MaxErrorIDLength))
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	nonce := s.aeads[0].NonceSize()
	if err != nil || len(raw) < 1+nonce || raw[0] != errorIDVersion {
		return nil, errNoSuchError("the ID is not one of ward's error IDs.")
	}
	var plain []byte
	for _, aead := range s.aeads {
		if plain, err = aead.Open(nil, raw[1:1+nonce], raw[1+nonce:], raw[:1]); err == nil {
			break
		}
	}
	if err != nil || len(plain) < 8 {
		return nil, errNoSuchError("the ID is not one of ward's error IDs.")
	}
	created := time.UnixMilli(int64(binary.BigEndian.Uint64(plain))).UTC()
	if now.Sub(created) > s.lifespan || created.After(now.Add(time.Minute)) {
		return nil, errNoSuchError("the error has expired.")
	}
	body := plain[8:]
	if !json.Valid(body) {
		return nil, errors.New("a sealed error holds no JSON")
	}
	return &sealedError{Error: body, CreatedAt: created}, nil
}

// truncateUTF8 returns at most n bytes of s, not splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// toErrorUI sends a browser to where err says, or else to the error UI with the error's ID, as
// Kratos's errorx.Manager.Forward does with the errors it stores. An error that cannot be sealed
// is answered as JSON where it happened.
func (h *Handler) toErrorUI(w http.ResponseWriter, r *http.Request, err error) {
	e := kratosError(err)
	to := e.Redirect
	if to == "" {
		id, serr := h.errorIDs.seal(e, h.now())
		if serr != nil {
			h.log.WarnContext(r.Context(), "cannot seal a self-service error for the error UI", "error", serr.Error())
			h.writeError(w, r, err)
			return
		}
		u := *h.errorUI
		q := u.Query()
		q.Set("id", id)
		u.RawQuery = q.Encode()
		to = u.String()
	}
	h.logError(r.Context(), e, err)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// flowErrorBody is Kratos's FlowError: GET /self-service/errors?id=.
type flowErrorBody struct {
	ID        string          `json:"id"`
	Error     json.RawMessage `json:"error"`
	CreatedAt *time.Time      `json:"created_at,omitempty"`
	UpdatedAt *time.Time      `json:"updated_at,omitempty"`
}

// selfServiceError answers GET /self-service/errors?id=: the error a browser was sent to the
// error UI with, while its ID lasts, and Kratos's stub IDs (stub:400, stub:403, stub:404,
// stub:500), which UIs use to test their error page.
func (h *Handler) selfServiceError(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	stubs := map[string]*flow.Error{
		"stub:400": badRequest("This is a stub error."),
		"stub:403": {Code: http.StatusForbidden, Message: msgForbidden, Reason: "This is a stub error."},
		"stub:404": notFound("This is a stub error."),
		"stub:500": {Code: http.StatusInternalServerError, Message: msgInternal, Reason: "This is a stub error."},
	}
	if e, ok := stubs[id]; ok {
		writeJSON(w, http.StatusOK, flowErrorBody{ID: id, Error: innerError(e)})
		return
	}
	sealed, err := h.errorIDs.open(id, h.now())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, flowErrorBody{ID: id, Error: sealed.Error, CreatedAt: &sealed.CreatedAt, UpdatedAt: &sealed.CreatedAt})
}
