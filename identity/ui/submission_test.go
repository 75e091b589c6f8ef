package ui_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	client "github.com/ory/client-go"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/ui"
)

func TestParseSubmission(t *testing.T) {
	for _, c := range []struct {
		name, contentType, body string
		want                    ui.Submission
	}{
		{"json", "application/json",
			`{"method":"password","password":"pw","traits":{"email":"a@b","age":42,"news":true,"nick":null,"tags":["x","y"],"a.b":"dot"}}`,
			ui.Submission{"method": "password", "password": "pw", "traits.email": "a@b", "traits.age": json.Number("42"),
				"traits.news": true, "traits.nick": nil, "traits.tags.0": "x", "traits.tags.1": "y", `traits.a\.b`: "dot"}},
		{"json with charset", "application/json; charset=utf-8", `{"identifier":"a"}`, ui.Submission{"identifier": "a"}},
		{"empty json object", "application/json", `{}`, ui.Submission{}},
		{"form", "application/x-www-form-urlencoded",
			"identifier=a%40b&password=pw&traits.email=a%40b&traits.news=false&traits.news=true",
			ui.Submission{"identifier": "a@b", "password": "pw", "traits.email": "a@b", "traits.news": "true"}},
		{"empty form", "application/x-www-form-urlencoded", "", ui.Submission{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ui.ParseSubmission(c.contentType, []byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %#v\nwant %#v", got, c.want)
			}
		})
	}
}

func TestParseSubmissionErrors(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)
	many := "{" + strings.Repeat(`"k":[`+strings.Repeat("1,", 600)+"1],", 1) + `"j":[` + strings.Repeat("1,", 600) + "1]}"
	for _, c := range []struct{ name, contentType, body, field, want string }{
		{"no media type", "", "{}", "content_type", "not a media type"},
		{"multipart", "multipart/form-data; boundary=x", "", "content_type", "is not application/json"},
		{"text", "text/plain", "a=b", "content_type", "is not application/json"},
		{"not json", "application/json", "{", "body", "not JSON"},
		{"json array", "application/json", `["a"]`, "body", "not a JSON object"},
		{"json string", "application/json", `"a"`, "body", "not a JSON object"},
		{"trailing data", "application/json", `{} {}`, "body", "after its JSON object"},
		{"too deep", "application/json", deep, "body", "deeper than 32"},
		{"too many json fields", "application/json", many, "body", "more than 1000 fields"},
		{"too many form fields", "application/x-www-form-urlencoded", formWithFields(1001), "body", "more than 1000 fields"},
		{"bad escape", "application/x-www-form-urlencoded", "a=%zz", "body", "not URL-encoded"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := ui.ParseSubmission(c.contentType, []byte(c.body))
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.InvalidArgument || fe.Field != c.field || !strings.Contains(fe.Message, c.want) {
				t.Fatalf("error %v, want invalid %s containing %q", err, c.field, c.want)
			}
			if s != nil {
				t.Errorf("a refused body gave the submission %v", s)
			}
		})
	}
}

func formWithFields(n int) string {
	fields := make([]string, n)
	for i := range fields {
		fields[i] = "f" + strconv.Itoa(i) + "=1"
	}
	return strings.Join(fields, "&")
}

// registrationForm is a registration form as the password method builds it.
func registrationForm() *ui.Container {
	c := ui.New("/self-service/registration?flow=f")
	c.SetCSRF("server-token")
	c.Nodes.Append(ui.NewInput("traits.email", nil, ui.GroupPassword, ui.InputTypeEmail))
	c.Nodes.Append(ui.NewInput("traits.age", nil, ui.GroupPassword, ui.InputTypeNumber))
	c.Nodes.Append(ui.NewInput("traits.newsletter", nil, ui.GroupPassword, ui.InputTypeCheckbox))
	c.Nodes.Append(ui.NewInput("traits.plan", "free", ui.GroupPassword, ui.InputTypeText))
	c.Nodes.Find("traits.plan").Input().Disabled = true
	c.Nodes.Append(ui.NewInput("password", "left over", ui.GroupPassword, ui.InputTypePassword))
	c.Nodes.Append(ui.NewInput("password_confirm", nil, ui.GroupPassword, ui.InputTypePassword))
	c.Nodes.Append(ui.NewInput("method", "password", ui.GroupPassword, ui.InputTypeSubmit))
	c.Nodes.Append(ui.NewInput("method", "code", ui.GroupCode, ui.InputTypeSubmit))
	c.Nodes.Append(ui.NewInput("transient", nil, ui.GroupDefault, ui.InputTypeButton))
	return c
}

func values(c *ui.Container) map[string]any {
	out := map[string]any{}
	for _, n := range c.Nodes {
		if in := n.Input(); in != nil {
			out[string(n.Group)+"/"+in.Name] = in.Value
		}
	}
	return out
}

func TestKeepValues(t *testing.T) {
	unchanged := map[string]any{
		"default/csrf_token": "server-token", "password/traits.plan": "free",
		"password/method": "password", "code/method": "code", "default/transient": nil,
		"password/password": nil, "password/password_confirm": nil,
	}
	for _, c := range []struct {
		name, contentType, body string
		kept                    map[string]any
	}{
		{"form", "application/x-www-form-urlencoded",
			"csrf_token=forged&traits.email=a%40b&traits.age=42&traits.newsletter=on&traits.plan=pro&password=pw&password_confirm=pw&method=code&transient=x&unknown=1",
			map[string]any{"password/traits.email": "a@b", "password/traits.age": json.Number("42"), "password/traits.newsletter": true}},
		{"json", "application/json",
			`{"csrf_token":"forged","traits":{"email":"a@b","age":4.5e1,"newsletter":false,"plan":"pro"},"password":"pw","password_confirm":"pw","method":"code"}`,
			map[string]any{"password/traits.email": "a@b", "password/traits.age": json.Number("4.5e1"), "password/traits.newsletter": false}},
		{"what does not fit", "application/x-www-form-urlencoded",
			"traits.age=forty&traits.newsletter=maybe",
			map[string]any{"password/traits.email": nil, "password/traits.age": "forty", "password/traits.newsletter": nil}},
		{"json that does not fit", "application/json",
			`{"traits":{"age":true,"newsletter":"yes","email":7}}`,
			map[string]any{"password/traits.email": json.Number("7"), "password/traits.age": nil, "password/traits.newsletter": nil}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := ui.ParseSubmission(c.contentType, []byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			f := registrationForm()
			before := len(f.Nodes)
			f.KeepValues(s)
			got := values(f)
			for k, want := range unchanged {
				if got[k] != want {
					t.Errorf("%s = %#v, want %#v", k, got[k], want)
				}
			}
			for k, want := range c.kept {
				if got[k] != want {
					t.Errorf("%s = %#v, want %#v", k, got[k], want)
				}
			}
			if len(f.Nodes) != before {
				t.Errorf("KeepValues added nodes: %v", ids(f.Nodes))
			}
		})
	}
}

// FuzzKeepValues feeds arbitrary bodies through ParseSubmission into a registration form: nothing
// panics, a refused body is an InvalidArgument, no password input ends up with a value, the values the
// server set stay, and the form still encodes to JSON that Ory's SDK and ward decode.
func FuzzKeepValues(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", []byte("traits.email=a%40b&password=pw&csrf_token=x"))
	f.Add("application/json", []byte(`{"traits":{"email":"a@b","age":1},"password":"pw"}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		s, err := ui.ParseSubmission(contentType, body)
		if err != nil {
			if fault.CodeOf(err) != fault.InvalidArgument || s != nil {
				t.Fatalf("refused with %v (code %v) and submission %v", err, fault.CodeOf(err), s)
			}
			return
		}
		c := registrationForm()
		c.KeepValues(s)
		got := values(c)
		for _, k := range []string{"password/password", "password/password_confirm"} {
			if got[k] != nil {
				t.Fatalf("%s has the value %#v", k, got[k])
			}
		}
		for k, want := range map[string]any{"default/csrf_token": "server-token", "password/traits.plan": "free",
			"password/method": "password", "code/method": "code", "default/transient": nil} {
			if got[k] != want {
				t.Fatalf("%s = %#v, want the server's %#v", k, got[k], want)
			}
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("the form does not encode: %v", err)
		}
		var sdk client.UiContainer
		if err := json.Unmarshal(b, &sdk); err != nil {
			t.Fatalf("the SDK cannot decode %s: %v", b, err)
		}
		var back ui.Container
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("ward cannot decode %s: %v", b, err)
		}
	})
}
