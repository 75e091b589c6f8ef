package pages_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/wardhq/ward/api/pages"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

// A transport's login page handler hands the flow's form to the renderer, which draws it node by
// node with ward's headers.
func Example() {
	rd, err := pages.New(pages.Config{RegistrationURL: "/self-service/registration/browser"})
	if err != nil {
		fmt.Println(err)
		return
	}
	form := ui.New("/self-service/login?flow=f1")
	form.SetCSRF("token")
	form.Nodes.Upsert(ui.NewInput("identifier", "", ui.GroupDefault, ui.InputTypeText).WithLabel(text.LabelID()))
	form.Nodes.Append(ui.NewInput("method", "password", ui.GroupPassword, ui.InputTypeSubmit).WithLabel(text.LoginSignIn()))

	w := httptest.NewRecorder()
	if err := rd.Flow(w, httptest.NewRequest(http.MethodGet, "/login?flow=f1", nil),
		pages.FlowPage{Kind: pages.FlowLogin, ID: "f1", UI: form, ReturnTo: "/home"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(w.Code, strings.SplitN(w.Header().Get("Content-Security-Policy"), ";", 2)[0])
	for line := range strings.Lines(w.Body.String()) {
		if strings.Contains(line, "<label") || strings.Contains(line, "Create account") {
			fmt.Print(line)
		}
	}
	// Output:
	// 200 default-src 'none'
	// <label for="field-identifier">ID</label>
	// <p>No account yet? <a href="/self-service/registration/browser?return_to=%2Fhome">Create account</a></p>
}
