// Package checker judges what a chaos scenario recorded: the operations the clients of each
// region made through the fault, the database nodes' roles as polled during it, the faults and
// when they ran, and the tuples each surviving database node holds afterwards. From a [History]
// it computes a [Result] — availability per region, the longest time without a successful
// write, lost acknowledged writes, consistency violations, stale reads, split brain — and
// renders it as JSON and as an HTML page with a timeline.
//
// The package knows nothing of Docker or of ward's server: a history is plain data, so the
// judgement can be tested on recorded histories and re-run on a saved one.
package checker

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Kind is the kind of an operation a client made.
type Kind string

// The operations of the workload.
const (
	// Write is a WriteRelationships call that creates one tuple; on success it returns a
	// snapshot token and the tuple is acknowledged.
	Write Kind = "write"
	// CheckFresh is a Check of an acknowledged write's tuple with at_least_as_fresh(token of
	// that write): it must answer allowed.
	CheckFresh Kind = "check_fresh"
	// CheckMin is a Check of an acknowledged write's tuple with minimize_latency: it may miss the
	// write only while the write is younger than the server's max staleness.
	CheckMin Kind = "check_min"
	// IssueToken is a token request of the OAuth2 server (client_credentials grant); Tuple
	// names the token issued (a fingerprint, not the token). It counts as a write.
	IssueToken Kind = "token"
	// Introspect is an introspection of an issued access token (Tuple names it, Acked is when it
	// was issued); Allowed is the answer's "active". Issued tokens live far longer than a
	// scenario, so each must be active everywhere.
	Introspect Kind = "introspect"
	// Login is an API login flow of the identity service (Kratos's GET /self-service/login/api,
	// then POST /self-service/login with a password); on success it returns a session token and
	// the session is acknowledged. Tuple names the session (a fingerprint of its token, not the
	// token), Identity the identity that logged in. It counts as a write.
	Login Kind = "login"
	// Whoami is a GET /sessions/whoami with an acknowledged session's token (Tuple names the
	// session, Acked is when its login was acknowledged): Allowed is whether the node answered
	// with an active session, Identity whose. A node that answers 401 (the session does not
	// exist) is OK with Allowed false. Sessions live far longer than a scenario, so each must
	// be active, and the identity that logged in, everywhere.
	Whoami Kind = "whoami"
)

// write reports whether operations of kind k change what the database holds: they need the
// primary, and resume only after a failover.
func (k Kind) write() bool { return k == Write || k == IssueToken || k == Login }

// readKinds and writeKinds are the kinds of the workload's reads and writes, in the order the
// report lists them.
var (
	readKinds  = []Kind{CheckFresh, CheckMin, Introspect, Whoami}
	writeKinds = []Kind{Write, IssueToken, Login}
)

// Role is what a poll found a database node to be.
type Role string

// The roles of a database node.
const (
	// Primary: pg_is_in_recovery() is false and a write commits — the node accepts writes.
	Primary Role = "primary"
	// Replica: pg_is_in_recovery() is true.
	Replica Role = "replica"
	// Isolated: pg_is_in_recovery() is false, but a write did not commit in time — a primary
	// that cannot acknowledge writes, such as a stalled leader that woke up after a failover,
	// in strict synchronous mode, until Patroni demotes it. It is no second writer.
	Isolated Role = "isolated"
	// Unreachable: the poll got no answer in time (the node is down, paused or cut off from
	// the harness).
	Unreachable Role = "unreachable"
)

// Op is one operation of a client, with times as offsets from the start of the history.
type Op struct {
	Region string        `json:"region"`
	Kind   Kind          `json:"kind"`
	Start  time.Duration `json:"start_ns"`
	End    time.Duration `json:"end_ns"`
	OK     bool          `json:"ok"`
	Error  string        `json:"error,omitempty"`
	// Tuple is the tuple written (Write) or checked (CheckFresh, CheckMin), as
	// namespace:object#relation@subject; or the fingerprint of the token issued or introspected
	// (IssueToken, Introspect), or of the session opened or looked up (Login, Whoami).
	Tuple string `json:"tuple"`
	// Token is the token a Write returned, or the token a CheckFresh sent.
	Token string `json:"token,omitempty"`
	// Allowed is a check's decision.
	Allowed bool `json:"allowed,omitempty"`
	// Acked is, for a check, when the write of Tuple was acknowledged to its client.
	Acked time.Duration `json:"acked_ns,omitempty"`
	// Identity is, for a Login, the identity that logged in; for a Whoami, the identity of the
	// session the node answered with.
	Identity string `json:"identity,omitempty"`
}

// Sample is the role of one database node in one poll round; the rounds of all nodes are taken
// together, so that one round is one moment.
type Sample struct {
	Round int           `json:"round"`
	At    time.Duration `json:"at_ns"`
	Node  string        `json:"node"`
	Role  Role          `json:"role"`
}

// Fault is one injected fault, from Start to End (zero: until the end of the history).
type Fault struct {
	Name  string        `json:"name"`
	Start time.Duration `json:"start_ns"`
	End   time.Duration `json:"end_ns,omitempty"`
	// Down lists the regions that do not count as surviving while the fault lasts: their
	// clients' failures are expected (a killed or partitioned region).
	Down []string `json:"down,omitempty"`
	// LeaderLoss says that the fault takes the writable database node away, so that writes
	// must resume on a new one (within [Thresholds.WriteResume]).
	LeaderLoss bool `json:"leader_loss,omitempty"`
}

// NodeTuples is what one surviving database node holds after the scenario: the tuples of the
// workload, read by SQL from ward_tuples, or the error that prevented reading them.
type NodeTuples struct {
	Node   string   `json:"node"`
	Tuples []string `json:"tuples,omitempty"`
	Error  string   `json:"error,omitempty"`
}

// History is everything a scenario recorded.
type History struct {
	Scenario string   `json:"scenario"`
	Regions  []string `json:"regions"`
	// MaxStaleness is the servers' bound on minimize_latency reads.
	MaxStaleness time.Duration `json:"max_staleness_ns"`
	Duration     time.Duration `json:"duration_ns"`
	Ops          []Op          `json:"ops"`
	Samples      []Sample      `json:"samples"`
	Faults       []Fault       `json:"faults"`
	Final        []NodeTuples  `json:"final"`
}

// WriteHistory saves h as JSON in the file name.
func WriteHistory(name string, h *History) error {
	b, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("encoding the history: %w", err)
	}
	return os.WriteFile(name, b, 0o644)
}

// ReadHistory reads a history saved by [WriteHistory].
func ReadHistory(name string) (*History, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var h History
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("history %s: %w", name, err)
	}
	return &h, nil
}

// down reports whether region r counts as not surviving at any time in [from, to].
func (h *History) down(r string, from, to time.Duration) bool {
	for _, f := range h.Faults {
		end := f.End
		if end == 0 {
			end = max(h.Duration, to) + 1
		}
		if from > end || to < f.Start {
			continue
		}
		for _, d := range f.Down {
			if d == r {
				return true
			}
		}
	}
	return false
}
