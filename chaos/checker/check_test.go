package checker_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/chaos/checker"
)

func load(t *testing.T, name string) *checker.History {
	t.Helper()
	h, err := checker.ReadHistory(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestCleanHistoryPasses(t *testing.T) {
	r := checker.Check(load(t, "clean"), checker.DefaultThresholds)
	if !r.Pass {
		t.Fatalf("a clean history fails: %v", r.Failures)
	}
	if r.AckedWrites != 3 || len(r.LostWrites) != 0 || len(r.StaleReads) != 0 || len(r.SplitBrain) != 0 {
		t.Errorf("clean history: %d acked, %d lost, %d stale, %d split", r.AckedWrites, len(r.LostWrites), len(r.StaleReads), len(r.SplitBrain))
	}
	// The write at 9 s is the first after the kill at 4 s: it ended 5.02 s after.
	if got := r.WriteResumeS["kill pg-a@4.0s"]; got < 5.01 || got > 5.03 {
		t.Errorf("write resume = %v, want 5.02", got)
	}
	// From the write acknowledged at 2.03 s to the one at 9.02 s.
	if r.LongestWriteGapS < 6.98 || r.LongestWriteGapS > 7.0 {
		t.Errorf("longest write gap = %v, want 6.99", r.LongestWriteGapS)
	}
	// The denied check at 2.1 s missed a write 70 ms old: within the bound, but counted.
	if r.MaxStalenessS < 0.069 || r.MaxStalenessS > 0.071 {
		t.Errorf("max staleness = %v, want 0.07", r.MaxStalenessS)
	}
	if r.PollRounds != 2 {
		t.Errorf("poll rounds = %d, want 2", r.PollRounds)
	}
}

func TestLostWrite(t *testing.T) {
	r := checker.Check(load(t, "lost-write"), checker.DefaultThresholds)
	if r.Pass {
		t.Fatal("a history with a lost write passes")
	}
	if len(r.LostWrites) != 1 || r.LostWrites[0].Tuple != "doc:b1#viewer@user:b1" || r.LostWrites[0].Node != "pg-c" {
		t.Errorf("lost writes = %+v, want doc:b1 on pg-c", r.LostWrites)
	}
	wantFailure(t, r, "acknowledged writes missing")
}

func TestStaleRead(t *testing.T) {
	r := checker.Check(load(t, "stale-read"), checker.DefaultThresholds)
	if r.Pass {
		t.Fatal("a history with a stale read passes")
	}
	if len(r.StaleReads) != 1 || r.StaleReads[0].Region != "c" {
		t.Errorf("stale reads = %+v, want one in c", r.StaleReads)
	}
	if r.MaxStalenessS < 5.97 || r.MaxStalenessS > 5.99 {
		t.Errorf("max staleness = %v, want 5.98", r.MaxStalenessS)
	}
	wantFailure(t, r, "minimize_latency checks missed a write older than max_staleness")
	// The same read within a longer bound is no violation.
	h := load(t, "stale-read")
	h.MaxStaleness = 10 * time.Second
	if r := checker.Check(h, checker.DefaultThresholds); !r.Pass {
		t.Errorf("a read 5.98 s behind fails a 10 s bound: %v", r.Failures)
	}
}

func TestSplitBrain(t *testing.T) {
	r := checker.Check(load(t, "split-brain"), checker.DefaultThresholds)
	if r.Pass {
		t.Fatal("a history with two writable leaders passes")
	}
	if len(r.SplitBrain) != 1 || r.SplitBrain[0].Round != 2 || strings.Join(r.SplitBrain[0].Nodes, ",") != "pg-a,pg-b" {
		t.Errorf("split brain = %+v, want round 2 with pg-a and pg-b", r.SplitBrain)
	}
	wantFailure(t, r, "split brain")
}

func TestConsistencyViolation(t *testing.T) {
	r := checker.Check(load(t, "consistency-violation"), checker.DefaultThresholds)
	if len(r.ConsistencyViolations) != 1 || r.Pass {
		t.Errorf("violations = %+v, pass = %v", r.ConsistencyViolations, r.Pass)
	}
	wantFailure(t, r, "at least as fresh")
}

func TestAvailabilityCountsSurvivingRegionsOnly(t *testing.T) {
	s := time.Second
	h := &checker.History{
		Scenario: "region-kill", Regions: []string{"a", "b"}, MaxStaleness: 5 * s, Duration: 10 * s,
		Faults: []checker.Fault{{Name: "kill region a", Start: 5 * s, Down: []string{"a"}, LeaderLoss: true}},
		Final:  []checker.NodeTuples{{Node: "pg-b", Tuples: []string{"w1", "w2"}}},
	}
	for i := range 1000 {
		at := time.Duration(i) * 10 * time.Millisecond
		h.Ops = append(h.Ops,
			checker.Op{Region: "a", Kind: checker.CheckMin, Start: at, End: at + time.Millisecond, OK: at < 5*s, Allowed: true},
			checker.Op{Region: "b", Kind: checker.CheckMin, Start: at, End: at + time.Millisecond, OK: i != 500, Allowed: true})
	}
	h.Ops = append(h.Ops,
		checker.Op{Region: "b", Kind: checker.Write, Start: s, End: s + 10*time.Millisecond, OK: true, Tuple: "w1"},
		checker.Op{Region: "b", Kind: checker.Write, Start: 6 * s, End: 8 * s, OK: false},
		checker.Op{Region: "b", Kind: checker.Write, Start: 8 * s, End: 9 * s, OK: true, Tuple: "w2"})
	r := checker.Check(h, checker.DefaultThresholds)
	// a's failures after its death do not count; b's one error in 1000 reads is 99.9%.
	if r.Regions[0].Excluded != 500 || r.Regions[0].ReadErrors != 0 {
		t.Errorf("region a: %+v", r.Regions[0])
	}
	if r.ReadAvailability != 1499.0/1500 {
		t.Errorf("read availability = %v, want %v", r.ReadAvailability, 1499.0/1500)
	}
	if got := r.WriteResumeS["kill region a@5.0s"]; got != 4 {
		t.Errorf("write resume = %v, want 4", got)
	}
	if !r.Pass {
		t.Errorf("failures: %v", r.Failures)
	}
	// Resuming later than the threshold fails.
	if r := checker.Check(h, checker.Thresholds{ReadAvailability: 0.999, WriteResume: 3 * s}); r.Pass {
		t.Error("writes back after 4 s pass a 3 s threshold")
	}
	// So does one more read error.
	h.Ops[3].OK = false
	if r := checker.Check(h, checker.DefaultThresholds); r.Pass || !strings.Contains(strings.Join(r.Failures, ";"), "reads in surviving regions") {
		t.Errorf("two read errors in 1500 pass: %v", r.Failures)
	}
}

func TestReportFiles(t *testing.T) {
	r := checker.Check(load(t, "lost-write"), checker.DefaultThresholds)
	dir := t.TempDir()
	if err := checker.WriteJSON(filepath.Join(dir, "result.json"), r); err != nil {
		t.Fatal(err)
	}
	var page strings.Builder
	if err := checker.HTML(&page, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "<polyline", `class="fault"`, "kill pg-a", "FAIL", "lost: 1"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
}

func TestHistoryRoundTrip(t *testing.T) {
	h := load(t, "clean")
	name := filepath.Join(t.TempDir(), "h.json")
	if err := checker.WriteHistory(name, h); err != nil {
		t.Fatal(err)
	}
	got, err := checker.ReadHistory(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Ops) != len(h.Ops) || got.MaxStaleness != h.MaxStaleness || got.Faults[0].Name != "kill pg-a" {
		t.Errorf("round trip: %+v", got)
	}
}

func wantFailure(t *testing.T, r *checker.Result, substr string) {
	t.Helper()
	for _, f := range r.Failures {
		if strings.Contains(f, substr) {
			return
		}
	}
	t.Errorf("no failure says %q: %v", substr, r.Failures)
}

// TestTokens adds the OAuth2 workload to the clean history: a token found inactive is reported,
// and token requests that come back later than writes set the time writes resumed.
func TestTokens(t *testing.T) {
	ms := time.Millisecond
	base := load(t, "clean")
	withTokens := func(ops ...checker.Op) *checker.History {
		h := *base
		h.Ops = append(append([]checker.Op(nil), base.Ops...), ops...)
		return &h
	}
	issued := checker.Op{Region: "a", Kind: checker.IssueToken, Start: 1000 * ms, End: 1010 * ms, OK: true, Tuple: "token:01"}
	active := checker.Op{Region: "b", Kind: checker.Introspect, Start: 1100 * ms, End: 1105 * ms, OK: true, Allowed: true, Tuple: "token:01", Acked: 1010 * ms}
	// Token requests fail from the kill at 4 s until 12 s: 8.01 s after it, later than writes.
	failed := checker.Op{Region: "a", Kind: checker.IssueToken, Start: 5000 * ms, End: 5500 * ms, Error: "unavailable"}
	resumed := checker.Op{Region: "a", Kind: checker.IssueToken, Start: 12000 * ms, End: 12010 * ms, OK: true, Tuple: "token:02"}

	r := checker.Check(withTokens(issued, active, failed, resumed), checker.DefaultThresholds)
	if r.IssuedTokens != 2 || len(r.InactiveTokens) != 0 {
		t.Errorf("issued = %d, inactive = %v; want 2 and none", r.IssuedTokens, r.InactiveTokens)
	}
	if got := r.WriteResumeS["kill pg-a@4.0s"]; got < 8.0 || got > 8.02 {
		t.Errorf("write resume = %v, want 8.01 (token requests came back last)", got)
	}
	// The longest gap is now between the two tokens: 1.01 s to 12.01 s.
	if r.LongestWriteGapS < 10.99 || r.LongestWriteGapS > 11.01 {
		t.Errorf("longest write gap = %v, want 11", r.LongestWriteGapS)
	}
	if r.WriteAvailability >= 1 {
		t.Errorf("write availability = %v with a failed token request", r.WriteAvailability)
	}
	if !r.Pass {
		t.Errorf("resumed within the bound, no inactive token, yet: %v", r.Failures)
	}

	inactive := active
	inactive.Allowed = false
	r = checker.Check(withTokens(issued, inactive), checker.DefaultThresholds)
	if len(r.InactiveTokens) != 1 || r.Pass {
		t.Errorf("inactive tokens = %+v, pass = %v", r.InactiveTokens, r.Pass)
	}
	wantFailure(t, r, "issued token inactive")

	never := checker.Check(withTokens(issued, failed), checker.DefaultThresholds)
	if never.WriteResumeS["kill pg-a@4.0s"] != -1 || never.Pass {
		t.Errorf("token requests that never came back: resume = %v, pass = %v", never.WriteResumeS, never.Pass)
	}
}

// TestWriteGapEndsAtLastAttempt: after the workload stops (the sweep takes the history on), no
// write is attempted, and that is no gap; writes failing until the end are.
func TestWriteGapEndsAtLastAttempt(t *testing.T) {
	h := *load(t, "clean")
	h.Duration = 60 * time.Second
	if r := checker.Check(&h, checker.DefaultThresholds); r.LongestWriteGapS < 6.98 || r.LongestWriteGapS > 7.0 {
		t.Errorf("longest write gap = %v with a long sweep after the workload, want 6.99", r.LongestWriteGapS)
	}
	h.Ops = append(append([]checker.Op(nil), h.Ops...),
		checker.Op{Region: "a", Kind: checker.Write, Start: 20 * time.Second, End: 20500 * time.Millisecond, Error: "unavailable"})
	if r := checker.Check(&h, checker.DefaultThresholds); r.LongestWriteGapS < 11.47 || r.LongestWriteGapS > 11.49 {
		t.Errorf("longest write gap = %v with writes failing from 9.02 s to 20.5 s, want 11.48", r.LongestWriteGapS)
	}
}

// TestIsolatedPrimaryIsNoSplitBrain: a node out of recovery that cannot commit (a stalled leader
// awake after a failover) next to the new primary is counted, and is no second writer; two that
// commit are.
func TestIsolatedPrimaryIsNoSplitBrain(t *testing.T) {
	h := *load(t, "clean")
	h.Samples = []checker.Sample{
		{Round: 7, At: 3 * time.Second, Node: "pg-a", Role: checker.Isolated},
		{Round: 7, At: 3 * time.Second, Node: "pg-b", Role: checker.Primary},
		{Round: 7, At: 3 * time.Second, Node: "pg-c", Role: checker.Replica},
	}
	r := checker.Check(&h, checker.DefaultThresholds)
	if len(r.SplitBrain) != 0 || r.IsolatedRounds != 1 || !r.Pass {
		t.Errorf("split brain %v, isolated rounds %d, pass %v; want none, 1, true", r.SplitBrain, r.IsolatedRounds, r.Pass)
	}
	h.Samples[0].Role = checker.Primary
	if r := checker.Check(&h, checker.DefaultThresholds); len(r.SplitBrain) != 1 || r.Pass {
		t.Errorf("two committing primaries: split brain %v, pass %v", r.SplitBrain, r.Pass)
	}
}

func TestInvalidSessionHistory(t *testing.T) {
	r := checker.Check(load(t, "invalid-session"), checker.DefaultThresholds)
	if r.Pass {
		t.Fatal("a history with whoami answering acknowledged sessions wrongly passes")
	}
	if r.IssuedSessions != 2 || len(r.InvalidSessions) != 2 {
		t.Fatalf("issued sessions = %d, invalid = %+v; want 2 and 2", r.IssuedSessions, r.InvalidSessions)
	}
	// Not active in c; active but of another identity in a.
	if v := r.InvalidSessions[0]; v.Region != "c" || v.Tuple != "session:02" || v.Allowed {
		t.Errorf("first invalid session = %+v, want session:02 answered 401 in c", v)
	}
	if v := r.InvalidSessions[1]; v.Region != "a" || v.Identity != "id-2" {
		t.Errorf("second invalid session = %+v, want session:01 answered as id-2's in a", v)
	}
	wantFailure(t, r, "2 whoami calls in surviving regions found an acknowledged session invalid (first: session:02 in c at 9.5s, logged in at 9.1s: no active session)")
	if got := r.Kinds[checker.Whoami]; got.Ops != 3 || got.Errors != 0 {
		t.Errorf("whoami calls = %+v, want 3 without errors", got)
	}
	if got := r.Kinds[checker.Login]; got.Ops != 3 || got.Errors != 1 {
		t.Errorf("logins = %+v, want 3 with 1 error", got)
	}
	// The login at 9 s is the first after the kill at 4 s: 5.1 s, later than the tuple writes.
	if got := r.WriteResumeS["kill pg-a@4.0s"]; got < 5.09 || got > 5.11 {
		t.Errorf("write resume = %v, want 5.1 (logins came back last)", got)
	}
}

// TestSessions adds the identity workload to the clean history, one rule at a time: whoami
// calls are reads and logins writes; an acknowledged session answered 401, or as another
// identity's, in a surviving region fails the run, and in a region that is down does not;
// logins that never succeed, or come back too late after the leader's loss, fail it.
func TestSessions(t *testing.T) {
	ms := time.Millisecond
	base := load(t, "clean")
	with := func(ops ...checker.Op) *checker.History {
		h := *base
		h.Ops = append(append([]checker.Op(nil), base.Ops...), ops...)
		return &h
	}
	login := checker.Op{Region: "a", Kind: checker.Login, Start: 1000 * ms, End: 1100 * ms, OK: true, Tuple: "session:01", Identity: "id-1"}
	valid := checker.Op{Region: "c", Kind: checker.Whoami, Start: 1200 * ms, End: 1210 * ms, OK: true, Allowed: true, Tuple: "session:01", Acked: 1100 * ms, Identity: "id-1"}
	unauthorized := checker.Op{Region: "b", Kind: checker.Whoami, Start: 2000 * ms, End: 2010 * ms, OK: true, Tuple: "session:01", Acked: 1100 * ms}
	other := valid
	other.Identity = "id-2"
	unavailable := checker.Op{Region: "b", Kind: checker.Whoami, Start: 4500 * ms, End: 6500 * ms, Tuple: "session:01", Acked: 1100 * ms, Error: "GET /sessions/whoami: 503 Service Unavailable"}
	failedLogin := checker.Op{Region: "b", Kind: checker.Login, Start: 4500 * ms, End: 4600 * ms, Identity: "id-2", Error: "unavailable"}
	// Logins come back after the kill at 4 s, as tuple writes do.
	resumed := checker.Op{Region: "b", Kind: checker.Login, Start: 9000 * ms, End: 9100 * ms, OK: true, Tuple: "session:02", Identity: "id-2"}
	lateLogin := checker.Op{Region: "b", Kind: checker.Login, Start: 25000 * ms, End: 25100 * ms, OK: true, Tuple: "session:02", Identity: "id-2"}

	r := checker.Check(with(login, valid, failedLogin, resumed), checker.DefaultThresholds)
	if !r.Pass || r.IssuedSessions != 2 || len(r.InvalidSessions) != 0 {
		t.Errorf("valid sessions: pass %v, issued %d, invalid %v; failures %v", r.Pass, r.IssuedSessions, r.InvalidSessions, r.Failures)
	}
	if r.Regions[2].Reads != 3 || r.Regions[1].Writes != 3 || r.Regions[1].WriteErrors != 1 {
		t.Errorf("whoami is a read and a login a write: regions %+v", r.Regions)
	}

	for name, op := range map[string]checker.Op{"401": unauthorized, "another identity": other} {
		r := checker.Check(with(login, resumed, op), checker.DefaultThresholds)
		if r.Pass || len(r.InvalidSessions) != 1 {
			t.Errorf("whoami answering %s: pass %v, invalid %v", name, r.Pass, r.InvalidSessions)
		}
		wantFailure(t, r, "found an acknowledged session invalid")
		// The same answer from a region that is down counts nowhere.
		h := with(login, resumed, op)
		h.Faults = append([]checker.Fault{{Name: "partition region " + op.Region, Start: 1150 * ms, End: 3000 * ms, Down: []string{op.Region}}}, h.Faults...)
		if r := checker.Check(h, checker.DefaultThresholds); !r.Pass || len(r.InvalidSessions) != 0 {
			t.Errorf("whoami answering %s in a region that is down: pass %v, invalid %v, failures %v", name, r.Pass, r.InvalidSessions, r.Failures)
		}
	}

	// A session not acknowledged is held to nothing: a whoami of it before its login ended, or
	// of a fingerprint no login returned.
	early := unauthorized
	early.Start, early.End = 1050*ms, 1060*ms
	stranger := unauthorized
	stranger.Tuple = "session:99"
	if r := checker.Check(with(login, resumed, early, stranger), checker.DefaultThresholds); !r.Pass {
		t.Errorf("whoami of sessions not acknowledged: %v", r.Failures)
	}

	// An unavailable whoami is no invalid session, but counts against reads.
	r = checker.Check(with(login, resumed, valid, unavailable), checker.DefaultThresholds)
	if len(r.InvalidSessions) != 0 || r.ReadAvailability >= 1 || r.Kinds[checker.Whoami].Errors != 1 {
		t.Errorf("unavailable whoami: invalid %v, read availability %v, whoami %+v", r.InvalidSessions, r.ReadAvailability, r.Kinds[checker.Whoami])
	}
	wantFailure(t, r, "reads in surviving regions")

	r = checker.Check(with(failedLogin), checker.DefaultThresholds)
	if r.Pass || !r.LoginsFailedAll {
		t.Errorf("no login succeeded: pass %v, logins failed all %v", r.Pass, r.LoginsFailedAll)
	}
	wantFailure(t, r, "no login succeeded")

	// Logins back 21.1 s after the kill at 4 s: too late, though tuple writes were back sooner.
	r = checker.Check(with(login, failedLogin, lateLogin), checker.DefaultThresholds)
	if got := r.WriteResumeS["kill pg-a@4.0s"]; r.Pass || got < 21.09 || got > 21.11 {
		t.Errorf("late logins: pass %v, write resume %v, want a failure at 21.1", r.Pass, got)
	}
	wantFailure(t, r, "writes resumed 21.1s after kill pg-a@4.0s")
}

// TestRejudgedHistoryGivesSameResult: what `ward chaos check` reads back from history.json is
// judged exactly as the run judged it, sessions included.
func TestRejudgedHistoryGivesSameResult(t *testing.T) {
	for _, name := range []string{"clean", "invalid-session", "lost-write"} {
		h := load(t, name)
		want, err := json.Marshal(checker.Check(h, checker.DefaultThresholds))
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "history.json")
		if err := checker.WriteHistory(file, h); err != nil {
			t.Fatal(err)
		}
		back, err := checker.ReadHistory(file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(checker.Check(back, checker.DefaultThresholds))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: judged again from the file:\n%s\nwant\n%s", name, got, want)
		}
	}
}

// TestSessionReport: the summary counts sessions and lists the operations by kind; a history
// without logins says nothing of sessions.
func TestSessionReport(t *testing.T) {
	var b strings.Builder
	if err := checker.Summary(&b, checker.Check(load(t, "invalid-session"), checker.DefaultThresholds)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"issued sessions: 2, found invalid: 2", "whoami 3 (0 errors)", "login 3 (1 errors)", "check_min 2 (0 errors)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the summary lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := checker.Summary(&b, checker.Check(load(t, "clean"), checker.DefaultThresholds)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "sessions") {
		t.Errorf("a history without logins reports sessions:\n%s", b.String())
	}
}
