package pages_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wardhq/ward/api/pages"
)

// discard is a ResponseWriter that keeps nothing, so that the benchmarks measure the rendering.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkFlowSettings renders the largest fixture, the settings page with errors (three methods,
// an image, messages). Read it against BenchmarkBaselineWrite, which sends the same bytes with
// the same headers and renders nothing.
func BenchmarkFlowSettings(b *testing.B) {
	rd := newRenderer(b)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	page := pages.FlowPage{Kind: pages.FlowSettings, UI: settingsForm(true)}
	b.ReportAllocs()
	for b.Loop() {
		if err := rd.Flow(&discard{h: http.Header{}}, r, page); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBaselineWrite(b *testing.B) {
	rd := newRenderer(b)
	rec := httptest.NewRecorder()
	if err := rd.Flow(rec, httptest.NewRequest(http.MethodGet, "/", nil), pages.FlowPage{Kind: pages.FlowSettings, UI: settingsForm(true)}); err != nil {
		b.Fatal(err)
	}
	body, headers := rec.Body.Bytes(), rec.Header()
	b.ReportAllocs()
	for b.Loop() {
		w := &discard{h: http.Header{}}
		for k, v := range headers {
			w.h[k] = v
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	}
}
