package oauth2

import (
	"strconv"
	"testing"
	"time"
)

// The revocation set stays bounded without Run: additions prune what no token can still need.
func TestRevocationSetPrunesItself(t *testing.T) {
	s := newRevocationSet(time.Hour)
	old := time.Now().Add(-2 * time.Hour)
	for i := range pruneEvery - 1 {
		s.addGrant("g"+strconv.Itoa(i), old)
	}
	if len(s.entries) != pruneEvery-1 {
		t.Fatalf("%d entries before pruning", len(s.entries))
	}
	now := time.Now()
	s.addToken("fresh", now)
	if len(s.entries) != 1 {
		t.Errorf("%d entries after pruning; want the fresh one only", len(s.entries))
	}
	e := &cachedToken{grantID: "g1", key: "fresh", result: Introspection{IssuedAt: now.Add(-time.Minute)}}
	if !s.has(e, now) {
		t.Error("the fresh revocation was pruned")
	}
	// Subject and client revocations concern tokens issued before them only.
	s.addSubject("alice", "", now)
	if !s.has(&cachedToken{result: Introspection{Subject: "alice", ClientID: "c", IssuedAt: now.Add(-time.Second)}}, now) {
		t.Error("a token issued before its subject's revocation is not revoked")
	}
	if s.has(&cachedToken{result: Introspection{Subject: "alice", ClientID: "c", IssuedAt: now.Add(time.Second)}}, now) {
		t.Error("a token issued after its subject's revocation is revoked")
	}
}
