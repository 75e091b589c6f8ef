package report_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/loadtest/driver"
	"github.com/wardhq/ward/loadtest/report"
)

func result(workload string, rps, items, p50 float64) *driver.Result {
	return &driver.Result{
		Workload: workload, Mode: "closed", Concurrency: 8, DurationS: 2, Requests: 100,
		ThroughputRPS: rps, ItemsPerS: items,
		Latency: driver.Latency{P50: p50, P90: 2 * p50, P99: 3 * p50, P999: 4 * p50},
		Intervals: []driver.Interval{
			{StartS: 0, Requests: 50, ThroughputRPS: rps, Latency: driver.Latency{P50: p50, P90: 2 * p50, P99: 3 * p50, P999: 4 * p50}},
			{StartS: 1, Requests: 50, Errors: 50}, // no successful request: no latency
		},
	}
}

func TestCompare(t *testing.T) {
	noop, bulk := result("noop", 1000, 1000, 1), result("check-bulk", 100, 10000, 5)
	got := report.Compare(bulk, noop)
	if want := (report.Ratio{Throughput: 10, P50: 5, P90: 5, P99: 5, P999: 5}); got != want {
		t.Errorf("Compare = %+v, want %+v", got, want)
	}
	var b strings.Builder
	if err := report.WriteCompare(&b, bulk, noop); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "10.000") {
		t.Errorf("WriteCompare lacks the ratio 10.000:\n%s", b.String())
	}
}

func TestJSONRoundTrip(t *testing.T) {
	name := filepath.Join(t.TempDir(), "r.json")
	r := result("check", 500, 500, 2)
	if err := report.WriteJSON(name, r); err != nil {
		t.Fatal(err)
	}
	got, err := report.ReadJSON(name)
	if err != nil {
		t.Fatal(err)
	}
	if got.Workload != "check" || got.P999 != 8 || len(got.Intervals) != 2 {
		t.Errorf("ReadJSON = %+v", got)
	}
}

func TestHTML(t *testing.T) {
	var b strings.Builder
	if err := report.HTML(&b, result("check", 500, 500, 2)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"<svg", "<polyline", "p99.9", "Throughput"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "NaN") || strings.Contains(page, "Inf") {
		t.Errorf("the page has a script or a bad number:\n%s", page)
	}
}
