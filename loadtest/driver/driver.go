// Package driver runs a workload against a server for a fixed time and measures it: closed loop
// (a fixed number of callers, each sending its next request when the last one is answered) or
// open loop (requests sent at a constant rate whatever the server does). Latencies go into HDR
// histograms, overall and per interval. In the open loop a request's latency is measured from the
// time it was due to be sent, so that a server that falls behind is charged for the wait of the
// requests it delayed (no coordinated omission).
package driver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/HdrHistogram/hdrhistogram-go"
)

// Outcome is what one request did: Items units of work (checks answered: more than one for a bulk
// request), of which Allowed had an allowed answer (for a lookup: found something).
type Outcome struct {
	Items   int
	Allowed int
}

// An Op sends one request. It is called by one goroutine at a time.
type Op func(ctx context.Context) (Outcome, error)

// A Workload makes the Op of each caller; worker numbers start at 0.
type Workload func(worker int) Op

// Config says how to run a workload.
type Config struct {
	// Duration is how long requests are sent for.
	Duration time.Duration
	// Concurrency is the number of callers: in the closed loop each has one request in flight;
	// in the open loop they share the requests due, so it bounds the requests in flight.
	Concurrency int
	// Rate, when positive, selects the open loop: Rate requests per second, due at even intervals.
	Rate float64
	// Timeout bounds each request; it is also the grace given to requests still in flight when
	// Duration ends. Run returns by Duration + Timeout (plus scheduling noise).
	Timeout time.Duration
	// Interval is the width of the time series' buckets (default one second).
	Interval time.Duration
	// Progress, when not nil, is called about four times a second with the running totals.
	Progress func(elapsed time.Duration, requests, errors int64)
	// GiveUp, when positive, stops the run once GiveUp requests have failed and none has
	// succeeded: a server that is down, or refuses every request, is not sent tens of thousands
	// more. Run then returns an *AllFailedError.
	GiveUp int64
}

// AllFailedError says that a run stopped because its first requests all failed.
type AllFailedError struct {
	Requests int64
	First    string // the first request's error
}

func (e *AllFailedError) Error() string {
	return fmt.Sprintf("stopped: the first %d requests all failed, the first with %s", e.Requests, e.First)
}

// Run runs w as cfg says and returns what it measured. It returns an error for a bad
// configuration, and an *AllFailedError (with the result so far) when cfg.GiveUp stopped it;
// otherwise failed requests are counted in the result.
func Run(ctx context.Context, cfg Config, w Workload) (*Result, error) {
	if cfg.Duration <= 0 || cfg.Concurrency <= 0 || cfg.Timeout <= 0 || cfg.Rate < 0 {
		return nil, errors.New("driver: duration, concurrency and timeout must be positive, and rate not negative")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	start := time.Now()
	end := start.Add(cfg.Duration)
	ctx, cancel := context.WithDeadline(ctx, end.Add(cfg.Timeout))
	defer cancel()
	rec := newRecorder(start, cfg.Interval, cfg.Duration+cfg.Timeout)
	var gaveUp atomic.Bool

	stopProgress := make(chan struct{})
	var progressDone sync.WaitGroup
	if cfg.Progress != nil {
		progressDone.Go(func() {
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					cfg.Progress(time.Since(start), rec.requests.Load(), rec.errors.Load())
				case <-stopProgress:
					return
				}
			}
		})
	}

	var next atomic.Int64 // the open loop's next request number
	var period time.Duration
	if cfg.Rate > 0 {
		period = time.Duration(float64(time.Second) / cfg.Rate)
	}
	var wg sync.WaitGroup
	for i := range cfg.Concurrency {
		op := w(i)
		wg.Go(func() {
			for ctx.Err() == nil {
				due := time.Now()
				if period > 0 {
					due = start.Add(time.Duration(next.Add(1)-1) * period)
					if !due.Before(end) {
						return
					}
					if d := time.Until(due); d > 0 {
						select {
						case <-time.After(d):
						case <-ctx.Done():
							return
						}
					}
				} else if !due.Before(end) {
					return
				}
				rctx, rcancel := context.WithTimeout(ctx, cfg.Timeout)
				out, err := op(rctx)
				rcancel()
				rec.record(due, time.Now(), out, err)
				if cfg.GiveUp > 0 && err != nil && rec.errors.Load() >= cfg.GiveUp && rec.errors.Load() == rec.requests.Load() {
					gaveUp.Store(true)
					cancel()
				}
			}
		})
	}
	wg.Wait()
	close(stopProgress)
	progressDone.Wait()
	res := rec.result(cfg, min(time.Since(start), cfg.Duration))
	if gaveUp.Load() {
		first := ""
		if len(res.ErrorSamples) > 0 {
			first = res.ErrorSamples[0]
		}
		return res, &AllFailedError{Requests: res.Requests, First: first}
	}
	if period > 0 {
		res.Missed = max(int64(cfg.Duration/period)-res.Requests, 0)
	}
	return res, nil
}

// recorder collects latencies, overall and per interval, from every caller.
type recorder struct {
	start    time.Time
	interval time.Duration
	requests atomic.Int64
	errors   atomic.Int64

	mu        sync.Mutex
	all       *hdrhistogram.Histogram
	intervals []*bucket
	items     int64
	allowed   int64
	codes     map[string]int64
	samples   []string // the first few error messages
}

// bucket is one interval of the time series.
type bucket struct {
	hist   *hdrhistogram.Histogram
	errors int64
}

// Latencies are recorded in microseconds, up to maxLatency.
const maxLatency = time.Hour

func newRecorder(start time.Time, interval, span time.Duration) *recorder {
	return &recorder{
		start:     start,
		interval:  interval,
		all:       hdrhistogram.New(1, maxLatency.Microseconds(), 3),
		intervals: make([]*bucket, int(span/interval)+1),
		codes:     make(map[string]int64),
	}
}

// record counts one request, due at due and answered at done, in the interval it ended in.
func (r *recorder) record(due, done time.Time, out Outcome, err error) {
	r.requests.Add(1)
	lat := min(max(done.Sub(due).Microseconds(), 1), maxLatency.Microseconds())
	i := min(int(done.Sub(r.start)/r.interval), len(r.intervals)-1)
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.intervals[i]
	if b == nil {
		b = &bucket{hist: hdrhistogram.New(1, maxLatency.Microseconds(), 2)}
		r.intervals[i] = b
	}
	if err != nil {
		r.errors.Add(1)
		b.errors++
		code := connect.CodeOf(err).String()
		if errors.Is(err, context.DeadlineExceeded) {
			code = connect.CodeDeadlineExceeded.String()
		}
		r.codes[code]++
		if len(r.samples) < 5 {
			r.samples = append(r.samples, err.Error())
		}
		return
	}
	r.all.RecordValue(lat)
	b.hist.RecordValue(lat)
	r.items += int64(out.Items)
	r.allowed += int64(out.Allowed)
}

// Random returns a source of random numbers for worker i of a run seeded with seed: the same for
// the same seed and worker.
func Random(seed uint64, worker int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(worker)))
}
