package middleware

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"connectrpc.com/connect"
)

// framingSlack is what a body may hold beyond its message: a gRPC envelope's 5-byte prefix, and
// the end-of-stream envelope gRPC-Web and Connect streaming clients may send.
const framingSlack = 1 << 10

// LimitBody returns a handler that lets next read at most maxBytes of a request's body plus the
// few bytes of protocol framing around a message; a longer body reads as an error (which closes
// the connection once the response is written), so that nothing — neither a handler nor
// connect-go's draining of an oversized message to measure it — reads on without end.
func LimitBody(next http.Handler, maxBytes int64) http.Handler {
	return http.MaxBytesHandler(next, maxBytes+framingSlack)
}

// BodyReadDeadline returns a handler that gives a client timeout, from the end of its request's
// headers, to send the whole body: a connection whose body trickles in is closed when the time
// is up, instead of holding a goroutine and a file descriptor for as long as the client likes.
// The deadline is lifted once the body has been read to its end, so that a response which
// streams for long (Watch) is not cut, as http.Server's ReadTimeout would cut it over HTTP/1.1.
// Requests without a body have nothing to trickle and get no deadline.
func BodyReadDeadline(next http.Handler, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			// Every net/http server supports read deadlines; a writer that does not is a
			// wrapper that lost the method, and serving on without the bound would hide it.
			http.Error(w, "ward: cannot bound the time to read this request", http.StatusInternalServerError)
			return
		}
		// A copy, as http.MaxBytesHandler makes one: the server keeps its own view of the
		// body, by which it closes a connection whose body was left half read.
		r2 := *r
		r2.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		next.ServeHTTP(w, &r2)
	})
}

// deadlineBody lifts the read deadline when the body has been read to its end.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) && !b.done {
		b.done = true
		// Best effort: the connection may be closing already, and then nothing waits on it.
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// MessageLimits returns the Connect handler options that bound one received message to maxBytes,
// both as sent and once decompressed. connect.WithReadMaxBytes alone keeps no more than maxBytes
// of an inflated message in memory, but then inflates the rest to report its size: a gzip bomb
// (1 MB that inflates to 1 GiB) would still cost a second of CPU. The gzip decompressor
// registered here stops with an error as soon as it has produced more than maxBytes.
func MessageLimits(maxBytes int64) connect.HandlerOption {
	return connect.WithHandlerOptions(
		connect.WithReadMaxBytes(int(maxBytes)),
		connect.WithCompression("gzip",
			func() connect.Decompressor { return &boundedGzip{max: maxBytes} },
			func() connect.Compressor { return gzip.NewWriter(io.Discard) },
		),
	)
}

// boundedGzip is a gzip decompressor that fails once it has produced more than max bytes.
type boundedGzip struct {
	gz  gzip.Reader
	max int64
	n   int64 // bytes produced since the last Reset
}

var _ connect.Decompressor = (*boundedGzip)(nil)

func (d *boundedGzip) Read(p []byte) (int, error) {
	// connect-go reads max+1 bytes to tell that a message is too long; one more read is the
	// attempt to measure it, refused here.
	if d.n > d.max {
		return 0, fmt.Errorf("the message inflates to more than %d bytes", d.max)
	}
	n, err := d.gz.Read(p)
	d.n += int64(n)
	return n, err
}

func (d *boundedGzip) Reset(r io.Reader) error {
	d.n = 0
	return d.gz.Reset(r)
}

func (d *boundedGzip) Close() error { return d.gz.Close() }

// UnaryDeadline returns an interceptor that gives every unary RPC at most timeout to answer
// (less if the client asked for less), and turns the deadline, when it is what stopped the RPC,
// into deadline_exceeded with a message that names the bound. Streaming RPCs (Watch) are exempt:
// they are meant to run for long, and their clients choose their own deadlines.
func UnaryDeadline(timeout time.Duration) connect.Interceptor {
	return &unaryDeadline{
		timeout: timeout,
		err:     fmt.Errorf("the request ran longer than the server's request_timeout (%s) and was stopped", timeout),
	}
}

type unaryDeadline struct {
	timeout time.Duration
	err     error // the cause of the deadline, and the client's message
}

func (d *unaryDeadline) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		ctx, cancel := context.WithTimeoutCause(ctx, d.timeout, d.err)
		defer cancel()
		res, err := next(ctx, req)
		if err != nil && context.Cause(ctx) == d.err {
			return nil, connect.NewError(connect.CodeDeadlineExceeded, d.err)
		}
		return res, err
	}
}

func (d *unaryDeadline) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (d *unaryDeadline) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}
