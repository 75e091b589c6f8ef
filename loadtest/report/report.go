// Package report presents the results of load runs: a table for people, a JSON file for tools,
// ratios between two runs, and an HTML page that draws a run's throughput and latency over time.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/wardhq/ward/loadtest/driver"
	"github.com/wardhq/ward/loadtest/workload"
)

// Table writes a human-readable summary of r.
func Table(w io.Writer, r *driver.Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	mode := fmt.Sprintf("closed loop, %d callers", r.Concurrency)
	if r.Mode == "open" {
		mode = fmt.Sprintf("open loop, %.0f/s, up to %d in flight", r.Rate, r.Concurrency)
	}
	fmt.Fprintf(tw, "workload\t%s (%s, %.1fs)\n", r.Workload, mode, r.DurationS)
	fmt.Fprintf(tw, "requests\t%d (%d errors)\n", r.Requests, r.Errors)
	fmt.Fprintf(tw, "throughput\t%.0f requests/s\n", r.ThroughputRPS)
	if r.ItemsPerS != r.ThroughputRPS {
		fmt.Fprintf(tw, "items\t%.0f checks/s\n", r.ItemsPerS)
	}
	if workload.Checks(r.Workload) {
		fmt.Fprintf(tw, "allowed\t%.1f%%\n", 100*r.AllowedRatio)
	}
	fmt.Fprintf(tw, "latency (ms)\tp50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n", r.P50, r.P90, r.P99, r.P999, r.Max)
	if r.Missed > 0 {
		fmt.Fprintf(tw, "missed\t%d requests were due but not sent: the server could not keep up\n", r.Missed)
	}
	for _, code := range slices.Sorted(maps.Keys(r.ErrorCodes)) {
		fmt.Fprintf(tw, "errors: %s\t%d\n", code, r.ErrorCodes[code])
	}
	for _, s := range r.ErrorSamples {
		fmt.Fprintf(tw, "  e.g.\t%s\n", s)
	}
	return tw.Flush()
}

// WriteJSON writes r to the file name.
func WriteJSON(name string, r *driver.Result) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(name, append(b, '\n'), 0o644)
}

// ReadJSON reads a result that [WriteJSON] wrote.
func ReadJSON(name string) (*driver.Result, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var r driver.Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &r, nil
}

// Ratio is how a run compares with a baseline: Throughput is the run's checks answered per second
// over the baseline's successful requests per second (for a bulk workload, more than the ratio of
// requests); the latency ratios are the run's percentiles over the baseline's.
type Ratio struct {
	Throughput          float64
	P50, P90, P99, P999 float64
}

// Compare returns r's ratios to base.
func Compare(r, base *driver.Result) Ratio {
	div := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	return Ratio{
		Throughput: div(r.ItemsPerS, base.ThroughputRPS),
		P50:        div(r.P50, base.P50),
		P90:        div(r.P90, base.P90),
		P99:        div(r.P99, base.P99),
		P999:       div(r.P999, base.P999),
	}
}

// WriteCompare writes the ratios of r to base as a table.
func WriteCompare(w io.Writer, r, base *driver.Result) error {
	q := Compare(r, base)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\t%s\t%s\tratio\t\n", r.Workload, base.Workload)
	fmt.Fprintf(tw, "throughput (/s)\t%.0f\t%.0f\t%.3f\t\n", r.ItemsPerS, base.ThroughputRPS, q.Throughput)
	for _, row := range []struct {
		name  string
		a, b  float64
		ratio float64
	}{
		{"p50 (ms)", r.P50, base.P50, q.P50},
		{"p90 (ms)", r.P90, base.P90, q.P90},
		{"p99 (ms)", r.P99, base.P99, q.P99},
		{"p99.9 (ms)", r.P999, base.P999, q.P999},
	} {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.2f\t\n", row.name, row.a, row.b, row.ratio)
	}
	return tw.Flush()
}
