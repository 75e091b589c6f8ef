package flow_test

import (
	"testing"

	"github.com/pquerna/otp/totp"

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

// BenchmarkLogin measures whole API logins over the memory store, as an app makes them: aal1 is
// a password login (start a flow, submit the password, bcrypt at cost 4); aal2 is the password
// login of an identity with TOTP followed by the aal2 login that steps the session up with a
// code (start the aal2 flow, submit the code). Each reports logins/s beside ns/op.
func BenchmarkLogin(b *testing.B) {
	const pw = "a long and unusual passphrase 9"
	e := newEnv(b, withSecondFactors)
	e.register("aal1@example.com", pw)
	e.register("aal2@example.com", pw)
	password := func(email string) string {
		init, err := e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI, ""))
		if err != nil {
			b.Fatal(err)
		}
		res, err := e.svc.SubmitLogin(e.ctx, form(request(nil, "/self-service/login?flow="+init.Flow.ID, ""),
			"method", "password", "identifier", email, "password", pw), init.Flow.ID)
		if err != nil || res.Refused {
			b.Fatalf("password login: %v %+v", err, res)
		}
		return res.SessionToken
	}
	enrolled := password("aal2@example.com")
	in, err := e.svc.InitSettings(e.ctx, flow.TypeAPI, request(nil, flow.RouteSettingsInitAPI, enrolled))
	if err != nil {
		b.Fatal(err)
	}
	code, _ := totp.GenerateCode(totpSecretOf(b, in.Flow.UI), e.clock()) // the clock stands still
	if res, err := e.svc.SubmitSettings(e.ctx, jsonBody(request(nil, "/self-service/settings?flow="+in.Flow.ID, enrolled),
		map[string]any{"method": "totp", "totp_code": code}), in.Flow.ID); err != nil || res.Refused {
		b.Fatalf("enrol: %v %+v", err, res)
	}

	b.Run("aal1", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			password("aal1@example.com")
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
	})
	b.Run("aal2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			token := password("aal2@example.com")
			a2, err := e.svc.InitLogin(e.ctx, flow.TypeAPI, request(nil, flow.RouteLoginInitAPI+"?aal=aal2", token))
			if err != nil {
				b.Fatal(err)
			}
			res, err := e.svc.SubmitLogin(e.ctx, jsonBody(request(nil, "/self-service/login?flow="+a2.Flow.ID, token),
				map[string]any{"method": "totp", "totp_code": code}), a2.Flow.ID)
			if err != nil || res.Refused || res.Session.AAL != "aal2" {
				b.Fatalf("aal2 login: %v %+v", err, res)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
	})
}
