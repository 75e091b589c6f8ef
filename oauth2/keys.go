package oauth2

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// keyRefresh is how often a Provider rereads the signing keys, to see rotations made by others;
// an unknown kid rereads them sooner, at most once per keyRefreshMin.
const (
	keyRefresh    = 30 * time.Second
	keyRefreshMin = time.Second
	rsaKeyBits    = 2048
)

// SigningKeyInfo describes a signing key without its private part.
type SigningKeyInfo struct {
	ID           string // the JWK kid
	Algorithm    string // ES256 or RS256
	CreatedAt    time.Time
	RetiredAt    time.Time       // zero while the key signs
	PublishUntil time.Time       // zero while the key signs; then when it leaves the JWKS
	PublicKey    json.RawMessage // the public JWK
}

type signingKey struct {
	id, alg string
	method  jwt.SigningMethod
	priv    crypto.Signer
	info    SigningKeyInfo
}

// keySet is an immutable view of the stored keys.
type keySet struct {
	signing   *signingKey // the newest unretired key
	byID      map[string]*signingKey
	published []*signingKey // signing, and retired keys until their PublishUntil
	jwks      []byte
	loadedAt  time.Time
}

type keyRing struct {
	p   *Provider
	mu  sync.Mutex // serialises loads
	set atomic.Pointer[keySet]
}

// current returns the key set, rereading it when older than keyRefresh (or maxAge when ≥ 0).
func (k *keyRing) current(ctx context.Context, maxAge time.Duration) (*keySet, error) {
	if maxAge < 0 {
		maxAge = keyRefresh
	}
	if s := k.set.Load(); s != nil && k.p.now().Sub(s.loadedAt) < maxAge {
		return s, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if s := k.set.Load(); s != nil && k.p.now().Sub(s.loadedAt) < maxAge {
		return s, nil
	}
	s, err := k.load(ctx)
	if err != nil {
		if old := k.set.Load(); old != nil { // keep serving the keys we have while the store is down
			k.p.log.Warn("oauth2: cannot reread the signing keys", "error", err)
			return old, nil
		}
		return nil, err
	}
	k.set.Store(s)
	return s, nil
}

func (k *keyRing) load(ctx context.Context) (*keySet, error) {
	p := k.p
	stored, err := p.st.ListSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	if !hasActive(stored) {
		sk, err := p.newSigningKey()
		if err != nil {
			return nil, err
		}
		if err := p.st.CreateSigningKey(ctx, sk); err != nil {
			return nil, err
		}
		if stored, err = p.st.ListSigningKeys(ctx); err != nil {
			return nil, err
		}
	}
	now := p.now()
	s := &keySet{byID: map[string]*signingKey{}, loadedAt: now}
	var jwks struct {
		Keys []json.RawMessage `json:"keys"`
	}
	jwks.Keys = []json.RawMessage{}
	var refused []error
	for _, st := range stored {
		key, err := p.parseSigningKey(st)
		if err != nil {
			// A key ward cannot open, or must not trust (stored unsealed), neither signs nor is
			// published; the others still serve. `ward serve` refuses to start over such keys,
			// so this is a key planted or altered since.
			p.log.Error("oauth2: a stored signing key is refused", "kid", st.ID, "error", err)
			refused = append(refused, err)
			continue
		}
		if st.RetiredAt.IsZero() && s.signing == nil {
			s.signing = key
		}
		if st.RetiredAt.IsZero() || now.Before(st.PublishUntil) {
			s.byID[key.id] = key
			s.published = append(s.published, key)
			jwks.Keys = append(jwks.Keys, key.info.PublicKey)
		}
	}
	if s.signing == nil {
		// A new key is not made in place of refused ones: the operator is to fix them (seal
		// them, or restore their secret), and a key made now would sit beside them.
		return nil, fault.Wrap(fault.Internal, errors.Join(refused...), "no stored signing key can sign")
	}
	s.jwks = marshal(jwks)
	return s, nil
}

// CheckSigningKeys opens every stored signing key that ward would use — the active ones, and
// retired ones still published — and returns an error naming each that it cannot: stored unsealed
// (run `ward keys seal`), or sealed under a secret that is not in TokenSecrets. `ward serve` calls
// it at start, so that such a key stops the server with the reason rather than failing later.
func (p *Provider) CheckSigningKeys(ctx context.Context) error {
	stored, err := p.st.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("reading the signing keys: %w", err)
	}
	now := p.now()
	var errs []error
	for _, st := range stored {
		if !st.RetiredAt.IsZero() && !now.Before(st.PublishUntil) {
			continue // never used again; deleted by the next cleanup
		}
		if _, err := p.parseSigningKey(st); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func hasActive(keys []*store.SigningKey) bool {
	for _, k := range keys {
		if k.RetiredAt.IsZero() {
			return true
		}
	}
	return false
}

func (p *Provider) newSigningKey() (*store.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch p.cfg.SigningAlgorithm {
	case "RS256":
		priv, err = rsa.GenerateKey(rand.Reader, rsaKeyBits)
	default:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "cannot generate a signing key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "cannot encode a signing key")
	}
	id := randomText(16)
	return &store.SigningKey{
		ID: id, Algorithm: p.cfg.SigningAlgorithm, PrivateKey: p.sealer.seal(id, der), CreatedAt: p.now().UTC(),
	}, nil
}

// parseSigningKey opens a stored signing key (see keyseal.go) and makes its public JWK.
func (p *Provider) parseSigningKey(st *store.SigningKey) (*signingKey, error) {
	der, err := p.sealer.open(st.ID, st.PrivateKey)
	if err != nil {
		return nil, err
	}
	raw, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, fmt.Sprintf("signing key kid=%s: its private key is unreadable", st.ID))
	}
	k := &signingKey{id: st.ID, alg: st.Algorithm, info: SigningKeyInfo{
		ID: st.ID, Algorithm: st.Algorithm, CreatedAt: st.CreatedAt, RetiredAt: st.RetiredAt, PublishUntil: st.PublishUntil,
	}}
	jwk := map[string]string{"kid": st.ID, "use": "sig", "alg": st.Algorithm}
	switch key := raw.(type) {
	case *ecdsa.PrivateKey:
		if st.Algorithm != "ES256" || key.Curve != elliptic.P256() {
			return nil, fault.Bugf("signing key %s: an EC key must be P-256 for ES256", st.ID)
		}
		k.priv, k.method = key, jwt.SigningMethodES256
		pub, err := key.PublicKey.Bytes() // uncompressed point: 0x04 || X || Y
		if err != nil {
			return nil, fault.Wrap(fault.Internal, err, "cannot encode a public key")
		}
		jwk["kty"], jwk["crv"] = "EC", "P-256"
		jwk["x"] = base64.RawURLEncoding.EncodeToString(pub[1:33])
		jwk["y"] = base64.RawURLEncoding.EncodeToString(pub[33:])
	case *rsa.PrivateKey:
		if st.Algorithm != "RS256" {
			return nil, fault.Bugf("signing key %s: an RSA key is for RS256", st.ID)
		}
		k.priv, k.method = key, jwt.SigningMethodRS256
		jwk["kty"] = "RSA"
		jwk["n"] = base64.RawURLEncoding.EncodeToString(key.N.Bytes())
		jwk["e"] = base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes())
	default:
		return nil, fault.Bugf("signing key %s is a %T", st.ID, raw)
	}
	k.info.PublicKey = marshal(jwk)
	return k, nil
}

// JWKS returns the JSON Web Key Set of the public keys that verify ward's signatures: the signing
// key and retired keys until the tokens they signed have expired.
func (p *Provider) JWKS(ctx context.Context) ([]byte, error) {
	s, err := p.keys.current(ctx, -1)
	if err != nil {
		return nil, err
	}
	return s.jwks, nil
}

// ListSigningKeys returns every stored signing key, newest first, without private parts.
func (p *Provider) ListSigningKeys(ctx context.Context) ([]SigningKeyInfo, error) {
	stored, err := p.st.ListSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SigningKeyInfo, 0, len(stored))
	for _, st := range stored {
		k, err := p.parseSigningKey(st)
		if err != nil {
			return nil, err
		}
		out = append(out, k.info)
	}
	return out, nil
}

// RotateSigningKey makes a new signing key (of Config.SigningAlgorithm) and retires the others:
// they stay in the JWKS until every token they signed has expired (the longer of the ID and
// access token lifetimes), then they are deleted. Other Providers over the store switch within
// 30 s; until then both keys sign, and both are published.
func (p *Provider) RotateSigningKey(ctx context.Context) (*SigningKeyInfo, error) {
	sk, err := p.newSigningKey()
	if err != nil {
		return nil, err
	}
	if err := p.st.CreateSigningKey(ctx, sk); err != nil {
		return nil, err
	}
	stored, err := p.st.ListSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	now := p.now().UTC()
	until := now.Add(max(p.cfg.IDTokenLifetime, p.cfg.AccessTokenLifetime) + clockLeeway)
	for _, st := range stored {
		if st.ID == sk.ID || !st.RetiredAt.IsZero() {
			continue
		}
		if err := p.st.RetireSigningKey(ctx, st.ID, now, until); err != nil && fault.CodeOf(err) != fault.FailedPrecondition {
			return nil, err
		}
	}
	if _, err := p.st.DeleteSigningKeys(ctx, now); err != nil {
		return nil, err
	}
	if _, err := p.keys.current(ctx, 0); err != nil {
		return nil, err
	}
	k, err := p.parseSigningKey(sk)
	if err != nil {
		return nil, err
	}
	return &k.info, nil
}
