// Package courier owns the identity service's outgoing email, in the manner of Kratos's courier:
// message templates by type (recovery, verification, one-time login and registration codes, by
// link and by code, to known and unknown addresses), rendered with text/template (subject, plain
// text) and html/template (HTML) and overridable from configuration; the queue of rendered
// messages in a [store.CourierStore]; and the worker that delivers them over SMTP.
//
// It sits in identity/ because the identity flows are its only senders; it imports only store.
//
// A [Courier] renders and queues ([Courier.Enqueue]) and reads the queue for the admin API. A
// [Worker] claims due messages in batches under a lease, sends each batch over one SMTP
// connection (go-mail: STARTTLS or implicit TLS, AUTH PLAIN or LOGIN), and records each outcome:
// sent; failed, and retried after an exponential backoff; or abandoned after MaxAttempts. Every
// `ward serve` with SMTP configured runs a worker, and `ward courier watch` runs one alone; they
// share the queue, and a message goes to one of them at a time. Delivery is at least once: a
// worker that dies mid-send leaves the message to another after the lease, so a crash may send a
// message twice and never loses one.
//
// # Secrets
//
// The SMTP password is in the connection URI only: [SMTPConnection.String] and every error and
// log record show it as xxxxx. Message bodies hold codes that act for the recipient: the admin
// API shows them redacted unless configured otherwise, and logs never show them.
package courier
