package oauth2

import (
	"context"
	"time"

	"github.com/wardhq/ward/fault"
)

// Consent is a subject's remembered consent to a client: later flows of the subject and client
// that ask for no more skip the consent app.
type Consent struct {
	Subject   string
	ClientID  string
	Scopes    []string
	Audiences []string
	GrantedAt time.Time
	ExpiresAt time.Time // zero: until withdrawn
}

// ListConsents returns subject's remembered consents, in client ID order.
func (p *Provider) ListConsents(ctx context.Context, subject string) ([]Consent, error) {
	if subject == "" {
		return nil, fault.Invalid("subject", "the subject is required")
	}
	rcs, err := p.st.ListConsents(ctx, subject)
	if err != nil {
		return nil, err
	}
	out := make([]Consent, len(rcs))
	for i, rc := range rcs {
		out[i] = Consent{
			Subject: rc.Subject, ClientID: rc.ClientID, Scopes: rc.Scopes, Audiences: rc.Audiences,
			GrantedAt: rc.GrantedAt, ExpiresAt: rc.ExpiresAt,
		}
	}
	return out, nil
}

// RevokeLoginSessions forgets every remembered login of subject, in every browser, so that the
// next flow asks the login app again; tokens already issued stay valid (withdraw them with
// [Provider.RevokeConsent]). It returns how many sessions it forgot.
func (p *Provider) RevokeLoginSessions(ctx context.Context, subject string) (int, error) {
	if subject == "" {
		return 0, fault.Invalid("subject", "the subject is required")
	}
	return p.st.DeleteLoginSessions(ctx, "", subject)
}
