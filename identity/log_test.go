package identity_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/wardhq/ward/identity"
)

// TestNoSecretsLogged runs every path that handles a secret with the log at debug level and
// checks that no password, hash, token or token hash is in it.
func TestNoSecretsLogged(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	imported, _ := bcrypt.GenerateFromPassword([]byte("imported passphrase 1"), 4)
	i, err := e.svc.CreateIdentity(ctx, identity.CreateIdentityBody{Traits: traits("ada@example.com"), Credentials: hashed(string(imported))})
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"imported passphrase 1", string(imported), "wrong passphrase 2", "registered passphrase 3", "new passphrase 4"}
	if _, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", "wrong passphrase 2", "10.0.0.1"); err == nil {
		t.Fatal("wrong password accepted")
	}
	if _, err := e.svc.AuthenticatePassword(ctx, "ada@example.com", "imported passphrase 1", "10.0.0.1"); err != nil { // re-hashes
		t.Fatal(err)
	}
	if _, err := e.svc.Register(ctx, "", traits("grace@example.com"), "registered passphrase 3", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetPassword(ctx, i.ID, "new passphrase 4"); err != nil {
		t.Fatal(err)
	}
	e.poll(zeroTime)
	_, tok := e.login(i.ID)
	key, _ := identity.ParseSessionToken(tok)
	if _, err := e.svc.Whoami(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RevokeSessionByToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	after, _ := e.svc.GetIdentity(ctx, i.ID)
	var c struct {
		HashedPassword string `json:"hashed_password"`
	}
	_ = json.Unmarshal(after.Credentials["password"].Config, &c)
	secrets = append(secrets, tok, tok[len(identity.SessionTokenPrefix):], key, c.HashedPassword)
	logs := e.logs.String()
	if !strings.Contains(logs, "password re-hashed") || !strings.Contains(logs, "session revoked") {
		t.Fatalf("the debug log misses events:\n%s", logs)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("a secret (%d bytes) is in the log", len(s))
		}
	}
	if strings.Contains(logs, "$argon2id$") || strings.Contains(logs, "$2a$") {
		t.Error("a hash is in the log")
	}
}
