package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/wardhq/ward/loadtest/driver"
)

// HTML writes a self-contained page (inline SVG, no scripts) that draws r's throughput and
// latency percentiles over time, above its summary table.
func HTML(w io.Writer, r *driver.Result) error {
	var table strings.Builder
	if err := Table(&table, r); err != nil {
		return err
	}
	var t, p50, p90, p99, p999 []float64
	var rps []float64
	for _, iv := range r.Intervals {
		t = append(t, iv.StartS)
		rps = append(rps, iv.ThroughputRPS)
		p50, p90, p99, p999 = append(p50, iv.P50), append(p90, iv.P90), append(p99, iv.P99), append(p999, iv.P999)
	}
	page := struct {
		Title  string
		Table  string
		Charts []chart
	}{
		Title: fmt.Sprintf("ward load: %s", r.Workload),
		Table: table.String(),
		Charts: []chart{
			newChart("Throughput (successful requests/s)", t, false, series{"requests/s", "#1f77b4", rps}),
			newChart("Latency percentiles (ms, log scale)", t, true,
				series{"p50", "#2ca02c", p50}, series{"p90", "#1f77b4", p90},
				series{"p99", "#ff7f0e", p99}, series{"p99.9", "#d62728", p999}),
		},
	}
	return pageTemplate.Execute(w, page)
}

// The plot area of a chart, in SVG units, inside margins for the axes' labels.
const (
	chartW, chartH = 800, 260
	left, top      = 70, 30
	plotW, plotH   = chartW - left - 150, chartH - top - 40
)

type series struct {
	Name  string
	Color string
	Y     []float64
}

type chart struct {
	Title  string
	Lines  []line
	XTicks []tick
	YTicks []tick
}

type line struct {
	Name, Color, Points string
	LegendY             int
}

type tick struct {
	Pos   float64
	Label string
}

// newChart scales the series into the plot area: x from 0 to the last time, y from 0 (or, on a
// log scale, from the smallest positive value's power of ten) to the largest value.
func newChart(title string, x []float64, logScale bool, ss ...series) chart {
	c := chart{Title: title}
	xmax := 1.0
	if len(x) > 0 {
		xmax = max(x[len(x)-1]+1, 1)
	}
	ymin, ymax := math.Inf(1), 0.0
	for _, s := range ss {
		for _, y := range s.Y {
			if y > 0 {
				ymin, ymax = min(ymin, y), max(ymax, y)
			}
		}
	}
	if ymax == 0 {
		ymin, ymax = 1, 10
	}
	scale := func(y float64) float64 { return y / ymax }
	if logScale {
		lo, hi := math.Floor(math.Log10(ymin)), math.Ceil(math.Log10(ymax))
		if hi == lo {
			hi++
		}
		scale = func(y float64) float64 { return (math.Log10(y) - lo) / (hi - lo) }
		for e := lo; e <= hi; e++ {
			c.YTicks = append(c.YTicks, tick{top + plotH*(1-scale(math.Pow(10, e))), fmt.Sprint(math.Pow(10, e))})
		}
	} else {
		for i := range 5 {
			v := ymax * float64(i) / 4
			c.YTicks = append(c.YTicks, tick{top + plotH*(1-scale(v)), fmt.Sprintf("%.0f", v)})
		}
	}
	for i := range 5 {
		v := xmax * float64(i) / 4
		c.XTicks = append(c.XTicks, tick{left + plotW*v/xmax, fmt.Sprintf("%.0fs", v)})
	}
	for i, s := range ss {
		var pts []string
		for j, y := range s.Y {
			if logScale && y <= 0 {
				continue // an interval without successful requests has no latency
			}
			// A point stands for the middle of its interval.
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", left+plotW*(x[j]+0.5)/xmax, top+plotH*(1-scale(y))))
		}
		c.Lines = append(c.Lines, line{Name: s.Name, Color: s.Color, Points: strings.Join(pts, " "), LegendY: top + 10 + 18*i})
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
<pre>{{.Table}}</pre>
{{range .Charts}}
<svg xmlns="http://www.w3.org/2000/svg" width="` + fmt.Sprint(chartW) + `" height="` + fmt.Sprint(chartH) + `" role="img" aria-label="{{.Title}}">
  <text x="` + fmt.Sprint(left) + `" y="18" font-weight="bold">{{.Title}}</text>
  <rect x="` + fmt.Sprint(left) + `" y="` + fmt.Sprint(top) + `" width="` + fmt.Sprint(plotW) + `" height="` + fmt.Sprint(plotH) + `" fill="none" stroke="#999"/>
  {{range .YTicks}}<line x1="` + fmt.Sprint(left) + `" x2="` + fmt.Sprint(left+plotW) + `" y1="{{px .Pos}}" y2="{{px .Pos}}" stroke="#eee"/>
  <text x="` + fmt.Sprint(left-6) + `" y="{{px .Pos}}" text-anchor="end" dominant-baseline="middle">{{.Label}}</text>
  {{end}}{{range .XTicks}}<text x="{{px .Pos}}" y="` + fmt.Sprint(top+plotH+18) + `" text-anchor="middle">{{.Label}}</text>
  {{end}}{{range .Lines}}<polyline points="{{.Points}}" fill="none" stroke="{{.Color}}" stroke-width="1.5"/>
  <line x1="` + fmt.Sprint(left+plotW+15) + `" x2="` + fmt.Sprint(left+plotW+35) + `" y1="{{.LegendY}}" y2="{{.LegendY}}" stroke="{{.Color}}" stroke-width="2"/>
  <text x="` + fmt.Sprint(left+plotW+40) + `" y="{{.LegendY}}" dominant-baseline="middle">{{.Name}}</text>
  {{end}}
</svg>
{{end}}
</body>
</html>
`))
