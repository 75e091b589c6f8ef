package oauth2

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wardhq/ward/oauth2"
)

// Collector exports a Provider's introspection counters to Prometheus: how introspections
// were answered (from the cache, from the store, or refused on sight as forged or malformed), and
// how the polls of revocations taken on other nodes went.
type Collector struct {
	p            *oauth2.Provider
	introspected *prometheus.Desc
	polls        *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns the collector of p's counters; register it with the admin
// listener's registry.
func NewCollector(p *oauth2.Provider) *Collector {
	return &Collector{
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
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.introspected
	ch <- c.polls
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.p.IntrospectionStats()
	for answer, n := range map[string]uint64{"cache": s.CacheHits, "store": s.StoreLookups, "rejected": s.Rejected} {
		ch <- prometheus.MustNewConstMetric(c.introspected, prometheus.CounterValue, float64(n), answer)
	}
	ch <- prometheus.MustNewConstMetric(c.polls, prometheus.CounterValue, float64(s.Polls), "ok")
	ch <- prometheus.MustNewConstMetric(c.polls, prometheus.CounterValue, float64(s.PollFailures), "failed")
}
