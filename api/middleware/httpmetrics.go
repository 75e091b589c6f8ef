package connectapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/wardhq/ward/oauth2"
)

// WrapHTTP measures a plain-HTTP route (the OAuth2 and OpenID Connect endpoints) as the
// interceptor measures RPCs: a latency histogram by route and status, and a span when tracing is
// on.
func (o *Observer) WrapHTTP(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := r.Context()
		var span trace.Span
		if o.tracer != nil {
			ctx = propagator.Extract(ctx, propagation.HeaderCarrier(r.Header))
			ctx, span = o.tracer.Start(ctx, r.Method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(attribute.String("http.route", route), attribute.String("ward.listener", o.listener)))
			r = r.WithContext(ctx)
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		if span != nil {
			span.SetAttributes(attribute.Int("http.response.status_code", sw.status))
			if sw.status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(sw.status))
			}
			span.End()
		}
		o.httpDuration.WithLabelValues(o.listener, route, httpStatus(sw.status)).Observe(time.Since(start).Seconds())
	})
}

// httpStatus returns the status code as a label, without allocating for the common ones.
func httpStatus(code int) string {
	switch code {
	case http.StatusOK:
		return "200"
	case http.StatusFound:
		return "302"
	case http.StatusSeeOther:
		return "303"
	case http.StatusBadRequest:
		return "400"
	case http.StatusUnauthorized:
		return "401"
	}
	return strconv.Itoa(code)
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// OAuth2Collector exports a Provider's introspection counters to Prometheus: how introspections
// were answered (from the cache, from the store, or refused on sight as forged or malformed), and
// how the polls of revocations taken on other nodes went.
type OAuth2Collector struct {
	p            *oauth2.Provider
	introspected *prometheus.Desc
	polls        *prometheus.Desc
}

var _ prometheus.Collector = (*OAuth2Collector)(nil)

// NewOAuth2Collector returns the collector of p's counters; register it with the admin
// listener's registry.
func NewOAuth2Collector(p *oauth2.Provider) *OAuth2Collector {
	return &OAuth2Collector{
		p: p,
		introspected: prometheus.NewDesc("ward_oauth2_introspections_total",
			"Introspections by how they were answered: cache (an active token cached), store (read from the store), rejected (malformed, or failing its MAC or signature: no store access).",
			[]string{"answer"}, nil),
		polls: prometheus.NewDesc("ward_oauth2_revocation_polls_total",
			"Polls of the revocations taken on other nodes, by outcome; while they fail the introspection cache is bypassed.",
			[]string{"outcome"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *OAuth2Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.introspected
	ch <- c.polls
}

// Collect implements prometheus.Collector.
func (c *OAuth2Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.p.IntrospectionStats()
	for answer, n := range map[string]uint64{"cache": s.CacheHits, "store": s.StoreLookups, "rejected": s.Rejected} {
		ch <- prometheus.MustNewConstMetric(c.introspected, prometheus.CounterValue, float64(n), answer)
	}
	ch <- prometheus.MustNewConstMetric(c.polls, prometheus.CounterValue, float64(s.Polls), "ok")
	ch <- prometheus.MustNewConstMetric(c.polls, prometheus.CounterValue, float64(s.PollFailures), "failed")
}
