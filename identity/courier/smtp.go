package courier

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/wardhq/ward/store"
)

// SMTPConnection is where and how the courier reaches its mail server, as Kratos's
// courier.smtp.connection_uri says it: smtp://USER:PASSWORD@HOST:PORT/?QUERY for a connection that
// upgrades with STARTTLS, or smtps://… for implicit TLS. Read one with [ParseConnectionURI].
type SMTPConnection struct {
	Host string
	Port int
	// Username and Password authenticate with AUTH PLAIN or LOGIN (whichever the server offers,
	// PLAIN first); none when Username is "". go-mail sends them only over TLS or to localhost.
	Username string
	Password string
	// ImplicitTLS is smtps: TLS from the first byte.
	ImplicitTLS bool
	// StartTLS is whether an smtp connection must upgrade with STARTTLS before anything else is
	// sent; true unless the URI says disable_starttls=true. A server that does not offer it is
	// then refused.
	StartTLS bool
	// SkipVerify accepts any certificate (skip_ssl_verify=true): for development only.
	SkipVerify bool
	// ServerName is the name the certificate must have (server_name); default Host.
	ServerName string
}

// Default ports: submission with STARTTLS (RFC 6409) and submission over TLS (RFC 8314).
const (
	DefaultSMTPPort  = 587
	DefaultSMTPSPort = 465
)

// ParseConnectionURI reads a Kratos connection URI: scheme smtp or smtps, a host, an optional
// port (default DefaultSMTPPort or DefaultSMTPSPort), optional user and password (percent-encoded),
// and the query parameters skip_ssl_verify, disable_starttls (smtp only) and server_name; any other
// parameter, a path, or a fragment is refused. The error never holds the password.
func ParseConnectionURI(raw string) (*SMTPConnection, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url's errors quote the whole URI, password included: say only what is wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("the SMTP connection URI is not a URL: %v", redactError(err, rawPassword(raw)))
	}
	c := &SMTPConnection{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		c.Port, c.StartTLS = DefaultSMTPPort, true
	case "smtps":
		c.Port, c.ImplicitTLS = DefaultSMTPSPort, true
	default:
		return nil, fmt.Errorf("the SMTP connection URI must start with smtp:// or smtps://, not %q", u.Scheme+"://")
	}
	switch {
	case c.Host == "":
		return nil, errors.New("the SMTP connection URI names no host")
	case !validHost(c.Host):
		return nil, fmt.Errorf("the SMTP connection URI's host %q is neither an IP address nor a host name", c.Host)
	case u.Opaque != "":
		return nil, errors.New("the SMTP connection URI must be smtp://HOST or smtps://HOST, with the two slashes")
	case u.Path != "" && u.Path != "/":
		return nil, fmt.Errorf("the SMTP connection URI has a path (%q); it takes none", u.Path)
	case u.Fragment != "":
		return nil, errors.New("the SMTP connection URI has a fragment (#…); it takes none")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("the SMTP connection URI's port %q is not a port number", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		if c.Username == "" {
			return nil, errors.New("the SMTP connection URI has a password but no user name")
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("the SMTP connection URI's query is not valid: %v", redactError(err, c.Password))
	}
	c.ServerName = c.Host
	for key, values := range q {
		if len(values) != 1 {
			return nil, fmt.Errorf("the SMTP connection URI gives %s %d times", key, len(values))
		}
		v := values[0]
		switch key {
		case "skip_ssl_verify", "disable_starttls":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("the SMTP connection URI's %s must be true or false, not %q", key, v)
			}
			if key == "skip_ssl_verify" {
				c.SkipVerify = b
			} else if c.ImplicitTLS {
				return nil, errors.New("the SMTP connection URI's disable_starttls is for smtp://; smtps:// is TLS throughout")
			} else {
				c.StartTLS = !b
			}
		case "server_name":
			if v == "" {
				return nil, errors.New("the SMTP connection URI's server_name is empty")
			}
			c.ServerName = v
		default:
			return nil, fmt.Errorf("the SMTP connection URI has the unknown parameter %q (known: skip_ssl_verify, disable_starttls, server_name)", key)
		}
	}
	return c, nil
}

// validHost reports whether h is an IP address or a DNS name (letters, digits, dots, dashes and
// underscores).
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return h != "" && len(h) <= 253
}

// rawPassword returns what stands where a URI's password would, for redacting errors about a
// URI that does not parse: after the first colon of the text between :// and the last @.
func rawPassword(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		rest = raw
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, pw, _ := strings.Cut(rest[:at], ":")
	return pw
}

// redactError returns err's text with secret, when not empty, replaced by xxxxx.
func redactError(err error, secret string) string {
	if secret == "" {
		return err.Error()
	}
	return strings.ReplaceAll(err.Error(), secret, "xxxxx")
}

// String returns the URI with the password replaced by xxxxx: what logs may show.
func (c *SMTPConnection) String() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), Path: "/"}
	if c.ImplicitTLS {
		u.Scheme = "smtps"
	}
	if c.Username != "" {
		u.User = url.UserPassword(c.Username, "xxxxx")
		if c.Password == "" {
			u.User = url.User(c.Username)
		}
	}
	q := url.Values{}
	if c.SkipVerify {
		q.Set("skip_ssl_verify", "true")
	}
	if !c.ImplicitTLS && !c.StartTLS {
		q.Set("disable_starttls", "true")
	}
	if c.ServerName != c.Host {
		q.Set("server_name", c.ServerName)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// smtpSender delivers messages to one mail server with go-mail, one connection per batch.
type smtpSender struct {
	conn    SMTPConnection
	from    string // the From header, with the name
	envFrom string // the envelope sender
	headers map[string]string
	timeout time.Duration
}

// newSMTPSender checks the sender's address and headers.
func newSMTPSender(c SMTPConnection, fromAddress, fromName string, headers map[string]string, timeout time.Duration) (*smtpSender, error) {
	addr, err := mail.ParseAddress(fromAddress)
	if err != nil || addr.Name != "" {
		return nil, fmt.Errorf("courier.smtp.from_address %q is not an email address", fromAddress)
	}
	from := (&mail.Address{Name: fromName, Address: addr.Address}).String()
	for k, v := range headers {
		if k == "" || strings.ContainsAny(k, ": \t\r\n") || strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("courier.smtp.headers: %q is not a header name with a one-line value", k)
		}
	}
	return &smtpSender{conn: c, from: from, envFrom: addr.Address, headers: headers, timeout: timeout}, nil
}

// session is one connection to the mail server: messages go over it one at a time, each
// within the sender's timeout.
type session struct {
	s      *smtpSender
	client *gomail.Client
	mu     sync.Mutex
	raw    net.Conn // the connection go-mail dialed, closed to abort a send
}

// open dials the mail server, upgrades to TLS and authenticates, within the sender's timeout.
func (s *smtpSender) open(ctx context.Context) (*session, error) {
	ss := &session{s: s}
	policy := gomail.NoTLS // smtps is TLS from the dial on; smtp without STARTTLS stays in the clear
	if s.conn.StartTLS {
		policy = gomail.TLSMandatory
	}
	tlsConfig := &tls.Config{ServerName: s.conn.ServerName, InsecureSkipVerify: s.conn.SkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // skip_ssl_verify is the operator's explicit choice
	opts := []gomail.Option{
		gomail.WithPort(s.conn.Port),
		gomail.WithTimeout(s.timeout),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithTLSPolicy(policy),
		gomail.WithDialContextFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
			d := &net.Dialer{}
			var c net.Conn
			var err error
			if s.conn.ImplicitTLS {
				c, err = (&tls.Dialer{NetDialer: d, Config: tlsConfig}).DialContext(ctx, network, addr)
			} else {
				c, err = d.DialContext(ctx, network, addr)
			}
			if err == nil {
				ss.mu.Lock()
				ss.raw = c
				ss.mu.Unlock()
			}
			return c, err
		}),
	}
	if s.conn.Username != "" {
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.conn.Username), gomail.WithPassword(s.conn.Password))
	}
	client, err := gomail.NewClient(s.conn.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("configuring the SMTP client: %w", err)
	}
	ss.client = client
	err = ss.guard(ctx, func() error { return client.DialWithContext(ctx) })
	if err != nil {
		ss.close()
		return nil, fmt.Errorf("connecting to %s: %w", s.conn.String(), err)
	}
	return ss, nil
}

// guard runs op, closing the connection when ctx ends or the sender's timeout passes first, so
// that a server that stops answering holds a send no longer than that.
func (ss *session) guard(ctx context.Context, op func() error) error {
	ctx, cancel := context.WithTimeout(ctx, ss.s.timeout)
	defer cancel()
	stop := context.AfterFunc(ctx, ss.abort)
	err := op()
	if !stop() { // the connection was closed under op
		return fmt.Errorf("%w (%v)", context.Cause(ctx), err)
	}
	return err
}

func (ss *session) abort() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.raw != nil {
		ss.raw.Close()
	}
}

// send delivers m.
func (ss *session) send(ctx context.Context, m *store.CourierMessage) error {
	msg := gomail.NewMsg()
	if err := msg.EnvelopeFrom(ss.s.envFrom); err != nil {
		return fmt.Errorf("the envelope sender: %w", err)
	}
	if err := msg.From(ss.s.from); err != nil {
		return fmt.Errorf("the sender: %w", err)
	}
	if err := msg.To(m.Recipient); err != nil {
		return fmt.Errorf("the recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageID()
	msg.SetDate()
	for k, v := range ss.s.headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	if m.HTMLBody != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTMLBody)
	}
	return ss.guard(ctx, func() error { return ss.client.Send(msg) })
}

// close ends the connection politely (QUIT) when it still works.
func (ss *session) close() {
	if ss.client != nil {
		_ = ss.client.Close() // the message is sent or not by now; QUIT's answer changes nothing
	}
	ss.abort()
}
