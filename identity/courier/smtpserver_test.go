package courier_test

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

// Credentials the test server accepts.
const (
	smtpUser     = "courier"
	smtpPassword = "p@ss:w0rd/secret"
)

// smtpServer is a real SMTP server on loopback (emersion/go-smtp) that offers STARTTLS with a
// self-signed certificate and AUTH PLAIN, refuses mail before both, and keeps what it receives.
type smtpServer struct {
	t    testing.TB
	srv  *smtp.Server
	addr string

	mu       sync.Mutex
	received []received
	// failures is how many DATA commands are answered 451 before the server accepts again.
	failures int
	// block, when set, holds each DATA command until it is closed, and then refuses it.
	block   chan struct{}
	inData  chan struct{} // receives once per DATA command that blocks
	datas   int           // DATA commands seen
	plainOK bool          // whether the server requires TLS; false to accept mail in the clear
}

// received is one message as the server got it, decoded.
type received struct {
	From, To          string
	Subject           string
	Header            mail.Header
	Plain, HTML       string
	TLS, Authed       bool
	EnvelopeFrom, Raw string
}

// startSMTP starts a server on 127.0.0.1 and stops it when the test ends.
func startSMTP(t testing.TB) *smtpServer {
	t.Helper()
	s := &smtpServer{t: t, inData: make(chan struct{}, 1000)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s, c: c}, nil }))
	s.srv.Domain = "localhost"
	s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
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

// uri returns the connection URI of the server with its credentials.
func (s *smtpServer) uri() string {
	return "smtp://" + smtpUser + ":" + strings.ReplaceAll(strings.ReplaceAll(smtpPassword, "@", "%40"), "/", "%2F") + "@" + s.addr + "/?skip_ssl_verify=true"
}

// messages returns what the server received so far.
func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

// waitFor waits until the server received n messages, or fails the test after timeout.
func (s *smtpServer) waitFor(n int, timeout time.Duration) []received {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := s.messages()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the SMTP server received %d messages in %v, want %d", len(got), timeout, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *smtpServer) failNext(n int) {
	s.mu.Lock()
	s.failures = n
	s.mu.Unlock()
}

// blockData makes every DATA command wait until unblock.
func (s *smtpServer) blockData() {
	s.mu.Lock()
	s.block = make(chan struct{})
	s.mu.Unlock()
}

func (s *smtpServer) unblock() {
	s.mu.Lock()
	if s.block != nil {
		close(s.block)
		s.block = nil
	}
	s.mu.Unlock()
}

type smtpSession struct {
	s      *smtpServer
	c      *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (x *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != smtpUser || pass != smtpPassword {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		x.authed = true
		return nil
	}), nil
}

func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if _, ok := x.c.TLSConnectionState(); !ok && !x.s.plainOK {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "STARTTLS first"}
	}
	if !x.authed && !x.s.plainOK {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *smtpSession) Data(r io.Reader) error {
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
	m.Authed, m.EnvelopeFrom = x.authed, x.from
	s.mu.Lock()
	s.received = append(s.received, m)
	s.mu.Unlock()
	return nil
}

func (x *smtpSession) Reset()        { x.from, x.to = "", nil }
func (x *smtpSession) Logout() error { return nil }

// decode reads a message's headers and its plain text and HTML parts.
func decode(raw []byte) (received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return received{}, err
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return received{}, err
	}
	m := received{From: msg.Header.Get("From"), To: msg.Header.Get("To"), Subject: subject, Header: msg.Header, Raw: string(raw)}
	err = parts(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &m)
	return m, err
}

func parts(contentType, encoding string, body io.Reader, m *received) error {
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
