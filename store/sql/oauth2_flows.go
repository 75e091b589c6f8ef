package sql

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// flowColumns reads a flow's handles not yet issued, stored as NULL, as "".
const flowColumns = `id, coalesce(login_challenge, ''), coalesce(login_verifier, ''), coalesce(consent_challenge, ''),
	coalesce(consent_verifier, ''), client_id, subject, state, created_at, expires_at, data`

func scanFlow(row pgx.Row) (*store.AuthFlow, error) {
	var f store.AuthFlow
	var state int16
	var created, expires pgtype.Timestamptz
	err := row.Scan(&f.ID, &f.LoginChallenge, &f.LoginVerifier, &f.ConsentChallenge, &f.ConsentVerifier,
		&f.ClientID, &f.Subject, &state, &created, &expires, &f.Data)
	f.State, f.CreatedAt, f.ExpiresAt = store.FlowState(state), tm(created), tm(expires)
	return &f, err
}

// CreateFlow stores f.
func (o *OAuth2Store) CreateFlow(ctx context.Context, f *store.AuthFlow) error {
	dup, err := o.insert(ctx, "create flow", `INSERT INTO ward_oauth2_flows (id, login_challenge, login_verifier,
			consent_challenge, consent_verifier, client_id, subject, state, created_at, expires_at, data)
		VALUES ($1, nullif($2, ''), nullif($3, ''), nullif($4, ''), nullif($5, ''), $6, $7, $8, $9, $10, $11)`,
		f.ID, f.LoginChallenge, f.LoginVerifier, f.ConsentChallenge, f.ConsentVerifier,
		f.ClientID, f.Subject, int16(f.State), ts(f.CreatedAt), ts(f.ExpiresAt), f.Data)
	if dup {
		return fault.New(fault.AlreadyExists, "flow %q or one of its handles already exists", f.ID)
	}
	return err
}

// GetFlow returns the flow with this handle.
func (o *OAuth2Store) GetFlow(ctx context.Context, key store.FlowKey, value string) (*store.AuthFlow, error) {
	var col string
	switch key {
	case store.ByLoginChallenge:
		col = "login_challenge"
	case store.ByLoginVerifier:
		col = "login_verifier"
	case store.ByConsentChallenge:
		col = "consent_challenge"
	case store.ByConsentVerifier:
		col = "consent_verifier"
	default:
		return nil, fault.Invalid("key", "unknown flow handle %d", key)
	}
	if value == "" {
		return nil, errNoFlow()
	}
	var f *store.AuthFlow
	err := o.s.retry(ctx, "get flow", func(ctx context.Context) error {
		var err error
		f, err = scanFlow(o.s.primary.QueryRow(ctx, `SELECT `+flowColumns+` FROM ward_oauth2_flows WHERE `+col+` = $1`, value))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNoFlow()
	}
	return f, err
}

// UpdateFlow replaces the flow when its state is from. The state test is in the UPDATE itself:
// of concurrent updates from one state, the first takes the row and the others, which wait for
// it, find the state changed.
func (o *OAuth2Store) UpdateFlow(ctx context.Context, f *store.AuthFlow, from store.FlowState) error {
	n, err := o.exec(ctx, "update flow", `UPDATE ward_oauth2_flows SET login_challenge = nullif($2, ''),
			login_verifier = nullif($3, ''), consent_challenge = nullif($4, ''), consent_verifier = nullif($5, ''),
			client_id = $6, subject = $7, state = $8, created_at = $9, expires_at = $10, data = $11
		WHERE id = $1 AND state = $12`,
		f.ID, f.LoginChallenge, f.LoginVerifier, f.ConsentChallenge, f.ConsentVerifier,
		f.ClientID, f.Subject, int16(f.State), ts(f.CreatedAt), ts(f.ExpiresAt), f.Data, int16(from))
	switch {
	case isUnique(err):
		return fault.New(fault.AlreadyExists, "another flow has one of flow %q's handles", f.ID)
	case err != nil || n == 1:
		return err
	}
	var state int16
	err = o.s.retry(ctx, "get flow", func(ctx context.Context) error {
		return o.s.primary.QueryRow(ctx, `SELECT state FROM ward_oauth2_flows WHERE id = $1`, f.ID).Scan(&state)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return errNoFlow()
	case err != nil:
		return err
	}
	return fault.New(fault.FailedPrecondition, "flow %q is %v, not %v", f.ID, store.FlowState(state), from)
}

func errNoFlow() error { return fault.New(fault.NotFound, "flow not found") }

const consentColumns = `subject, client_id, scopes, audiences, granted_at, expires_at`

func scanConsent(row pgx.Row) (*store.RememberedConsent, error) {
	var c store.RememberedConsent
	var granted, expires pgtype.Timestamptz
	err := row.Scan(&c.Subject, &c.ClientID, &c.Scopes, &c.Audiences, &granted, &expires)
	c.GrantedAt, c.ExpiresAt = tm(granted), tm(expires)
	return &c, err
}

// RememberConsent stores c, replacing the consent of its subject to its client.
func (o *OAuth2Store) RememberConsent(ctx context.Context, c *store.RememberedConsent) error {
	_, err := o.exec(ctx, "remember consent", `INSERT INTO ward_oauth2_consents (`+consentColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (subject, client_id) DO UPDATE SET scopes = excluded.scopes, audiences = excluded.audiences,
			granted_at = excluded.granted_at, expires_at = excluded.expires_at`,
		c.Subject, c.ClientID, c.Scopes, c.Audiences, ts(c.GrantedAt), ts(c.ExpiresAt))
	return err
}

// GetConsent returns subject's consent to clientID.
func (o *OAuth2Store) GetConsent(ctx context.Context, subject, clientID string) (*store.RememberedConsent, error) {
	var c *store.RememberedConsent
	err := o.s.retry(ctx, "get consent", func(ctx context.Context) error {
		var err error
		c, err = scanConsent(o.s.primary.QueryRow(ctx, `SELECT `+consentColumns+` FROM ward_oauth2_consents
			WHERE subject = $1 AND client_id = $2`, subject, clientID))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.New(fault.NotFound, "no remembered consent to client %q", clientID)
	}
	return c, err
}

// ListConsents returns subject's consents in client ID order.
func (o *OAuth2Store) ListConsents(ctx context.Context, subject string) ([]*store.RememberedConsent, error) {
	var out []*store.RememberedConsent
	err := o.s.retry(ctx, "list consents", func(ctx context.Context) error {
		rows, err := o.s.primary.Query(ctx, `SELECT `+consentColumns+` FROM ward_oauth2_consents
			WHERE subject = $1 ORDER BY client_id`, subject)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.RememberedConsent, error) { return scanConsent(row) })
		return err
	})
	return out, err
}

// DeleteConsent forgets subject's consent to clientID, or to every client when clientID is "".
func (o *OAuth2Store) DeleteConsent(ctx context.Context, subject, clientID string) (int, error) {
	if clientID == "" {
		return o.exec(ctx, "delete consents", `DELETE FROM ward_oauth2_consents WHERE subject = $1`, subject)
	}
	return o.exec(ctx, "delete consent", `DELETE FROM ward_oauth2_consents WHERE subject = $1 AND client_id = $2`,
		subject, clientID)
}

// CreateLoginSession stores ls.
func (o *OAuth2Store) CreateLoginSession(ctx context.Context, ls *store.LoginSession) error {
	dup, err := o.insert(ctx, "create login session", `INSERT INTO ward_oauth2_login_sessions
			(id, subject, authenticated_at, expires_at) VALUES ($1, $2, $3, $4)`,
		ls.ID, ls.Subject, ts(ls.AuthenticatedAt), ts(ls.ExpiresAt))
	if dup {
		return fault.New(fault.AlreadyExists, "login session already exists")
	}
	return err
}

// GetLoginSession returns the session with this ID.
func (o *OAuth2Store) GetLoginSession(ctx context.Context, id string) (*store.LoginSession, error) {
	ls := &store.LoginSession{}
	err := o.s.retry(ctx, "get login session", func(ctx context.Context) error {
		var authenticated, expires pgtype.Timestamptz
		err := o.s.primary.QueryRow(ctx, `SELECT id, subject, authenticated_at, expires_at
			FROM ward_oauth2_login_sessions WHERE id = $1`, id).Scan(&ls.ID, &ls.Subject, &authenticated, &expires)
		ls.AuthenticatedAt, ls.ExpiresAt = tm(authenticated), tm(expires)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.New(fault.NotFound, "login session not found")
	}
	if err != nil {
		return nil, err
	}
	return ls, nil
}

// DeleteLoginSessions deletes the session with this ID, or every session of subject when id is "".
func (o *OAuth2Store) DeleteLoginSessions(ctx context.Context, id, subject string) (int, error) {
	if id != "" {
		return o.exec(ctx, "delete login session", `DELETE FROM ward_oauth2_login_sessions WHERE id = $1`, id)
	}
	return o.exec(ctx, "delete login sessions", `DELETE FROM ward_oauth2_login_sessions WHERE subject = $1`, subject)
}

const deviceColumns = `device_code_key, user_code_key, client_id, scopes, audiences, state, subject,
	created_at, expires_at, last_polled_at, data`

func scanDevice(row pgx.Row) (*store.DeviceAuthorization, error) {
	var d store.DeviceAuthorization
	var state int16
	var created, expires, polled pgtype.Timestamptz
	err := row.Scan(&d.DeviceCodeKey, &d.UserCodeKey, &d.ClientID, &d.Scopes, &d.Audiences, &state, &d.Subject,
		&created, &expires, &polled, &d.Data)
	d.State, d.CreatedAt, d.ExpiresAt, d.LastPolledAt = store.DeviceState(state), tm(created), tm(expires), tm(polled)
	return &d, err
}

// CreateDeviceAuthorization stores d.
func (o *OAuth2Store) CreateDeviceAuthorization(ctx context.Context, d *store.DeviceAuthorization) error {
	dup, err := o.insert(ctx, "create device authorization", `INSERT INTO ward_oauth2_devices (`+deviceColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		d.DeviceCodeKey, d.UserCodeKey, d.ClientID, d.Scopes, d.Audiences, int16(d.State), d.Subject,
		ts(d.CreatedAt), ts(d.ExpiresAt), ts(d.LastPolledAt), d.Data)
	if dup {
		return fault.New(fault.AlreadyExists, "a device authorization with this device or user code already exists")
	}
	return err
}

// GetDeviceByUserCode returns the authorization with this user code key.
func (o *OAuth2Store) GetDeviceByUserCode(ctx context.Context, key string) (*store.DeviceAuthorization, error) {
	return o.getDevice(ctx, `user_code_key = $1`, key)
}

// GetDeviceByDeviceCode returns the authorization with this device code key.
func (o *OAuth2Store) GetDeviceByDeviceCode(ctx context.Context, key string) (*store.DeviceAuthorization, error) {
	return o.getDevice(ctx, `device_code_key = $1`, key)
}

func (o *OAuth2Store) getDevice(ctx context.Context, where, key string) (*store.DeviceAuthorization, error) {
	var d *store.DeviceAuthorization
	err := o.s.retry(ctx, "get device authorization", func(ctx context.Context) error {
		var err error
		d, err = scanDevice(o.s.primary.QueryRow(ctx, `SELECT `+deviceColumns+` FROM ward_oauth2_devices WHERE `+where, key))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNoDevice()
	}
	return d, err
}

// UpdateDeviceAuthorization replaces the authorization when its state is from; the state test is
// in the UPDATE, as in UpdateFlow.
func (o *OAuth2Store) UpdateDeviceAuthorization(ctx context.Context, d *store.DeviceAuthorization, from store.DeviceState) error {
	n, err := o.exec(ctx, "update device authorization", `UPDATE ward_oauth2_devices SET user_code_key = $2,
			client_id = $3, scopes = $4, audiences = $5, state = $6, subject = $7, created_at = $8, expires_at = $9,
			last_polled_at = $10, data = $11
		WHERE device_code_key = $1 AND state = $12`,
		d.DeviceCodeKey, d.UserCodeKey, d.ClientID, d.Scopes, d.Audiences, int16(d.State), d.Subject,
		ts(d.CreatedAt), ts(d.ExpiresAt), ts(d.LastPolledAt), d.Data, int16(from))
	switch {
	case isUnique(err):
		return fault.New(fault.AlreadyExists, "a device authorization with this user code already exists")
	case err != nil || n == 1:
		return err
	}
	old, err := o.GetDeviceByDeviceCode(ctx, d.DeviceCodeKey)
	if err != nil {
		return err
	}
	return fault.New(fault.FailedPrecondition, "the device authorization is %v, not %v", old.State, from)
}

// PollDevice sets the authorization's LastPolledAt to now and returns it as it was, under the
// row's lock.
func (o *OAuth2Store) PollDevice(ctx context.Context, deviceCodeKey string, now time.Time) (*store.DeviceAuthorization, error) {
	var was *store.DeviceAuthorization
	err := o.inTx(ctx, "poll device", func(ctx context.Context, tx pgx.Tx, _ bool) error {
		var err error
		was, err = scanDevice(tx.QueryRow(ctx, `SELECT `+deviceColumns+` FROM ward_oauth2_devices
			WHERE device_code_key = $1 FOR UPDATE`, deviceCodeKey))
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoDevice()
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE ward_oauth2_devices SET last_polled_at = $2 WHERE device_code_key = $1`,
			deviceCodeKey, ts(now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return was, nil
}

func errNoDevice() error { return fault.New(fault.NotFound, "device authorization not found") }
