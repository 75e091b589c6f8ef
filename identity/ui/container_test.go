package ui_test

import (
	"slices"
	"testing"

	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

// ids lists the nodes as group/name, the form a test can compare.
func ids(ns ui.Nodes) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = string(n.Group) + "/" + n.ID()
	}
	return out
}

func loginForm() *ui.Container {
	c := ui.New("/self-service/login?flow=f")
	c.SetCSRF("t1")
	c.Nodes.Upsert(ui.NewInput("identifier", "", ui.GroupDefault, ui.InputTypeText).WithLabel(text.LabelID()))
	c.Nodes.Upsert(ui.NewInput("password", nil, ui.GroupPassword, ui.InputTypePassword))
	c.Nodes.Append(ui.NewInput("method", "password", ui.GroupPassword, ui.InputTypeSubmit).WithLabel(text.LoginSignIn()))
	c.Nodes.Append(ui.NewInput("method", "code", ui.GroupCode, ui.InputTypeSubmit).WithLabel(text.LoginCode()))
	return c
}

func TestNodesEditing(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*ui.Container)
		want []string
	}{
		{"built", func(*ui.Container) {},
			[]string{"default/csrf_token", "default/identifier", "password/password", "password/method", "code/method"}},
		{"upsert replaces by name in any group", func(c *ui.Container) {
			c.Nodes.Upsert(ui.NewInput("identifier", "", ui.GroupIdentifierFirst, ui.InputTypeText))
		}, []string{"default/csrf_token", "identifier_first/identifier", "password/password", "password/method", "code/method"}},
		{"upsert in group replaces only that group's", func(c *ui.Container) {
			c.Nodes.UpsertInGroup(ui.NewInput("method", "code", ui.GroupCode, ui.InputTypeSubmit))
		}, []string{"default/csrf_token", "default/identifier", "password/password", "password/method", "code/method"}},
		{"upsert in group appends for a new group", func(c *ui.Container) {
			c.Nodes.UpsertInGroup(ui.NewInput("method", "passkey", ui.GroupPasskey, ui.InputTypeSubmit))
		}, []string{"default/csrf_token", "default/identifier", "password/password", "password/method", "code/method", "passkey/method"}},
		{"remove by name removes every group's", func(c *ui.Container) { c.Nodes.Remove("method", "nothing") },
			[]string{"default/csrf_token", "default/identifier", "password/password"}},
		{"remove in group", func(c *ui.Container) { c.Nodes.RemoveInGroup(ui.GroupPassword, "method", "identifier") },
			[]string{"default/csrf_token", "default/identifier", "password/password", "code/method"}},
		{"remove group", func(c *ui.Container) { c.Nodes.RemoveGroup(ui.GroupPassword) },
			[]string{"default/csrf_token", "default/identifier", "code/method"}},
		{"set csrf again", func(c *ui.Container) { c.SetCSRF("t2") },
			[]string{"default/csrf_token", "default/identifier", "password/password", "password/method", "code/method"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := loginForm()
			c.edit(f)
			if got := ids(f.Nodes); !slices.Equal(got, c.want) {
				t.Errorf("got  %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestNodesFind(t *testing.T) {
	f := loginForm()
	if n := f.Nodes.Find("method"); n == nil || n.Group != ui.GroupPassword {
		t.Errorf("Find(method) = %v, want the first, of the password group", n)
	}
	if n := f.Nodes.FindInGroup("method", ui.GroupCode); n == nil || n.Input().Value != "code" {
		t.Errorf("FindInGroup(method, code) = %v", n)
	}
	if f.Nodes.Find("nothing") != nil || f.Nodes.FindInGroup("identifier", ui.GroupPassword) != nil {
		t.Error("found a node that is not there")
	}
	f.SetCSRF("t2")
	if v := f.Nodes.Find(ui.CSRFTokenName).Input().Value; v != "t2" {
		t.Errorf("csrf_token is %v after SetCSRF(t2)", v)
	}
}

func TestNodesValues(t *testing.T) {
	f := loginForm()
	f.Nodes.Append(ui.NewText("identifier_text", text.LabelID(), ui.GroupDefault))
	if !f.Nodes.SetValue("identifier", "a@example.com") || f.Nodes.Find("identifier").Input().Value != "a@example.com" {
		t.Error("SetValue(identifier) did not set it")
	}
	if f.Nodes.SetValue("identifier_text", "x") {
		t.Error("SetValue set a text node's value")
	}
	if f.Nodes.SetValue("nothing", "x") {
		t.Error("SetValue reported a node that is not there")
	}
	f.Nodes.SetValue("password", "secret")
	f.Nodes.ResetValues("password", "identifier")
	for _, name := range []string{"password", "identifier"} {
		if v := f.Nodes.Find(name).Input().Value; v != nil {
			t.Errorf("%s is %v after ResetValues", name, v)
		}
	}
	if v := f.Nodes.Find(ui.CSRFTokenName).Input().Value; v != "t1" {
		t.Errorf("ResetValues cleared csrf_token: %v", v)
	}
}

func TestContainerMessages(t *testing.T) {
	f := loginForm()
	f.AddMessage(text.InvalidCredentials())
	f.AddMessage(text.Required("identifier"), "identifier", " ")
	f.AddMessage(text.Required("traits.email"), "traits.email")
	f.AddMessage(text.LoginNoStrategyFound(), "", "  ")

	if len(f.Messages) != 2 || f.Messages[0].ID != text.ErrorValidationInvalidCredentials || f.Messages[1].ID != text.ErrorValidationLoginNoStrategyFound {
		t.Errorf("form messages %+v", f.Messages)
	}
	if m := f.Nodes.Find("identifier").Messages; len(m) != 1 || m[0].ID != text.ErrorValidationRequired {
		t.Errorf("identifier messages %+v", m)
	}
	added := f.Nodes.Find("traits.email")
	if added == nil || added.Group != ui.GroupDefault || added.Input().Type != ui.InputTypeText || len(added.Messages) != 1 {
		t.Fatalf("a message for a missing field made %+v, want a text input of the default group", added)
	}
	if len(f.Nodes) != 6 {
		t.Errorf("%d nodes, want the 5 built and the one for traits.email", len(f.Nodes))
	}

	f.ResetMessages("traits.email")
	if f.Messages != nil || f.Nodes.Find("identifier").Messages != nil {
		t.Error("ResetMessages left messages")
	}
	if len(f.Nodes.Find("traits.email").Messages) != 1 {
		t.Error("ResetMessages cleared an excluded node")
	}
}

func TestNilNodesAreSkipped(t *testing.T) {
	f := loginForm()
	f.Nodes = append(ui.Nodes{nil}, f.Nodes...)
	f.Nodes.SetValue("identifier", "x")
	f.Nodes.ResetValues("identifier")
	f.ResetMessages()
	f.AddMessage(text.Required("identifier"), "identifier")
	f.Nodes.Sort(ui.LoginOrder())
	if f.Nodes[len(f.Nodes)-1] != nil {
		t.Error("Sort did not put the nil node last")
	}
	f.Nodes.Remove()
	if slices.Contains(f.Nodes, nil) {
		t.Error("Remove kept a nil node")
	}
}
