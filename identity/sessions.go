package identity

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// maxDevices is the most devices a session records; a refresh from a new device past it drops
// the oldest.
const maxDevices = 32

// IssueSession starts a new session of an identity after it authenticated by m from device d
// (a login or a registration), and returns it with its token, which is returned only here. Each
// login makes a new session with a new ID and token (no session fixation). The session lasts
// Config.SessionLifespan; its AAL is m.AAL (default aal1), authenticated_at m.CompletedAt (default
// now). NotFound when there is no such identity; ErrIdentityDisabled when it is inactive.
func (s *Service) IssueSession(ctx context.Context, identityID string, m AuthenticationMethod, d Device) (*Session, string, error) {
	i, err := s.GetIdentity(ctx, identityID)
	if err != nil {
		return nil, "", err
	}
	if !i.Active() {
		return nil, "", ErrIdentityDisabled
	}
	now := s.clock()
	m = normalizeMethod(m, now)
	token, key := newSessionToken()
	rec := &store.Session{
		ID: uuid.NewString(), TokenKey: key, IdentityID: i.ID, Active: true,
		AuthenticatedAt: m.CompletedAt, IssuedAt: now, ExpiresAt: now.Add(s.cfg.SessionLifespan),
		AAL: m.AAL, AuthenticationMethods: storeMethods([]AuthenticationMethod{m}),
		CreatedAt: now, UpdatedAt: now,
	}
	if d != (Device{}) {
		rec.Devices = []store.SessionDevice{{ID: uuid.NewString(), IPAddress: d.IPAddress, UserAgent: d.UserAgent, Location: d.Location}}
	}
	if err := s.st.CreateSession(ctx, rec); err != nil {
		return nil, "", identityError(err)
	}
	sess := sessionFromStore(rec, true)
	sess.Identity = withoutCredentials(i)
	s.log.DebugContext(ctx, "session issued", "session_id", sess.ID, "identity_id", i.ID, "method", m.Method, "aal", m.AAL)
	return sess, token, nil
}

func normalizeMethod(m AuthenticationMethod, now time.Time) AuthenticationMethod {
	if m.AAL == "" {
		m.AAL = AAL1
	}
	if m.CompletedAt.IsZero() {
		m.CompletedAt = now
	}
	m.CompletedAt = m.CompletedAt.UTC().Truncate(time.Microsecond)
	return m
}

// withoutCredentials is a copy of i for a session: the public form never shows credentials, and
// the whoami cache holds no hash.
func withoutCredentials(i *Identity) *Identity {
	c := *i
	c.Credentials = nil
	return &c
}

// Whoami returns the session of a session token with its identity: whoami's hot path. The token
// is checked for form before anything is looked up; a token that names no valid session
// (malformed, unknown, revoked, expired, or of an inactive identity) is ErrNoActiveSession.
// Valid sessions are cached (Config.CacheSize): a revocation or identity change through this
// Service is seen at once, one through another Service within Config.InvalidationBound while
// [Service.Run] runs; the expiry is checked on every call. The session returned is shared with
// the cache: callers must not modify it.
func (s *Service) Whoami(ctx context.Context, token string) (*Session, error) {
	sess, _, err := s.whoami(ctx, token)
	return sess, err
}

// WhoamiJSON is [Service.Whoami] with the session's JSON, as [Session.MarshalJSON] writes it:
// the cache keeps the JSON of the sessions it holds, so that a warm whoami encodes nothing. The
// session and the JSON are shared with the cache: callers must modify neither.
func (s *Service) WhoamiJSON(ctx context.Context, token string) (*Session, []byte, error) {
	sess, e, err := s.whoami(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	var body []byte
	if e != nil {
		body, err = e.json()
	} else {
		body, err = json.Marshal(sess)
	}
	if err != nil {
		return nil, nil, fault.Wrap(fault.Internal, err, "cannot encode the session")
	}
	return sess, body, nil
}

// whoami is Whoami, with the session's cache entry; the entry is nil when the session is not
// cached.
func (s *Service) whoami(ctx context.Context, token string) (*Session, *cachedSession, error) {
	key, ok := ParseSessionToken(token)
	if !ok {
		s.stats.rejected.Add(1)
		return nil, nil, ErrNoActiveSession
	}
	now := s.now()
	useCache := s.useCache(now)
	if useCache {
		if e := s.cached(key, now); e != nil {
			return e.session, e, nil
		}
	}
	gen := s.inval.gen.Load()
	s.stats.storeLookups.Add(1)
	rec, irec, err := s.st.LookupSession(ctx, key)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return nil, nil, ErrNoActiveSession
	case err != nil:
		return nil, nil, err
	case subtle.ConstantTimeCompare([]byte(rec.TokenKey), []byte(key)) != 1:
		return nil, nil, ErrNoActiveSession
	}
	if !rec.Active || !now.Before(rec.ExpiresAt) || irec.State != store.IdentityActive {
		return nil, nil, ErrNoActiveSession
	}
	sess := sessionFromStore(rec, true)
	i := fromStore(irec, s.schemaURL)
	i.AvailableAAL = s.enabledAAL(i.Credentials)
	sess.Identity = withoutCredentials(i)
	var e *cachedSession
	if useCache {
		e = s.remember(key, sess, gen, now)
	}
	return sess, e, nil
}

// sessionByToken returns the stored session of a token whatever its state, for the calls that
// end a session; ErrNoActiveSession when the token
// names none.
func (s *Service) sessionByToken(ctx context.Context, token string) (*store.Session, error) {
	key, ok := ParseSessionToken(token)
	if !ok {
		return nil, ErrNoActiveSession
	}
	rec, _, err := s.st.LookupSession(ctx, key)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return nil, ErrNoActiveSession
	case err != nil:
		return nil, err
	case subtle.ConstantTimeCompare([]byte(rec.TokenKey), []byte(key)) != 1:
		return nil, ErrNoActiveSession
	}
	return rec, nil
}

// RevokeSessionByToken revokes the session of a token (logout of a native app: DELETE
// /self-service/logout/api). ErrNoActiveSession when the token names no session; revoking a
// revoked session is not an error.
func (s *Service) RevokeSessionByToken(ctx context.Context, token string) error {
	rec, err := s.sessionByToken(ctx, token)
	if err != nil {
		return err
	}
	return s.revoke(ctx, rec.ID)
}

func (s *Service) revoke(ctx context.Context, id string) error {
	if err := s.st.RevokeSession(ctx, id, s.clock()); err != nil {
		return sessionError(err)
	}
	s.forgetSession(id)
	s.log.DebugContext(ctx, "session revoked", "session_id", id)
	return nil
}

func sessionError(err error) error {
	if fault.CodeOf(err) == fault.NotFound {
		return fault.Wrap(fault.NotFound, err, "Unable to locate the resource")
	}
	return err
}

// RevokeSession revokes a session by its ID (DELETE /admin/sessions/{id}); NotFound when there
// is none.
func (s *Service) RevokeSession(ctx context.Context, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return fault.New(fault.NotFound, "Unable to locate the resource")
	}
	return s.revoke(ctx, id)
}

// RevokeOwnSession revokes one of the current session's identity's other sessions (DELETE
// /sessions/{id}). The current session itself is refused (InvalidArgument: that is logout), and
// a session of another identity is NotFound.
func (s *Service) RevokeOwnSession(ctx context.Context, current *Session, id string) error {
	if id == current.ID {
		return fault.Invalid("id", "You tried to revoke your current session. Please use the logout endpoint.")
	}
	if _, err := uuid.Parse(id); err != nil {
		return fault.New(fault.NotFound, "Unable to locate the resource")
	}
	rec, err := s.st.GetSession(ctx, id)
	if err != nil {
		return sessionError(err)
	}
	if rec.IdentityID != current.IdentityID {
		return fault.New(fault.NotFound, "Unable to locate the resource")
	}
	return s.revoke(ctx, id)
}

// RevokeOtherSessions revokes every active session of the current session's identity but the
// current one (DELETE /sessions), and returns how many.
func (s *Service) RevokeOtherSessions(ctx context.Context, current *Session) (int, error) {
	return s.revokeAll(ctx, current.IdentityID, current.ID)
}

// RevokeIdentitySessions revokes every active session of an identity (DELETE
// /admin/identities/{id}/sessions), and returns how many. NotFound when there is no such
// identity.
func (s *Service) RevokeIdentitySessions(ctx context.Context, identityID string) (int, error) {
	if _, err := s.GetIdentity(ctx, identityID); err != nil {
		return 0, err
	}
	return s.revokeAll(ctx, identityID, "")
}

func (s *Service) revokeAll(ctx context.Context, identityID, except string) (int, error) {
	n, err := s.st.RevokeSessions(ctx, identityID, except, s.clock())
	if err != nil {
		return 0, sessionError(err)
	}
	// The identity's cached sessions go, the kept one too: it is read again at its next use.
	s.forgetIdentity(identityID)
	s.log.DebugContext(ctx, "sessions revoked", "identity_id", identityID, "count", n)
	return n, nil
}

// SessionListParams selects a page of sessions.
type SessionListParams struct {
	// Active, when not nil, selects the valid sessions (true) or the others (false).
	Active *bool
	// PageSize is the most sessions a page holds: default DefaultListPageSize, at most
	// MaxListPageSize.
	PageSize  int
	PageToken string
	// ExpandIdentity embeds each session's identity (Kratos's expand=identity).
	ExpandIdentity bool
}

// ListSessions lists all sessions (GET /admin/sessions), in ID order, and the next page's token.
func (s *Service) ListSessions(ctx context.Context, p SessionListParams) ([]*Session, string, error) {
	return s.listSessions(ctx, "", "", p)
}

// ListIdentitySessions lists an identity's sessions (GET /admin/identities/{id}/sessions).
// NotFound when there is no such identity.
func (s *Service) ListIdentitySessions(ctx context.Context, identityID string, p SessionListParams) ([]*Session, string, error) {
	if _, err := s.GetIdentity(ctx, identityID); err != nil {
		return nil, "", err
	}
	return s.listSessions(ctx, identityID, "", p)
}

// ListOwnSessions lists the current session's identity's other active sessions (GET /sessions:
// the current one is whoami's).
func (s *Service) ListOwnSessions(ctx context.Context, current *Session, p SessionListParams) ([]*Session, string, error) {
	active := true
	p.Active = &active
	return s.listSessions(ctx, current.IdentityID, current.ID, p)
}

func (s *Service) listSessions(ctx context.Context, identityID, except string, p SessionListParams) ([]*Session, string, error) {
	size, err := pageSize(p.PageSize)
	if err != nil {
		return nil, "", err
	}
	if p.PageToken != "" {
		if _, err := uuid.Parse(p.PageToken); err != nil {
			return nil, "", fault.Invalid("page_token", "the page token is not valid")
		}
	}
	now := s.now()
	f := store.SessionFilter{IdentityID: identityID, Active: p.Active, At: now}
	// One more than the page is read, to know whether another follows, and one more again for
	// the excepted session, which may be among them.
	rs, err := s.st.ListSessions(ctx, f, p.PageToken, size+2)
	if err != nil {
		return nil, "", err
	}
	out := make([]*Session, 0, min(len(rs), size))
	next := ""
	for _, r := range rs {
		if r.ID == except {
			continue
		}
		if len(out) == size {
			next = out[size-1].ID
			break
		}
		out = append(out, sessionFromStore(r, r.Active && now.Before(r.ExpiresAt)))
	}
	if p.ExpandIdentity {
		if err := s.expand(ctx, out, now); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

// expand embeds the sessions' identities.
func (s *Service) expand(ctx context.Context, sessions []*Session, now time.Time) error {
	ids := make([]string, 0, len(sessions))
	for _, x := range sessions {
		ids = append(ids, x.IdentityID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return nil
	}
	rs, err := s.st.ListIdentities(ctx, store.IdentityFilter{IDs: ids}, "", 0)
	if err != nil {
		return err
	}
	byID := make(map[string]*Identity, len(rs))
	for _, r := range rs {
		byID[r.ID] = withoutCredentials(fromStore(r, s.schemaURL))
	}
	for _, x := range sessions {
		if i := byID[x.IdentityID]; i != nil {
			x.Identity = i
			x.Active = x.Active && i.Active()
		}
	}
	return nil
}

// GetSession returns a session by its ID with its identity (GET /admin/sessions/{id}), whatever
// its state; NotFound when there is none.
func (s *Service) GetSession(ctx context.Context, id string) (*Session, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, fault.New(fault.NotFound, "Unable to locate the resource")
	}
	rec, err := s.st.GetSession(ctx, id)
	if err != nil {
		return nil, sessionError(err)
	}
	now := s.now()
	sess := sessionFromStore(rec, rec.Active && now.Before(rec.ExpiresAt))
	if err := s.expand(ctx, []*Session{sess}, now); err != nil {
		return nil, err
	}
	return sess, nil
}

// ExtendSession extends a session (PATCH /admin/sessions/{id}/extend) to Config.SessionLifespan
// from now, as Kratos does: only once it expires within Config.EarliestPossibleExtend, so that
// frequent calls do not write; earlier calls change nothing. It returns the session as it is
// after. NotFound when there is none.
func (s *Service) ExtendSession(ctx context.Context, id string) (*Session, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, fault.New(fault.NotFound, "Unable to locate the resource")
	}
	rec, err := s.st.GetSession(ctx, id)
	if err != nil {
		return nil, sessionError(err)
	}
	now := s.clock()
	if rec.ExpiresAt.Add(-s.cfg.EarliestPossibleExtend).Before(now) {
		rec.ExpiresAt = now.Add(s.cfg.SessionLifespan)
		if err := s.st.ExtendSession(ctx, id, rec.ExpiresAt, now); err != nil {
			return nil, sessionError(err)
		}
		s.forgetSession(id)
		s.log.DebugContext(ctx, "session extended", "session_id", id)
	}
	return s.GetSession(ctx, id)
}

// RefreshSession records a re-authentication in an existing session (a login with refresh, or
// a step-up): authenticated_at becomes the method's completion, the method is appended, the AAL
// rises to the method's when higher, the session lasts Config.SessionLifespan from now, and a
// new device is recorded. The token stays. NotFound when there is no such session;
// ErrNoActiveSession when it is no longer valid.
func (s *Service) RefreshSession(ctx context.Context, id string, m AuthenticationMethod, d Device) (*Session, error) {
	return s.recordMethod(ctx, id, m, func(rec *store.Session, m AuthenticationMethod, now time.Time) {
		rec.AuthenticatedAt = m.CompletedAt
		rec.ExpiresAt = now.Add(s.cfg.SessionLifespan)
		if d != (Device{}) && !slices.ContainsFunc(rec.Devices, func(x store.SessionDevice) bool {
			return x.IPAddress == d.IPAddress && x.UserAgent == d.UserAgent
		}) {
			rec.Devices = append(rec.Devices, store.SessionDevice{ID: uuid.NewString(), IPAddress: d.IPAddress, UserAgent: d.UserAgent, Location: d.Location})
			if len(rec.Devices) > maxDevices {
				rec.Devices = rec.Devices[len(rec.Devices)-maxDevices:]
			}
		}
	})
}

// recordMethod appends m (normalized) to the valid session with this ID, raises its AAL to m's
// when higher, applies also, and stores it. NotFound when there is no such session;
// ErrNoActiveSession when it is no longer valid.
func (s *Service) recordMethod(ctx context.Context, id string, m AuthenticationMethod, also func(rec *store.Session, m AuthenticationMethod, now time.Time)) (*Session, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, fault.New(fault.NotFound, "Unable to locate the resource")
	}
	rec, err := s.st.GetSession(ctx, id)
	if err != nil {
		return nil, sessionError(err)
	}
	now := s.clock()
	if !rec.Active || !now.Before(rec.ExpiresAt) {
		return nil, ErrNoActiveSession
	}
	m = normalizeMethod(m, now)
	rec.AuthenticationMethods = append(rec.AuthenticationMethods, storeMethods([]AuthenticationMethod{m})...)
	if m.AAL > rec.AAL { // "aal2" > "aal1"
		rec.AAL = m.AAL
	}
	also(rec, m, now)
	rec.UpdatedAt = now
	if err := s.st.UpdateSession(ctx, rec); err != nil {
		return nil, sessionError(err)
	}
	s.forgetSession(id)
	s.log.DebugContext(ctx, "authentication method recorded", "session_id", id, "method", m.Method, "aal", rec.AAL)
	return s.GetSession(ctx, id)
}
