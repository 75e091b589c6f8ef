package oauth2_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store/memory"
)

// A Provider over the memory store: a service registers, gets a token by the client credentials
// grant, and a resource server introspects it.
func ExampleProvider() {
	ctx := context.Background()
	p, err := oauth2.NewProvider(memory.NewOAuth2Store(), oauth2.Config{
		Issuer:       "https://id.example.com",
		LoginURL:     "https://login.example.com/login",
		ConsentURL:   "https://login.example.com/consent",
		TokenSecrets: [][]byte{[]byte("a secret of at least thirty-two bytes, from a vault")},
		Logger:       slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	client, secret, err := p.CreateClient(ctx, oauth2.Client{
		ID: "billing", AuthMethod: oauth2.AuthClientSecretBasic,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}, Scopes: []string{"invoices:read"},
	})
	if err != nil {
		panic(err)
	}
	// What the token endpoint does with a request's credentials and form.
	c, err := p.AuthenticateClient(ctx, oauth2.ClientCredentials{Method: oauth2.AuthClientSecretBasic, ID: client.ID, Secret: secret})
	if err != nil {
		panic(err)
	}
	tok, err := p.Token(ctx, c, oauth2.TokenRequest{GrantType: oauth2.GrantClientCredentials, Scope: "invoices:read"})
	if err != nil {
		panic(err)
	}
	in, err := p.Introspect(ctx, tok.AccessToken)
	if err != nil {
		panic(err)
	}
	fmt.Println(tok.TokenType, tok.ExpiresIn, in.Active, in.Subject, in.Scopes)
	// A forged token (one character of its random part changed) is inactive; the store is never
	// asked.
	forged := []byte(tok.AccessToken)
	forged[10] = map[bool]byte{true: 'B', false: 'A'}[forged[10] == 'A']
	in, _ = p.Introspect(ctx, string(forged))
	fmt.Println(in.Active)
	// Output:
	// bearer 3600 true billing [invoices:read]
	// false
}
