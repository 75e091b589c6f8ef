package api

import (
	"net/http"
	"time"

	"connectrpc.com/connect"

	"github.com/wardhq/ward/api/middleware"
)

// Default limits of one request on a listener; see [WithMaxRequestBytes], [WithReadTimeout] and
// [WithRequestTimeout].
const (
	// DefaultMaxRequestBytes is grpc-go's default bound on a received message.
	DefaultMaxRequestBytes = 4 << 20
	// DefaultReadTimeout bounds the time a client takes to send a request's body.
	DefaultReadTimeout = 30 * time.Second
	// DefaultRequestTimeout bounds the work of a unary RPC.
	DefaultRequestTimeout = 5 * time.Second
)

// A ListenerOption configures the handler of a listener made by [NewPublicHandler] or
// [NewAdminHandler]. Without options, every limit has its default.
type ListenerOption interface{ applyListener(*listenerConfig) }

type listenerOptionFunc func(*listenerConfig)

func (f listenerOptionFunc) applyListener(c *listenerConfig) { f(c) }

type listenerConfig struct {
	maxRequestBytes int64
	readTimeout     time.Duration
	requestTimeout  time.Duration
	pprof           bool     // admin only
	adminHosts      []string // admin only
}

func newListenerConfig(opts []ListenerOption) listenerConfig {
	c := listenerConfig{
		maxRequestBytes: DefaultMaxRequestBytes,
		readTimeout:     DefaultReadTimeout,
		requestTimeout:  DefaultRequestTimeout,
	}
	for _, o := range opts {
		o.applyListener(&c)
	}
	return c
}

// WithMaxRequestBytes bounds a received Connect message, compressed and decompressed, and any
// request body, to n bytes (plus a few bytes of framing). The default is
// [DefaultMaxRequestBytes]. The OAuth2 form endpoints keep their own, smaller bound (64 KiB).
func WithMaxRequestBytes(n int64) ListenerOption {
	return listenerOptionFunc(func(c *listenerConfig) { c.maxRequestBytes = n })
}

// WithReadTimeout bounds the time a client takes to send a request's body, from the end of its
// headers (see [middleware.BodyReadDeadline]). The default is [DefaultReadTimeout].
func WithReadTimeout(d time.Duration) ListenerOption {
	return listenerOptionFunc(func(c *listenerConfig) { c.readTimeout = d })
}

// WithRequestTimeout bounds the time of every unary RPC (see [middleware.UnaryDeadline]). The default is
// [DefaultRequestTimeout].
func WithRequestTimeout(d time.Duration) ListenerOption {
	return listenerOptionFunc(func(c *listenerConfig) { c.requestTimeout = d })
}

// WithPprof serves Go's profiles at /debug/pprof/ on the admin listener. Off by default: a
// profile shows memory and the CPU profile costs the server while it runs.
func WithPprof(on bool) ListenerOption {
	return listenerOptionFunc(func(c *listenerConfig) { c.pprof = on })
}

// WithAdminHosts adds host names under which the admin listener answers, besides loopback
// addresses, localhost and the address it accepted the connection on (see [middleware.AllowHosts]). None by
// default.
func WithAdminHosts(names ...string) ListenerOption {
	return listenerOptionFunc(func(c *listenerConfig) { c.adminHosts = append(c.adminHosts, names...) })
}

// connectOptions are the Connect handler options the limits ask for.
func (c listenerConfig) connectOptions() connect.HandlerOption {
	return connect.WithHandlerOptions(middleware.MessageLimits(c.maxRequestBytes), connect.WithInterceptors(middleware.UnaryDeadline(c.requestTimeout)))
}

// wrap bounds every request to the listener: the time to send its body, then its size.
func (c listenerConfig) wrap(h http.Handler) http.Handler {
	return middleware.BodyReadDeadline(middleware.LimitBody(h, c.maxRequestBytes), c.readTimeout)
}
