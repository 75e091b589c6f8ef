package flow_test

import (
	"testing"

	"github.com/wardhq/ward/identity/flow"
)

// BenchmarkInitLogin measures starting an API login flow over the memory store: building the
// form and storing the flow.
func BenchmarkInitLogin(b *testing.B) {
	e := newEnv(b)
	r := request(nil, flow.RouteLoginInitAPI, "")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.svc.InitLogin(e.ctx, flow.TypeAPI, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseSubmission measures reading a registration form body.
func BenchmarkParseSubmission(b *testing.B) {
	body := []byte("method=password&password=correct+horse&csrf_token=abc&traits.email=a%40b.c&traits.name.first=A&traits.name.last=B")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := flow.ParseSubmission("application/x-www-form-urlencoded", body); err != nil {
			b.Fatal(err)
		}
	}
}
