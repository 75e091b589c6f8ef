package sql

import (
	"errors"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the store's Prometheus series.
type metrics struct {
	retries prometheus.Counter
}

// register adds the store's series to reg: retries, snapshot reads by source, and each pool's
// connections.
func (s *Store) register(reg prometheus.Registerer) error {
	s.metrics.retries = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "ward", Subsystem: "db", Name: "retries_total",
		Help: "Database operations retried after a transient failure.",
	})
	collectors := []prometheus.Collector{
		s.metrics.retries,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "ward", Subsystem: "db", Name: "snapshot_reads_total",
			Help: "Snapshot queries, by where they went.", ConstLabels: prometheus.Labels{"source": "primary"},
		}, func() float64 { return float64(s.reads[0].Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "ward", Subsystem: "db", Name: "snapshot_reads_total",
			Help: "Snapshot queries, by where they went.", ConstLabels: prometheus.Labels{"source": "replica"},
		}, func() float64 { return float64(s.reads[1].Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "ward", Subsystem: "db", Name: "quorum_answers_total",
			Help: "Times a majority of the database nodes answered for a primary that did not.",
		}, func() float64 { return float64(s.quorumAnswers.Load()) }),
	}
	pools := map[string]*pgxpool.Pool{"primary": s.primary.Pool}
	for i, r := range s.replicas {
		pools["replica"+strconv.Itoa(i)] = r.pool.Pool
	}
	for i, n := range s.quorum {
		if !slices.Contains(s.replicas, n) {
			pools["quorum"+strconv.Itoa(i)] = n.pool.Pool
		}
	}
	for name, p := range pools {
		labels := prometheus.Labels{"pool": name}
		collectors = append(collectors,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Namespace: "ward", Subsystem: "db", Name: "pool_connections_in_use",
				Help: "Connections of the pool in use.", ConstLabels: labels,
			}, func() float64 { return float64(p.Stat().AcquiredConns()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Namespace: "ward", Subsystem: "db", Name: "pool_connections_idle",
				Help: "Connections of the pool idle.", ConstLabels: labels,
			}, func() float64 { return float64(p.Stat().IdleConns()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Namespace: "ward", Subsystem: "db", Name: "pool_acquire_waits_total",
				Help: "Acquisitions that had to wait for a connection.", ConstLabels: labels,
			}, func() float64 { return float64(p.Stat().EmptyAcquireCount()) }),
		)
	}
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			return errors.Join(errors.New("registering database metrics"), err)
		}
	}
	return nil
}
