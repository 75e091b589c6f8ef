package driver

import (
	"maps"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Result is what a run measured. Its JSON form is the `--json` output of `ward load run`.
type Result struct {
	Workload    string  `json:"workload"`
	Mode        string  `json:"mode"` // "closed" or "open"
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate,omitempty"` // requests per second asked for, in the open loop
	DurationS   float64 `json:"duration_s"`
	StartedAt   string  `json:"started_at"`

	// Requests counts the requests sent, Errors those that failed; ErrorCodes splits Errors by
	// Connect code, and ErrorSamples keeps the first few messages.
	Requests     int64            `json:"requests"`
	Errors       int64            `json:"errors"`
	ErrorCodes   map[string]int64 `json:"error_codes,omitempty"`
	ErrorSamples []string         `json:"error_samples,omitempty"`
	// Missed counts requests of the open loop that were due but never sent: the server was so
	// far behind that they did not fit in the run.
	Missed int64 `json:"missed,omitempty"`

	// ThroughputRPS is successful requests per second; ItemsPerS the checks answered per second
	// (the same but for bulk workloads); AllowedRatio the share of items answered "allowed".
	ThroughputRPS float64 `json:"throughput_rps"`
	ItemsPerS     float64 `json:"items_per_s"`
	AllowedRatio  float64 `json:"allowed_ratio"`

	Latency
	// Intervals is the time series, one entry per Config.Interval.
	Intervals []Interval `json:"intervals"`

	// Context for readers of the file, set by the caller.
	Endpoint string `json:"endpoint,omitempty"`
	Dataset  string `json:"dataset,omitempty"`
}

// Latency holds percentiles of the latency of successful requests, in milliseconds.
type Latency struct {
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

// Interval is one bucket of the time series: requests that ended in [StartS, StartS+width).
type Interval struct {
	StartS        float64 `json:"start_s"`
	Requests      int64   `json:"requests"`
	Errors        int64   `json:"errors"`
	ThroughputRPS float64 `json:"throughput_rps"`
	Latency
}

func latency(h *hdrhistogram.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Latency{
		P50:  ms(h.ValueAtQuantile(50)),
		P90:  ms(h.ValueAtQuantile(90)),
		P99:  ms(h.ValueAtQuantile(99)),
		P999: ms(h.ValueAtQuantile(99.9)),
		Max:  ms(h.Max()),
		Mean: h.Mean() / 1000,
	}
}

// result summarizes what r recorded over a window of the given length.
func (r *recorder) result(cfg Config, window time.Duration) *Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := &Result{
		Mode:         "closed",
		Concurrency:  cfg.Concurrency,
		DurationS:    window.Seconds(),
		StartedAt:    r.start.UTC().Format(time.RFC3339),
		Requests:     r.requests.Load(),
		Errors:       r.errors.Load(),
		ErrorSamples: r.samples,
		Latency:      latency(r.all),
	}
	if len(r.codes) > 0 {
		res.ErrorCodes = maps.Clone(r.codes)
	}
	if cfg.Rate > 0 {
		res.Mode, res.Rate = "open", cfg.Rate
	}
	if s := window.Seconds(); s > 0 {
		res.ThroughputRPS = float64(res.Requests-res.Errors) / s
		res.ItemsPerS = float64(r.items) / s
	}
	if r.items > 0 {
		res.AllowedRatio = float64(r.allowed) / float64(r.items)
	}
	// The time series covers the window; requests that ended in the grace after it count in
	// the totals only.
	for i, b := range r.intervals {
		from := time.Duration(i) * r.interval
		if from >= window {
			break
		}
		iv := Interval{StartS: from.Seconds()}
		if b != nil {
			iv.Requests = b.hist.TotalCount() + b.errors
			iv.Errors = b.errors
			iv.ThroughputRPS = float64(b.hist.TotalCount()) / min(r.interval, window-from).Seconds()
			iv.Latency = latency(b.hist)
		}
		res.Intervals = append(res.Intervals, iv)
	}
	return res
}
