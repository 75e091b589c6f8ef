package connectapi

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
)

// Observer is a Connect interceptor that measures and logs every RPC: a latency histogram and a
// counter by procedure and code, and a debug log line per call.
type Observer struct {
	listener string
	log      *slog.Logger
	duration *prometheus.HistogramVec
}

var _ connect.Interceptor = (*Observer)(nil)

// NewObservers returns one Observer per listener name, sharing their metrics, registered with reg.
func NewObservers(reg prometheus.Registerer, log *slog.Logger, listeners ...string) (map[string]*Observer, error) {
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "ward", Subsystem: "rpc", Name: "duration_seconds",
		Help:    "Duration of RPCs by listener, procedure and Connect code; its _count is the request rate.",
		Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"listener", "procedure", "code"})
	if err := reg.Register(duration); err != nil {
		return nil, errors.Join(errors.New("registering RPC metrics"), err)
	}
	out := make(map[string]*Observer, len(listeners))
	for _, l := range listeners {
		out[l] = &Observer{listener: l, log: log, duration: duration}
	}
	return out, nil
}

func (o *Observer) observe(ctx context.Context, procedure string, start time.Time, err error) {
	code := "ok"
	if err != nil {
		code = connect.CodeOf(err).String()
	}
	elapsed := time.Since(start)
	o.duration.WithLabelValues(o.listener, procedure, code).Observe(elapsed.Seconds())
	if o.log.Enabled(ctx, slog.LevelDebug) {
		o.log.DebugContext(ctx, "rpc", "listener", o.listener, "procedure", procedure, "code", code, "duration", elapsed)
	}
}

// WrapUnary implements connect.Interceptor.
func (o *Observer) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		start := time.Now()
		res, err := next(ctx, req)
		o.observe(ctx, req.Spec().Procedure, start, err)
		return res, err
	}
}

// WrapStreamingClient implements connect.Interceptor; ward's servers make no client calls.
func (o *Observer) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (o *Observer) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := time.Now()
		err := next(ctx, conn)
		o.observe(ctx, conn.Spec().Procedure, start, err)
		return err
	}
}
