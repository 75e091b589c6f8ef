package sql_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
	storesql "github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// TestQuorumReads stops the primary of a three-node cluster with one synchronous standby while
// the other standby lags: fully consistent and minimize_latency checks go on, answered from the
// standby that applied every acknowledged write, and with only the lagging standby left they fail
// with Unavailable rather than miss a write.
func TestQuorumReads(t *testing.T) {
	if testing.Short() {
		t.Skip("stops database servers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	primary, standbys := pgtest.StartCluster(t, 2)
	dsn := primary.NewMigratedDatabase(t)
	for _, s := range standbys {
		if err := s.WaitCaughtUp(ctx, primary); err != nil {
			t.Fatal(err)
		}
	}
	if err := primary.RequireSynchronousStandby(ctx); err != nil {
		t.Fatal(err)
	}
	nodes := []string{dsn, onServer(t, dsn, standbys[0]), onServer(t, dsn, standbys[1])}
	st := openStore(t, dsn, storesql.WithQuorum(nodes...), storesql.WithRetryBudget(2*time.Second),
		storesql.WithPollInterval(10*time.Millisecond))
	var setting string
	if err := st.Pool().QueryRow(ctx, `SHOW synchronous_commit`).Scan(&setting); err != nil || setting != "remote_apply" {
		t.Fatalf("synchronous_commit of ward's sessions = %q, %v; want remote_apply", setting, err)
	}
	e, err := engine.New(st, engine.WithMaxStaleness(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.WriteSchema(ctx, "definition user {}\ndefinition doc { relation viewer: user }\n"); err != nil {
		t.Fatal(err)
	}
	// From here the second standby receives the writes but shows none of them: only the primary
	// and the first standby, which acknowledges each commit once applied, do.
	if err := standbys[1].PauseReplay(ctx); err != nil {
		t.Fatal(err)
	}
	item := func(i int) engine.CheckItem {
		it, _ := engine.ParseCheckItem(fmt.Sprintf("doc:d%d#viewer@user:u%d", i, i))
		return it
	}
	const writes = 5
	var last engine.Token
	for i := range writes {
		tu, _ := store.ParseTuple(fmt.Sprintf("doc:d%d#viewer@user:u%d", i, i))
		if _, last, err = e.WriteTuples(ctx, []store.Update{{Op: store.Create, Tuple: tu}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// The OAuth2 server's records too: introspection needs the token and the client.
	oauth := st.OAuth2()
	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := oauth.CreateClient(ctx, &store.OAuth2Client{ID: "c1", Name: "c1", GrantTypes: []string{"client_credentials"},
		AuthMethod: "client_secret_basic", SecretHash: "h", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	grant := &store.Grant{ID: "g1", ClientID: "c1", Subject: "c1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	access := &store.TokenRecord{Kind: store.AccessTokenKind, Key: "k1", IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := oauth.CreateGrant(ctx, grant, access); err != nil {
		t.Fatal(err)
	}
	if err := primary.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if c, err := oauth.GetClient(ctx, "c1"); err != nil || c.ID != "c1" {
		t.Errorf("client without the primary = %v, %v", c, err)
	}
	if tok, g, err := oauth.LookupToken(ctx, store.AccessTokenKind, "k1"); err != nil || tok.GrantID != "g1" || g.ClientID != "c1" {
		t.Errorf("token without the primary = %+v, %+v, %v", tok, g, err)
	}
	if _, _, err := oauth.RevokedSince(ctx, now.Add(-time.Minute)); err != nil {
		t.Errorf("revocations without the primary: %v", err)
	}

	for _, c := range []engine.Consistency{{Mode: engine.FullyConsistent}, {Mode: engine.MinimizeLatency}, {Mode: engine.AtLeastAsFresh, Token: last}} {
		for i := range writes {
			ok, _, err := e.Check(ctx, c, item(i))
			if err != nil || !ok {
				t.Errorf("%v check of write %d without the primary = %v, %v; want allowed", c.Mode, i, ok, err)
			}
		}
	}
	if st.QuorumAnswers() == 0 {
		t.Error("no head was read from the quorum")
	}

	// One node of three is no majority: the lagging standby alone must not answer.
	if err := standbys[0].Stop(ctx); err != nil {
		t.Fatal(err)
	}
	ok, _, err := e.Check(ctx, engine.Consistency{Mode: engine.FullyConsistent}, item(writes-1))
	if fault.CodeOf(err) != fault.Unavailable {
		t.Errorf("fully consistent check with one node of three = %v, %v; want Unavailable", ok, err)
	}
}

// TestQuorumNeedsThreeNodes refuses a quorum too small to survive the loss of a node.
func TestQuorumNeedsThreeNodes(t *testing.T) {
	dsn := freshDatabase(t)
	_, err := storesql.Open(context.Background(), dsn, storesql.WithQuorum(dsn, dsn))
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.InvalidArgument || fe.Field != "quorum_dsns" {
		t.Fatalf("Open with two quorum nodes = %v; want InvalidArgument on quorum_dsns", err)
	}
}
