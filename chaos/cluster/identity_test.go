package cluster

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wardhq/ward/identity/password"
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

// TestWardNodesHashCheaply: the ward nodes write argon2id hashes far cheaper than ward's default
// (the scenarios measure availability, and a login's hash should not compete with the failover
// for the CPU), with parameters that ward's hasher accepts.
func TestWardNodesHashCheaply(t *testing.T) {
	c := &Cluster{cfg: Config{}}
	c.cfg.defaults()
	flag := func(cmd []string, name string) uint32 {
		t.Helper()
		at := slices.Index(cmd, name)
		if at < 0 || at+1 >= len(cmd) {
			t.Fatalf("no %s in %v", name, cmd)
		}
		v, err := strconv.ParseUint(cmd[at+1], 10, 32)
		if err != nil {
			t.Fatalf("%s %q: %v", name, cmd[at+1], err)
		}
		return uint32(v)
	}
	def := password.DefaultArgon2Params()
	for i := range c.cfg.Regions {
		cmd := c.wardCmd(i)
		p := def
		p.Memory, p.Iterations = flag(cmd, "--identity-argon2-memory"), flag(cmd, "--identity-argon2-iterations")
		if work, defWork := uint64(p.Memory)*uint64(p.Iterations), uint64(def.Memory)*uint64(def.Iterations); work*16 > defWork {
			t.Errorf("region %d: argon2id m=%d t=%d is more than 1/16 of the default's work (m=%d t=%d)", i, p.Memory, p.Iterations, def.Memory, def.Iterations)
		}
		if _, err := password.NewHasher(password.WithArgon2id(p)); err != nil {
			t.Errorf("region %d: ward's hasher refuses m=%d t=%d: %v", i, p.Memory, p.Iterations, err)
		}
	}
}
