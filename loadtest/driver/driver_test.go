package driver_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/wardhq/ward/loadtest/driver"
)

// sleeper is a workload whose requests take d each, one at a time across all callers, as on a
// server with one thread.
func sleeper(d time.Duration) driver.Workload {
	server := make(chan struct{}, 1)
	return func(int) driver.Op {
		return func(ctx context.Context) (driver.Outcome, error) {
			select {
			case server <- struct{}{}:
			case <-ctx.Done():
				return driver.Outcome{}, ctx.Err()
			}
			time.Sleep(d)
			<-server
			return driver.Outcome{Items: 2, Allowed: 1}, nil
		}
	}
}

func TestClosedLoop(t *testing.T) {
	res, err := driver.Run(context.Background(), driver.Config{
		Duration: 500 * time.Millisecond, Concurrency: 1, Timeout: time.Second, Interval: 100 * time.Millisecond,
	}, sleeper(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Requests < 10 || res.Requests > 50 || res.P50 < 10 || res.P50 > 100 {
		t.Errorf("%d requests, %d errors, p50 %vms; want about 50 requests of about 10ms", res.Requests, res.Errors, res.P50)
	}
	if res.ItemsPerS != 2*res.ThroughputRPS || res.AllowedRatio != 0.5 || len(res.Intervals) != 5 || res.Mode != "closed" {
		t.Errorf("result %+v", res)
	}
}

// TestOpenLoopCountsTheWait offers twice what the server can do: requests queue, and their
// latency, counted from when they were due, grows far beyond the service time.
func TestOpenLoopCountsTheWait(t *testing.T) {
	res, err := driver.Run(context.Background(), driver.Config{
		Duration: time.Second, Concurrency: 4, Rate: 100, Timeout: 2 * time.Second,
	}, sleeper(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != "open" || res.P99 < 200 {
		t.Errorf("open loop at twice the capacity: mode %s, p99 %vms; want p99 well above the 20ms service time", res.Mode, res.P99)
	}
}

// TestRunIsBounded runs against a server that never answers: Run must return by its duration
// plus the timeout, with every request an error.
func TestRunIsBounded(t *testing.T) {
	hang := func(int) driver.Op {
		return func(ctx context.Context) (driver.Outcome, error) {
			<-ctx.Done()
			return driver.Outcome{}, connect.NewError(connect.CodeDeadlineExceeded, ctx.Err())
		}
	}
	start := time.Now()
	res, err := driver.Run(context.Background(), driver.Config{
		Duration: 300 * time.Millisecond, Concurrency: 8, Timeout: 200 * time.Millisecond,
	}, hang)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 800*time.Millisecond {
		t.Errorf("Run took %v, want about 500ms", d)
	}
	if res.Errors == 0 || res.Errors != res.Requests || res.ErrorCodes["deadline_exceeded"] != res.Errors || res.ThroughputRPS != 0 {
		t.Errorf("result %+v; want only deadline_exceeded errors", res)
	}
	if _, err := driver.Run(context.Background(), driver.Config{}, hang); err == nil {
		t.Error("Run with an empty config succeeded")
	}
}

func TestErrorsAreCounted(t *testing.T) {
	fail := func(int) driver.Op {
		return func(context.Context) (driver.Outcome, error) {
			time.Sleep(time.Millisecond)
			return driver.Outcome{}, connect.NewError(connect.CodeUnavailable, errors.New("down"))
		}
	}
	res, err := driver.Run(context.Background(), driver.Config{Duration: 100 * time.Millisecond, Concurrency: 2, Timeout: time.Second}, fail)
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors == 0 || res.ErrorCodes["unavailable"] != res.Errors || len(res.ErrorSamples) == 0 {
		t.Errorf("result %+v", res)
	}
}

// TestGiveUp: a run whose first requests all fail stops once GiveUp of them have, and says
// why; one whose requests fail after one success runs its whole duration.
func TestGiveUp(t *testing.T) {
	var calls atomic.Int64
	failAfter := func(ok int64) driver.Workload {
		calls.Store(0)
		return func(int) driver.Op {
			return func(context.Context) (driver.Outcome, error) {
				time.Sleep(100 * time.Microsecond)
				if calls.Add(1) <= ok {
					return driver.Outcome{Items: 1}, nil
				}
				return driver.Outcome{}, connect.NewError(connect.CodeUnavailable, errors.New("connection refused"))
			}
		}
	}
	cfg := driver.Config{Duration: time.Minute, Concurrency: 4, Timeout: time.Second, GiveUp: 50}
	start := time.Now()
	res, err := driver.Run(context.Background(), cfg, failAfter(0))
	var all *driver.AllFailedError
	if !errors.As(err, &all) || all.Requests < 50 || !strings.Contains(all.First, "connection refused") {
		t.Fatalf("Run = %v; want an AllFailedError after 50 requests naming the first error", err)
	}
	if time.Since(start) > 30*time.Second || res == nil || res.Requests != all.Requests {
		t.Errorf("it ran %v with %+v: want it stopped long before its minute", time.Since(start), res)
	}
	cfg.Duration = 300 * time.Millisecond
	if res, err := driver.Run(context.Background(), cfg, failAfter(1)); err != nil || res.Errors < 50 {
		t.Errorf("with one success first: %v, %d errors; want the whole run, no AllFailedError", err, res.Errors)
	}
}
