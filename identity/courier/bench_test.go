package courier_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/wardhq/ward/identity/courier"
	"github.com/wardhq/ward/identity/courier/smtptest"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// BenchmarkCourierThroughput measures messages per second from Enqueue to the SMTP server's
// acceptance, through the queue and the worker (batches of courier.DefaultBatchSize, one
// connection each), against a baseline measured in the same run: go-mail alone sending the same
// number of messages to the same server, in connections of the same batch size. Both go over
// STARTTLS with AUTH PLAIN to a go-smtp server on loopback. It reports courier_msgs/s,
// gomail_msgs/s and their ratio.
func BenchmarkCourierThroughput(b *testing.B) {
	for _, backend := range []string{"memory", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			benchmarkThroughput(b, func() store.CourierStore {
				if backend == "memory" {
					return memory.NewCourierStore()
				}
				return openSQL(b, pgBenchDSN(b)).Courier()
			})
		})
	}
}

func benchmarkThroughput(b *testing.B, newStore func() store.CourierStore) {
	const perRound = 200
	srv := smtptest.Start(b)
	conn, err := courier.ParseConnectionURI(srv.URI())
	if err != nil {
		b.Fatal(err)
	}
	var courierTime, baseTime time.Duration
	for range b.N {
		st := newStore()
		c := newCourier(b, st, courier.Config{})
		w := newWorker(b, st, srv, nil)
		start := time.Now()
		for i := range perRound {
			enqueueCode(b, c, fmt.Sprintf("u%d@example.com", i), "123456")
		}
		for {
			n, err := w.RunOnce(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		courierTime += time.Since(start)

		start = time.Now()
		for sent := 0; sent < perRound; sent += courier.DefaultBatchSize {
			client, err := gomail.NewClient(conn.Host, gomail.WithPort(conn.Port), gomail.WithTLSPolicy(gomail.TLSMandatory),
				gomail.WithTLSConfig(srvTLS()), gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
				gomail.WithUsername(conn.Username), gomail.WithPassword(conn.Password))
			if err != nil {
				b.Fatal(err)
			}
			msgs := make([]*gomail.Msg, courier.DefaultBatchSize)
			for i := range msgs {
				m := gomail.NewMsg()
				if err := m.From("no-reply@example.com"); err != nil {
					b.Fatal(err)
				}
				if err := m.To(fmt.Sprintf("u%d@example.com", sent+i)); err != nil {
					b.Fatal(err)
				}
				m.Subject("Recover access to your account")
				m.SetBodyString(gomail.TypeTextPlain, "Hi,\n\nplease recover access to your account by entering the following code:\n\n123456\n")
				m.AddAlternativeString(gomail.TypeTextHTML, "Hi,\n\nplease recover access to your account by entering the following code:\n\n123456\n")
				msgs[i] = m
			}
			if err := client.DialAndSend(msgs...); err != nil {
				b.Fatal(err)
			}
		}
		baseTime += time.Since(start)
	}
	if got, want := len(srv.Messages()), 2*perRound*b.N; got != want {
		b.Fatalf("the server received %d messages, want %d", got, want)
	}
	courierRate := float64(perRound*b.N) / courierTime.Seconds()
	baseRate := float64(perRound*b.N) / baseTime.Seconds()
	b.ReportMetric(courierRate, "courier_msgs/s")
	b.ReportMetric(baseRate, "gomail_msgs/s")
	b.ReportMetric(courierRate/baseRate, "ratio")
}

// srvTLS accepts the test server's self-signed certificate, as skip_ssl_verify=true does.
func srvTLS() *tls.Config { return &tls.Config{InsecureSkipVerify: true} } //nolint:gosec // the test server's own certificate

// pgBenchDSN returns a fresh migrated database of the shared test server.
func pgBenchDSN(b *testing.B) string { return pgtest.Shared(b).NewMigratedDatabase(b) }
