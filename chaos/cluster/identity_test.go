package cluster

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/wardhq/ward/identity/schema"
)

// TestWardNodesServeIdentities: every ward node is started with the identity service on and the
// workload's schema, which ward's schema registry compiles and which makes the email address
// the password identifier.
func TestWardNodesServeIdentities(t *testing.T) {
	c := &Cluster{cfg: Config{}}
	c.cfg.defaults()
	for i := range c.cfg.Regions {
		cmd := c.wardCmd(i)
		if !slices.Contains(cmd, "--identity-enabled") {
			t.Fatalf("region %d: ward serve without --identity-enabled: %v", i, cmd)
		}
		at := slices.Index(cmd, "--identity-schemas")
		if at < 0 || at+1 >= len(cmd) {
			t.Fatalf("region %d: no --identity-schemas: %v", i, cmd)
		}
		id, url, _ := strings.Cut(cmd[at+1], "=")
		if id != IdentitySchemaID || !strings.HasPrefix(url, "base64://") {
			t.Fatalf("region %d: --identity-schemas %q, want %s=base64://…", i, cmd[at+1], IdentitySchemaID)
		}
		if b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(url, "base64://")); err != nil || string(b) != identitySchema {
			t.Fatalf("region %d: the schema does not decode to the workload's: %v", i, err)
		}
		reg, err := schema.NewRegistry(schema.Config{Schemas: []schema.Source{{ID: id, URL: url}}})
		if err != nil {
			t.Fatalf("region %d: ward's registry refuses the schema: %v", i, err)
		}
		got, err := reg.Extract(context.Background(), id, []byte(`{"email":"chaos-a-0@ward.chaos.test"}`))
		if err != nil {
			t.Fatal(err)
		}
		if ids := got.Identifiers[schema.CredentialPassword]; !slices.Equal(ids, []string{"chaos-a-0@ward.chaos.test"}) {
			t.Errorf("region %d: password identifiers %v, want the email address", i, got.Identifiers)
		}
		if err := reg.Validate(context.Background(), id, []byte(`{"name":"no email"}`)); err == nil {
			t.Errorf("region %d: the schema accepts traits without an email", i)
		}
	}
}
