package middleware

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Observer is a Connect interceptor that measures and logs every RPC: a latency histogram and a
// counter by procedure and code, a debug log line per call and, when tracing is on, a span that
// continues the caller's trace (W3C traceparent).
type Observer struct {
	listener     string
	log          *slog.Logger
	duration     *prometheus.HistogramVec
	httpDuration *prometheus.HistogramVec // plain-HTTP routes (see WrapHTTP)
	tracer       trace.Tracer             // nil: no spans
}

// WithTracer returns a copy of o that also records a span per RPC.
func (o *Observer) WithTracer(t trace.Tracer) *Observer {
	c := *o
	c.tracer = t
	return &c
}

var propagator = propagation.TraceContext{}

// startSpan continues the caller's trace, if tracing is on.
func (o *Observer) startSpan(ctx context.Context, procedure string, header http.Header) (context.Context, func(error)) {
	if o.tracer == nil {
		return ctx, func(error) {}
	}
	ctx = propagator.Extract(ctx, propagation.HeaderCarrier(header))
	ctx, span := o.tracer.Start(ctx, procedure, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("rpc.system", "connect_rpc"), attribute.String("ward.listener", o.listener)))
	return ctx, func(err error) {
		if err != nil {
			span.SetAttributes(attribute.String("rpc.connect_rpc.error_code", connect.CodeOf(err).String()))
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
}

var _ connect.Interceptor = (*Observer)(nil)

// NewObservers returns one Observer per listener name, sharing their metrics, registered with reg.
func NewObservers(reg prometheus.Registerer, log *slog.Logger, listeners ...string) (map[string]*Observer, error) {
	buckets := []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "ward", Subsystem: "rpc", Name: "duration_seconds",
		Help:    "Duration of RPCs by listener, procedure and Connect code; its _count is the request rate.",
		Buckets: buckets,
	}, []string{"listener", "procedure", "code"})
	httpDuration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "ward", Subsystem: "http", Name: "duration_seconds",
		Help:    "Duration of plain-HTTP requests (the OAuth2 and OpenID Connect endpoints) by listener, route and status; its _count is the request rate.",
		Buckets: buckets,
	}, []string{"listener", "route", "status"})
	for _, c := range []prometheus.Collector{duration, httpDuration} {
		if err := reg.Register(c); err != nil {
			return nil, errors.Join(errors.New("registering request metrics"), err)
		}
	}
	out := make(map[string]*Observer, len(listeners))
	for _, l := range listeners {
		out[l] = &Observer{listener: l, log: log, duration: duration, httpDuration: httpDuration}
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
		ctx, end := o.startSpan(ctx, req.Spec().Procedure, req.Header())
		res, err := next(ctx, req)
		end(err)
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
		ctx, end := o.startSpan(ctx, conn.Spec().Procedure, conn.RequestHeader())
		err := next(ctx, conn)
		end(err)
		o.observe(ctx, conn.Spec().Procedure, start, err)
		return err
	}
}
