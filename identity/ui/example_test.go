package ui_test

import (
	"encoding/json"
	"fmt"

	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

// A login flow builds its form, and when a submission is refused shows it again with the user's
// identifier kept, the password emptied and the reason attached.
func Example() {
	form := ui.New("https://ward.example/self-service/login?flow=f1")
	form.SetCSRF("token")
	form.Nodes.Upsert(ui.NewInput("identifier", "", ui.GroupDefault, ui.InputTypeText).WithLabel(text.LabelID()))
	pw := ui.NewInput("password", nil, ui.GroupPassword, ui.InputTypePassword).WithLabel(text.LabelPassword())
	pw.Input().Required = true
	form.Nodes.Upsert(pw)
	form.Nodes.Append(ui.NewInput("method", "password", ui.GroupPassword, ui.InputTypeSubmit).WithLabel(text.LoginSignIn()))
	form.Nodes.Sort(ui.LoginOrder())

	submitted, err := ui.ParseSubmission("application/x-www-form-urlencoded",
		[]byte("csrf_token=token&identifier=ada%40example.com&password=wrong&method=password"))
	if err != nil {
		fmt.Println(err)
		return
	}
	form.KeepValues(submitted)
	form.AddMessage(text.InvalidCredentials())

	for _, n := range form.Nodes {
		b, _ := json.Marshal(n.Input().Value)
		fmt.Printf("%s %s = %s\n", n.Group, n.ID(), b)
	}
	fmt.Println(form.Messages[0].ID)
	// Output:
	// default csrf_token = "token"
	// default identifier = "ada@example.com"
	// password password = null
	// password method = "password"
	// 4000006
}
