// Package smtptest runs a real SMTP server on loopback for tests of what sends mail, as
// net/http/httptest does for HTTP: emersion/go-smtp, with STARTTLS (a self-signed certificate) and
// AUTH PLAIN required, keeping the messages it receives decoded, and able to refuse or hold DATA.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// User and Password are the credentials the server accepts.
const (
	User     = "courier"
	Password = "p@ss:w0rd/secret"
)

// Server is a real SMTP server on loopback (emersion/go-smtp) that offers STARTTLS with a
// self-signed certificate and AUTH PLAIN, refuses mail before both (unless StartPlain), and keeps
// what it receives.
type Server struct {
	t    testing.TB
	srv  *smtp.Server
	addr string

	mu       sync.Mutex
	received []Message
	// failures is how many DATA commands are answered 451 before the server accepts again.
	failures int
	// block, when set, holds each DATA command until it is closed, and then refuses it.
	block   chan struct{}
	inData  chan struct{} // receives once per DATA command that blocks
	datas   int           // DATA commands seen
	plainOK bool          // offers no STARTTLS, takes mail without AUTH; set before serving
}

// Message is one message as the server got it, decoded: its headers, its plain text and HTML
// parts, how it came (TLS, authenticated) and its envelope.
type Message struct {
	From, To          string
	Subject           string
	Header            mail.Header
	Plain, HTML       string
	TLS, Authed       bool
	EnvelopeFrom, Raw string
	EnvelopeTo        []string
}

// Start starts a server on 127.0.0.1 and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, false)
}

// StartPlain starts a server that offers no STARTTLS and takes mail without AUTH.
func StartPlain(t testing.TB) *Server {
	t.Helper()
	return start(t, true)
}

func start(t testing.TB, plain bool) *Server {
	t.Helper()
	s := &Server{t: t, inData: make(chan struct{}, 1000), plainOK: plain}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s, c: c}, nil }))
	s.srv.Domain = "localhost"
	if !plain {
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	}
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	go s.srv.Serve(l)
	t.Cleanup(func() {
		s.mu.Lock()
		if s.block != nil {
			close(s.block)
			s.block = nil
		}
		s.mu.Unlock()
		s.srv.Close()
	})
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URI returns the connection URI of the server with its credentials, in Kratos's
// courier.smtp.connection_uri form.
func (s *Server) URI() string {
	return "smtp://" + User + ":" + strings.ReplaceAll(strings.ReplaceAll(Password, "@", "%40"), "/", "%2F") + "@" + s.addr + "/?skip_ssl_verify=true"
}

// Messages returns what the server received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.received...)
}

// WaitFor waits until the server received n messages, or fails the test after timeout.
func (s *Server) WaitFor(n int, timeout time.Duration) []Message {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := s.Messages()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the SMTP server received %d messages in %v, want %d", len(got), timeout, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// FailNext answers the next n DATA commands 451.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	s.failures = n
	s.mu.Unlock()
}

// BlockData makes every DATA command wait until Unblock, and then refuses it; InData receives
// once for each DATA command held.
func (s *Server) BlockData() {
	s.mu.Lock()
	s.block = make(chan struct{})
	s.mu.Unlock()
}

// Unblock releases the DATA commands that BlockData holds, and holds no more.
func (s *Server) Unblock() {
	s.mu.Lock()
	if s.block != nil {
		close(s.block)
		s.block = nil
	}
	s.mu.Unlock()
}

// InData receives once for each DATA command that BlockData holds.
func (s *Server) InData() <-chan struct{} { return s.inData }

// DataCommands returns how many DATA commands the server has seen, kept or not.
func (s *Server) DataCommands() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.datas
}

type session struct {
	s      *Server
	c      *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != User || pass != Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		x.authed = true
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if _, ok := x.c.TLSConnectionState(); !ok && !x.s.plainOK {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "STARTTLS first"}
	}
	if !x.authed && !x.s.plainOK {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := x.s
	s.mu.Lock()
	s.datas++
	block := s.block
	fail := s.failures > 0
	if fail {
		s.failures--
	}
	s.mu.Unlock()
	if block != nil {
		s.inData <- struct{}{}
		<-block
		// A DATA held this long is one whose client gave up: it is not kept.
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "held and dropped"}
	}
	if fail {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m, err := decode(raw)
	if err != nil {
		s.t.Errorf("the SMTP server cannot read a message: %v\n%s", err, raw)
		return err
	}
	_, m.TLS = x.c.TLSConnectionState()
	m.Authed, m.EnvelopeFrom, m.EnvelopeTo = x.authed, x.from, x.to
	s.mu.Lock()
	s.received = append(s.received, m)
	s.mu.Unlock()
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

// decode reads a message's headers and its plain text and HTML parts.
func decode(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Message{}, err
	}
	m := Message{From: msg.Header.Get("From"), To: msg.Header.Get("To"), Subject: subject, Header: msg.Header, Raw: string(raw)}
	err = parts(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &m)
	return m, err
}

func parts(contentType, encoding string, body io.Reader, m *Message) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := parts(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, m); err != nil {
				return err
			}
		}
	}
	if strings.EqualFold(encoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		m.Plain = string(b)
	case "text/html":
		m.HTML = string(b)
	}
	return nil
}

// selfSigned returns a certificate for 127.0.0.1 and localhost, made now.
func selfSigned(t testing.TB) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
