package flow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/flow"
	"github.com/wardhq/ward/identity/password"
	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/store/memory"
)

// A native app's login: init an API flow, submit it with the password method, keep the token.
func Example() {
	ctx := context.Background()
	st := memory.NewIdentityStore()
	schemas, _ := schema.NewRegistry(schema.Config{})
	hasher, _ := password.NewHasher(password.WithBcrypt(4))
	policy, _ := password.NewPolicy()
	ids, _ := identity.NewService(ctx, st, schemas, hasher, policy, identity.Config{Logger: slog.New(slog.DiscardHandler)})
	flows, err := flow.NewService(st, ids, schemas, flow.Config{PublicURL: "https://id.example.com"})
	if err != nil {
		panic(err)
	}
	if _, err := ids.Register(ctx, "", json.RawMessage(`{"email":"ann@example.com"}`), "correct horse battery", ""); err != nil {
		panic(err)
	}

	u, _ := url.Parse("https://id.example.com/self-service/login/api")
	init, err := flows.InitLogin(ctx, flow.TypeAPI, &flow.Request{URL: u, Header: http.Header{}})
	if err != nil {
		panic(err)
	}
	fmt.Println(init.Flow.Type, init.Flow.State, init.Flow.UI.Action == "https://id.example.com/self-service/login?flow="+init.Flow.ID)

	body := url.Values{"method": {"password"}, "identifier": {"ann@example.com"}, "password": {"correct horse battery"}}
	res, err := flows.SubmitLogin(ctx, &flow.Request{
		URL: u, Header: http.Header{}, ContentType: "application/x-www-form-urlencoded", Body: []byte(body.Encode()),
	}, init.Flow.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Refused, res.SessionToken != "", res.Flow.State)
	// Output:
	// api choose_method true
	// false true passed_challenge
}
