package pages_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wardhq/ward/api/pages"
	"github.com/wardhq/ward/identity/ui"
)

// FuzzFlow renders any form a flow could hand over (as Kratos's JSON) and checks what must hold
// whatever it holds: the page renders, every visible control is labelled, no password value is
// sent, and nothing the CSP refuses is written.
func FuzzFlow(f *testing.F) {
	for _, c := range []*ui.Container{loginForm(true), registrationForm(true), settingsForm(true)} {
		b, err := json.Marshal(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	rd := newRenderer(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var c ui.Container
		if json.Unmarshal(b, &c) != nil {
			return
		}
		w := httptest.NewRecorder()
		if err := rd.Flow(w, httptest.NewRequest(http.MethodGet, "/", nil), pages.FlowPage{Kind: pages.FlowSettings, UI: &c}); err != nil {
			t.Fatalf("rendering: %v", err)
		}
		doc, err := html.Parse(strings.NewReader(w.Body.String()))
		if err != nil {
			t.Fatal(err)
		}
		p := rendered{resp: w.Result(), body: w.Body.String(), doc: doc}
		checkLabels(t, p)
		checkCSP(t, p)
		for _, in := range byTag(doc, "input") {
			if _, ok := attr(in, "value"); ok && attrOr(in, "type") == "password" {
				t.Errorf("password input %s has a value", attrOr(in, "name"))
			}
		}
	})
}
