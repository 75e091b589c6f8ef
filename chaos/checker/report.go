package checker

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"slices"
	"strings"
)

// WriteJSON saves r as indented JSON in the file name.
func WriteJSON(name string, r *Result) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the result: %w", err)
	}
	return os.WriteFile(name, append(b, '\n'), 0o644)
}

// Summary writes the figures of r that a reader looks at first, one per line.
func Summary(w io.Writer, r *Result) error {
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s: %s (%.0fs)\n", r.Scenario, verdict, r.DurationS)
	fmt.Fprintf(&b, "  reads in surviving regions: %.3f%% successful; writes: %.3f%%\n", 100*r.ReadAvailability, 100*r.WriteAvailability)
	for _, s := range r.Regions {
		fmt.Fprintf(&b, "    %s: reads %d (%d errors, %.3f%%), writes %d (%d errors), %d ops while down\n",
			s.Region, s.Reads, s.ReadErrors, 100*s.ReadAvailability, s.Writes, s.WriteErrors, s.Excluded)
	}
	for _, group := range [][]Kind{readKinds, writeKinds} {
		var parts []string
		for _, k := range group {
			if c, ok := r.Kinds[k]; ok {
				parts = append(parts, fmt.Sprintf("%s %d (%d errors)", k, c.Ops, c.Errors))
			}
		}
		if len(parts) > 0 {
			fmt.Fprintf(&b, "    %s\n", strings.Join(parts, ", "))
		}
	}
	fmt.Fprintf(&b, "  longest time without a successful write: %.1fs (from %.1fs)\n", r.LongestWriteGapS, r.LongestWriteGapFrom)
	keys := make([]string, 0, len(r.WriteResumeS))
	for k := range r.WriteResumeS {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  writes resumed after %s: %.1fs\n", k, r.WriteResumeS[k])
	}
	fmt.Fprintf(&b, "  acknowledged writes: %d, lost: %d; consistency violations: %d\n", r.AckedWrites, len(r.LostWrites), len(r.ConsistencyViolations))
	if r.IssuedTokens > 0 {
		fmt.Fprintf(&b, "  issued tokens: %d, found inactive: %d\n", r.IssuedTokens, len(r.InactiveTokens))
	}
	if _, ok := r.Kinds[Login]; ok || r.IssuedSessions > 0 {
		fmt.Fprintf(&b, "  issued sessions: %d, found invalid: %d\n", r.IssuedSessions, len(r.InvalidSessions))
	}
	fmt.Fprintf(&b, "  minimize_latency staleness: at most %.2fs seen (bound %.1fs), %d reads beyond it\n", r.MaxStalenessS, r.StalenessBound, len(r.StaleReads))
	fmt.Fprintf(&b, "  split brain: %d of %d poll rounds (a primary that could not commit in %d)\n", len(r.SplitBrain), r.PollRounds, r.IsolatedRounds)
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "  FAIL: %s\n", f)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// The plot area of a chart, in SVG units, inside margins for the axes' labels and the legend.
const (
	chartW, chartH = 900, 240
	left, top      = 60, 30
	plotW, plotH   = chartW - left - 110, chartH - top - 40
)

var regionColors = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"}

type chart struct {
	Title  string
	Lines  []line
	Bands  []band
	XTicks []tick
	YTicks []tick
}

type line struct {
	Name, Color string
	// Segments are polylines' points: a line breaks where a second has no value, rather than
	// drawing a straight line across the gap.
	Segments []string
	LegendY  int
}

type band struct {
	X, W   float64
	Label  string
	LabelY int
}

type tick struct {
	Pos   float64
	Label string
}

// series is one line: y per second (NaN: no point).
type series struct {
	name, color string
	y           []float64
}

// HTML writes a self-contained page (inline SVG, no scripts): the summary, then per-second
// charts of read availability, successful writes and read latency per region, faults shaded.
func HTML(w io.Writer, r *Result) error {
	var sum strings.Builder
	if err := Summary(&sum, r); err != nil {
		return err
	}
	// One point per second, for at most a day: a history from outside may claim anything.
	n := int(min(max(math.Ceil(r.DurationS), 0), 86400)) + 1
	regions := make([]string, 0, len(r.Regions))
	for _, s := range r.Regions {
		regions = append(regions, s.Region)
	}
	perSecond := func(pick func(okReads, errReads, okWrites int, p99 float64) float64, kinds ...Kind) []series {
		var out []series
		for i, reg := range regions {
			okR, errR, okW := make([]int, n), make([]int, n), make([]int, n)
			p99 := make([]float64, n)
			for _, b := range r.Timeline {
				if b.Region != reg || b.Second < 0 || b.Second >= n || !slices.Contains(kinds, b.Kind) {
					continue
				}
				if b.Kind.write() {
					okW[b.Second] += b.OK
				} else {
					okR[b.Second] += b.OK
					errR[b.Second] += b.Errors
				}
				p99[b.Second] = max(p99[b.Second], b.P99MS)
			}
			y := make([]float64, n)
			for s := range n {
				y[s] = pick(okR[s], errR[s], okW[s], p99[s])
			}
			out = append(out, series{reg, regionColors[i%len(regionColors)], y})
		}
		return out
	}
	availability := perSecond(func(ok, errs, _ int, _ float64) float64 {
		if ok+errs == 0 {
			return math.NaN()
		}
		return 100 * float64(ok) / float64(ok+errs)
	}, readKinds...)
	writes := perSecond(func(_, _, ok int, _ float64) float64 { return float64(ok) }, writeKinds...)
	latency := perSecond(func(_, _, _ int, p99 float64) float64 {
		if p99 <= 0 {
			return math.NaN()
		}
		return p99
	}, readKinds...)
	writeLatency := perSecond(func(_, _, _ int, p99 float64) float64 {
		if p99 <= 0 {
			return math.NaN()
		}
		return p99
	}, writeKinds...)
	page := struct {
		Title, Summary string
		Charts         []chart
	}{
		Title:   "ward chaos: " + r.Scenario,
		Summary: sum.String(),
		Charts: []chart{
			newChart("Reads (checks, introspections, whoami) successful, % per second", r, n, false, 0, 100, availability),
			newChart("Successful writes (tuples, tokens, logins) per second", r, n, false, 0, 0, writes),
			newChart("Read latency p99 (ms, log scale)", r, n, true, 0, 0, latency),
			newChart("Write latency p99 (ms, log scale)", r, n, true, 0, 0, writeLatency),
		},
	}
	return pageTemplate.Execute(w, page)
}

// newChart scales the series into the plot area: x over n seconds, y from ymin to ymax (ymax 0:
// the largest value; on a log scale, powers of ten around the values).
func newChart(title string, r *Result, n int, logScale bool, ymin, ymax float64, ss []series) chart {
	c := chart{Title: title}
	xmax := float64(max(n, 1))
	lo, hi := math.Inf(1), 0.0
	for _, s := range ss {
		for _, y := range s.y {
			if !math.IsNaN(y) && y > 0 {
				lo, hi = min(lo, y), max(hi, y)
			}
		}
	}
	if ymax == 0 {
		ymax = max(hi, 1)
	}
	scale := func(y float64) float64 { return (y - ymin) / (ymax - ymin) }
	if logScale {
		if hi == 0 {
			lo, hi = 1, 10
		}
		l, h := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
		if h == l {
			h++
		}
		scale = func(y float64) float64 { return (math.Log10(y) - l) / (h - l) }
		for e := l; e <= h; e++ {
			c.YTicks = append(c.YTicks, tick{top + plotH*(1-scale(math.Pow(10, e))), fmt.Sprint(math.Pow(10, e))})
		}
	} else {
		for i := range 5 {
			v := ymin + (ymax-ymin)*float64(i)/4
			c.YTicks = append(c.YTicks, tick{top + plotH*(1-scale(v)), fmt.Sprintf("%.0f", v)})
		}
	}
	for i := range 7 {
		v := xmax * float64(i) / 6
		c.XTicks = append(c.XTicks, tick{left + plotW*v/xmax, fmt.Sprintf("%.0fs", v)})
	}
	for i, f := range r.Faults {
		start, end := seconds(f.Start), seconds(f.End)
		if f.End == 0 {
			end = xmax
		}
		w := max(plotW*(end-start)/xmax, 2)
		c.Bands = append(c.Bands, band{X: left + plotW*start/xmax, W: w, Label: f.Name, LabelY: top + 12 + 12*(i%3)})
	}
	for i, s := range ss {
		var segs []string
		var pts []string
		flush := func() {
			if len(pts) > 0 {
				segs = append(segs, strings.Join(pts, " "))
				pts = nil
			}
		}
		for x, y := range s.y {
			if math.IsNaN(y) || (logScale && y <= 0) {
				flush()
				continue
			}
			// A point stands for the middle of its second.
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", left+plotW*(float64(x)+0.5)/xmax, top+plotH*(1-min(max(scale(y), 0), 1))))
		}
		flush()
		c.Lines = append(c.Lines, line{Name: s.name, Color: s.color, Segments: segs, LegendY: top + 10 + 18*i})
	}
	return c
}

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"px": func(f float64) string { return fmt.Sprintf("%.1f", f) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
pre { background: #f6f6f6; padding: 1em; }
svg { display: block; margin-bottom: 1.5em; }
svg text { font-size: 12px; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<pre>{{.Summary}}</pre>
{{range .Charts}}
<svg xmlns="http://www.w3.org/2000/svg" width="` + fmt.Sprint(chartW) + `" height="` + fmt.Sprint(chartH) + `" role="img" aria-label="{{.Title}}">
  <text x="` + fmt.Sprint(left) + `" y="18" font-weight="bold">{{.Title}}</text>
  {{range .Bands}}<rect class="fault" x="{{px .X}}" y="` + fmt.Sprint(top) + `" width="{{px .W}}" height="` + fmt.Sprint(plotH) + `" fill="#d62728" fill-opacity="0.12"/>
  <text x="{{px .X}}" y="{{.LabelY}}" fill="#d62728">{{.Label}}</text>
  {{end}}<rect x="` + fmt.Sprint(left) + `" y="` + fmt.Sprint(top) + `" width="` + fmt.Sprint(plotW) + `" height="` + fmt.Sprint(plotH) + `" fill="none" stroke="#999"/>
  {{range .YTicks}}<line x1="` + fmt.Sprint(left) + `" x2="` + fmt.Sprint(left+plotW) + `" y1="{{px .Pos}}" y2="{{px .Pos}}" stroke="#eee"/>
  <text x="` + fmt.Sprint(left-6) + `" y="{{px .Pos}}" text-anchor="end" dominant-baseline="middle">{{.Label}}</text>
  {{end}}{{range .XTicks}}<text x="{{px .Pos}}" y="` + fmt.Sprint(top+plotH+18) + `" text-anchor="middle">{{.Label}}</text>
  {{end}}{{range .Lines}}{{$color := .Color}}{{range .Segments}}<polyline points="{{.}}" fill="none" stroke="{{$color}}" stroke-width="1.5"/>
  {{end}}
  <line x1="` + fmt.Sprint(left+plotW+15) + `" x2="` + fmt.Sprint(left+plotW+35) + `" y1="{{.LegendY}}" y2="{{.LegendY}}" stroke="{{.Color}}" stroke-width="2"/>
  <text x="` + fmt.Sprint(left+plotW+40) + `" y="{{.LegendY}}" dominant-baseline="middle">{{.Name}}</text>
  {{end}}
</svg>
{{end}}
</body>
</html>
`))
