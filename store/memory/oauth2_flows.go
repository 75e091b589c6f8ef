package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// flowHandle is one of a flow's handles: which one, and its value.
type flowHandle struct {
	key   store.FlowKey
	value string
}

// handles returns f's issued handles.
func handles(f *store.AuthFlow) []flowHandle {
	all := []flowHandle{
		{store.ByLoginChallenge, f.LoginChallenge},
		{store.ByLoginVerifier, f.LoginVerifier},
		{store.ByConsentChallenge, f.ConsentChallenge},
		{store.ByConsentVerifier, f.ConsentVerifier},
	}
	return slices.DeleteFunc(all, func(h flowHandle) bool { return h.value == "" })
}

// consentKey is a remembered consent's key.
type consentKey struct{ subject, clientID string }

// CreateFlow stores a copy of f.
func (s *OAuth2Store) CreateFlow(_ context.Context, f *store.AuthFlow) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.flows[f.ID]; ok {
		return fault.New(fault.AlreadyExists, "flow %q already exists", f.ID)
	}
	if err := s.checkHandles(f); err != nil {
		return err
	}
	s.putFlowLocked(f)
	return nil
}

// checkHandles fails with AlreadyExists when a handle of f belongs to another flow.
func (s *OAuth2Store) checkHandles(f *store.AuthFlow) error {
	for _, h := range handles(f) {
		if id, ok := s.flowHandles[h]; ok && id != f.ID {
			return fault.New(fault.AlreadyExists, "another flow has this handle")
		}
	}
	return nil
}

func (s *OAuth2Store) putFlowLocked(f *store.AuthFlow) {
	n := *f
	n.Data = slices.Clone(f.Data)
	s.flows[f.ID] = &n
	for _, h := range handles(&n) {
		s.flowHandles[h] = f.ID
	}
}

func (s *OAuth2Store) deleteFlowLocked(id string) {
	f, ok := s.flows[id]
	if !ok {
		return
	}
	for _, h := range handles(f) {
		delete(s.flowHandles, h)
	}
	delete(s.flows, id)
}

// GetFlow returns a copy of the flow with this handle.
func (s *OAuth2Store) GetFlow(_ context.Context, key store.FlowKey, value string) (*store.AuthFlow, error) {
	if key < store.ByLoginChallenge || key > store.ByConsentVerifier {
		return nil, fault.Invalid("key", "unknown flow handle %d", key)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.flowHandles[flowHandle{key, value}]
	if !ok || value == "" {
		return nil, fault.New(fault.NotFound, "flow not found")
	}
	f := *s.flows[id]
	f.Data = slices.Clone(f.Data)
	return &f, nil
}

// UpdateFlow replaces the flow with a copy of f when its state is from.
func (s *OAuth2Store) UpdateFlow(_ context.Context, f *store.AuthFlow, from store.FlowState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.flows[f.ID]
	switch {
	case !ok:
		return fault.New(fault.NotFound, "flow %q not found", f.ID)
	case old.State != from:
		return fault.New(fault.FailedPrecondition, "flow %q is %v, not %v", f.ID, old.State, from)
	}
	if err := s.checkHandles(f); err != nil {
		return err
	}
	s.deleteFlowLocked(f.ID)
	s.putFlowLocked(f)
	return nil
}

// RememberConsent stores a copy of c, replacing the consent of its subject to its client.
func (s *OAuth2Store) RememberConsent(_ context.Context, c *store.RememberedConsent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consents[consentKey{c.Subject, c.ClientID}] = cloneConsent(c)
	return nil
}

// GetConsent returns a copy of subject's consent to clientID.
func (s *OAuth2Store) GetConsent(_ context.Context, subject, clientID string) (*store.RememberedConsent, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.consents[consentKey{subject, clientID}]
	if !ok {
		return nil, fault.New(fault.NotFound, "no remembered consent to client %q", clientID)
	}
	return cloneConsent(c), nil
}

// ListConsents returns copies of subject's consents in client ID order.
func (s *OAuth2Store) ListConsents(_ context.Context, subject string) ([]*store.RememberedConsent, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*store.RememberedConsent
	for k, c := range s.consents {
		if k.subject == subject {
			out = append(out, cloneConsent(c))
		}
	}
	slices.SortFunc(out, func(a, b *store.RememberedConsent) int { return strings.Compare(a.ClientID, b.ClientID) })
	return out, nil
}

// DeleteConsent forgets subject's consent to clientID, or to every client when clientID is "".
func (s *OAuth2Store) DeleteConsent(_ context.Context, subject, clientID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k := range s.consents {
		if k.subject == subject && (clientID == "" || k.clientID == clientID) {
			delete(s.consents, k)
			n++
		}
	}
	return n, nil
}

func cloneConsent(c *store.RememberedConsent) *store.RememberedConsent {
	n := *c
	n.Scopes = slices.Clone(c.Scopes)
	n.Audiences = slices.Clone(c.Audiences)
	return &n
}

// CreateLoginSession stores a copy of ls.
func (s *OAuth2Store) CreateLoginSession(_ context.Context, ls *store.LoginSession) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[ls.ID]; ok {
		return fault.New(fault.AlreadyExists, "login session already exists")
	}
	n := *ls
	s.sessions[ls.ID] = &n
	return nil
}

// GetLoginSession returns a copy of the session with this ID.
func (s *OAuth2Store) GetLoginSession(_ context.Context, id string) (*store.LoginSession, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ls, ok := s.sessions[id]
	if !ok {
		return nil, fault.New(fault.NotFound, "login session not found")
	}
	n := *ls
	return &n, nil
}

// DeleteLoginSessions deletes the session with this ID, or every session of subject when id is "".
func (s *OAuth2Store) DeleteLoginSessions(_ context.Context, id, subject string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" {
		if _, ok := s.sessions[id]; !ok {
			return 0, nil
		}
		delete(s.sessions, id)
		return 1, nil
	}
	n := 0
	for sid, ls := range s.sessions {
		if ls.Subject == subject {
			delete(s.sessions, sid)
			n++
		}
	}
	return n, nil
}

// CreateDeviceAuthorization stores a copy of d.
func (s *OAuth2Store) CreateDeviceAuthorization(_ context.Context, d *store.DeviceAuthorization) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.devices[d.DeviceCodeKey]; ok {
		return fault.New(fault.AlreadyExists, "a device authorization with this device code already exists")
	}
	if _, ok := s.userCodes[d.UserCodeKey]; ok {
		return fault.New(fault.AlreadyExists, "a device authorization with this user code already exists")
	}
	s.devices[d.DeviceCodeKey] = cloneDevice(d)
	s.userCodes[d.UserCodeKey] = d.DeviceCodeKey
	return nil
}

// GetDeviceByUserCode returns a copy of the authorization with this user code key.
func (s *OAuth2Store) GetDeviceByUserCode(_ context.Context, key string) (*store.DeviceAuthorization, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	dk, ok := s.userCodes[key]
	if !ok {
		return nil, errNoDevice()
	}
	return cloneDevice(s.devices[dk]), nil
}

// GetDeviceByDeviceCode returns a copy of the authorization with this device code key.
func (s *OAuth2Store) GetDeviceByDeviceCode(_ context.Context, key string) (*store.DeviceAuthorization, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.devices[key]
	if !ok {
		return nil, errNoDevice()
	}
	return cloneDevice(d), nil
}

// UpdateDeviceAuthorization replaces the authorization with a copy of d when its state is from.
func (s *OAuth2Store) UpdateDeviceAuthorization(_ context.Context, d *store.DeviceAuthorization, from store.DeviceState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.devices[d.DeviceCodeKey]
	switch {
	case !ok:
		return errNoDevice()
	case old.State != from:
		return fault.New(fault.FailedPrecondition, "the device authorization is %v, not %v", old.State, from)
	}
	if dk, ok := s.userCodes[d.UserCodeKey]; ok && dk != d.DeviceCodeKey {
		return fault.New(fault.AlreadyExists, "a device authorization with this user code already exists")
	}
	delete(s.userCodes, old.UserCodeKey)
	s.devices[d.DeviceCodeKey] = cloneDevice(d)
	s.userCodes[d.UserCodeKey] = d.DeviceCodeKey
	return nil
}

// PollDevice sets the authorization's LastPolledAt to now and returns a copy of it as it was.
func (s *OAuth2Store) PollDevice(_ context.Context, deviceCodeKey string, now time.Time) (*store.DeviceAuthorization, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[deviceCodeKey]
	if !ok {
		return nil, errNoDevice()
	}
	was := cloneDevice(d)
	d.LastPolledAt = now
	return was, nil
}

func (s *OAuth2Store) deleteDeviceLocked(deviceCodeKey string) {
	if d, ok := s.devices[deviceCodeKey]; ok {
		delete(s.userCodes, d.UserCodeKey)
		delete(s.devices, deviceCodeKey)
	}
}

func errNoDevice() error { return fault.New(fault.NotFound, "device authorization not found") }

func cloneDevice(d *store.DeviceAuthorization) *store.DeviceAuthorization {
	n := *d
	n.Scopes = slices.Clone(d.Scopes)
	n.Audiences = slices.Clone(d.Audiences)
	n.Data = slices.Clone(d.Data)
	return &n
}
