package identity

import (
	"encoding/json"
	"time"

	"github.com/wardhq/ward/store"
)

// Authenticator assurance levels, as Kratos names them.
const (
	AAL1 = "aal1"
	AAL2 = "aal2"
)

// Session is one login of an identity, as whoami answers it.
type Session struct {
	ID string
	// Active is whether the session is valid now: not revoked, not expired, its identity active.
	// The Service computes it when it reads the session.
	Active          bool
	ExpiresAt       time.Time
	AuthenticatedAt time.Time
	IssuedAt        time.Time
	// AAL is the authenticator assurance level reached ("aal1", "aal2").
	AAL string
	// AuthenticationMethods are the methods completed in this session, in order.
	AuthenticationMethods []AuthenticationMethod
	Devices               []Device
	IdentityID            string
	// Identity is the session's identity, as whoami embeds it; nil where a listing leaves it out.
	Identity *Identity
	// Tokenized is the session as a JWT when whoami was asked for one (tokenize_as); "" otherwise.
	Tokenized string
}

// AuthenticationMethod is one completed step of a session's authentication.
type AuthenticationMethod struct {
	Method      string    `json:"method"` // a credential type: "password", "oidc", …
	AAL         string    `json:"aal"`
	CompletedAt time.Time `json:"completed_at"`
	Provider    string    `json:"provider,omitempty"` // the OIDC provider for "oidc"
}

// Device is a device (user agent) a session was used from.
type Device struct {
	ID        string
	IPAddress string
	UserAgent string
	Location  string
}

// deviceJSON is Kratos's form of a device: absent values are null.
type deviceJSON struct {
	ID        string  `json:"id"`
	IPAddress *string `json:"ip_address"`
	UserAgent *string `json:"user_agent"`
	Location  *string `json:"location"`
}

// MarshalJSON writes Kratos's form.
func (d Device) MarshalJSON() ([]byte, error) {
	return json.Marshal(deviceJSON{ID: d.ID, IPAddress: strPtr(d.IPAddress), UserAgent: strPtr(d.UserAgent), Location: strPtr(d.Location)})
}

// UnmarshalJSON reads Kratos's form.
func (d *Device) UnmarshalJSON(data []byte) error {
	var j deviceJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*d = Device{ID: j.ID, IPAddress: deref(j.IPAddress), UserAgent: deref(j.UserAgent), Location: deref(j.Location)}
	return nil
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// sessionJSON is Kratos's JSON form of a session.
type sessionJSON struct {
	ID                    string                 `json:"id"`
	Active                bool                   `json:"active"`
	ExpiresAt             time.Time              `json:"expires_at"`
	AuthenticatedAt       time.Time              `json:"authenticated_at"`
	AAL                   string                 `json:"authenticator_assurance_level"`
	AuthenticationMethods []AuthenticationMethod `json:"authentication_methods"`
	IssuedAt              time.Time              `json:"issued_at"`
	Identity              *Identity              `json:"identity,omitempty"`
	Devices               []Device               `json:"devices"`
	Tokenized             string                 `json:"tokenized,omitempty"`
}

// MarshalJSON writes the session as Kratos's whoami and session listings do; the identity, when
// present, in its public form.
func (s *Session) MarshalJSON() ([]byte, error) {
	j := sessionJSON{
		ID: s.ID, Active: s.Active, ExpiresAt: s.ExpiresAt.UTC(), AuthenticatedAt: s.AuthenticatedAt.UTC(),
		AAL: s.AAL, AuthenticationMethods: s.AuthenticationMethods, IssuedAt: s.IssuedAt.UTC(),
		Identity: s.Identity, Devices: s.Devices, Tokenized: s.Tokenized,
	}
	if j.AuthenticationMethods == nil {
		j.AuthenticationMethods = []AuthenticationMethod{}
	}
	if j.Devices == nil {
		j.Devices = []Device{}
	}
	return json.Marshal(j)
}

// sessionFromStore converts a stored session; active says whether it is valid now.
func sessionFromStore(r *store.Session, active bool) *Session {
	s := &Session{
		ID: r.ID, Active: active, ExpiresAt: r.ExpiresAt, AuthenticatedAt: r.AuthenticatedAt,
		IssuedAt: r.IssuedAt, AAL: r.AAL, IdentityID: r.IdentityID,
	}
	for _, m := range r.AuthenticationMethods {
		s.AuthenticationMethods = append(s.AuthenticationMethods, AuthenticationMethod{
			Method: m.Method, AAL: m.AAL, CompletedAt: m.CompletedAt, Provider: m.Provider,
		})
	}
	for _, d := range r.Devices {
		s.Devices = append(s.Devices, Device{ID: d.ID, IPAddress: d.IPAddress, UserAgent: d.UserAgent, Location: d.Location})
	}
	return s
}

// storeMethods converts authentication methods for the store.
func storeMethods(ms []AuthenticationMethod) []store.AuthenticationMethod {
	out := make([]store.AuthenticationMethod, 0, len(ms))
	for _, m := range ms {
		out = append(out, store.AuthenticationMethod{Method: m.Method, AAL: m.AAL, Provider: m.Provider, CompletedAt: m.CompletedAt})
	}
	return out
}
