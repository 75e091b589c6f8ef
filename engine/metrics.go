package engine

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the engine's Prometheus series.
type metrics struct {
	dispatches  prometheus.Counter
	cacheHits   prometheus.Counter
	cacheMisses prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		dispatches: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "ward", Subsystem: "check", Name: "dispatches_total",
			Help: "Sub-problems evaluated by the check engine (cache misses that reached the evaluator).",
		}),
		cacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "ward", Subsystem: "check", Name: "cache_hits_total",
			Help: "Check sub-problems answered from the result cache.",
		}),
		cacheMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "ward", Subsystem: "check", Name: "cache_misses_total",
			Help: "Check sub-problems not found in the result cache.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.dispatches, m.cacheHits, m.cacheMisses} {
		if err := reg.Register(c); err != nil {
			return nil, errors.Join(errors.New("engine: registering metrics"), err)
		}
	}
	return m, nil
}
