package checker

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Thresholds are what a scenario must meet to pass.
type Thresholds struct {
	// ReadAvailability is the least share of successful reads in surviving regions (0.999).
	ReadAvailability float64 `json:"read_availability"`
	// WriteResume is the longest a fault with LeaderLoss may keep writes from succeeding,
	// counted from the fault to the end of the first successful write started after it (20 s).
	WriteResume time.Duration `json:"write_resume_ns"`
}

// DefaultThresholds are the issue's: 99.9% of reads, writes back within 20 s.
var DefaultThresholds = Thresholds{ReadAvailability: 0.999, WriteResume: 20 * time.Second}

// Result is the judgement of a history.
type Result struct {
	Scenario   string     `json:"scenario"`
	Pass       bool       `json:"pass"`
	Failures   []string   `json:"failures,omitempty"`
	Thresholds Thresholds `json:"thresholds"`
	DurationS  float64    `json:"duration_s"`

	// Regions summarizes each region's operations; only those made while the region survived
	// count towards availability.
	Regions []RegionSummary `json:"regions"`
	// ReadAvailability and WriteAvailability are the shares of successful reads (checks of
	// both kinds, introspections, whoami) and writes (tuple writes, token requests, logins)
	// made in surviving regions, all regions together.
	ReadAvailability  float64 `json:"read_availability"`
	WriteAvailability float64 `json:"write_availability"`
	// Kinds counts the operations made in surviving regions by kind, all regions together.
	Kinds map[Kind]KindSummary `json:"kinds"`

	// LongestWriteGapS is the longest time between two successful writes of one kind (or from
	// the last one to the end of the last attempt), from the first successful one on, in any
	// region.
	LongestWriteGapS    float64 `json:"longest_write_gap_s"`
	LongestWriteGapFrom float64 `json:"longest_write_gap_from_s"`
	// WriteResumeS is, for each fault with LeaderLoss, how long writes took to come back —
	// every kind of write the workload made; -1 when one never did.
	WriteResumeS map[string]float64 `json:"write_resume_s,omitempty"`

	AckedWrites int         `json:"acked_writes"`
	LostWrites  []LostWrite `json:"lost_writes"`
	// Unverified lists the nodes whose tuples could not be read at the end.
	Unverified []string `json:"unverified,omitempty"`

	// ConsistencyViolations are CheckFresh operations that did not see the write their token
	// covers.
	ConsistencyViolations []Op `json:"consistency_violations"`
	// InactiveTokens are introspections that found an issued token inactive.
	InactiveTokens []Op `json:"inactive_tokens"`
	IssuedTokens   int  `json:"issued_tokens"`
	// InvalidSessions are whoami calls, made in a surviving region, that answered an
	// acknowledged session as not active (401) or as another identity's.
	InvalidSessions []Op `json:"invalid_sessions"`
	IssuedSessions  int  `json:"issued_sessions"`
	// LoginsFailedAll says that logins were tried and none succeeded: the identity workload had
	// nothing to look up.
	LoginsFailedAll bool `json:"logins_failed_all,omitempty"`
	// StaleReads are CheckMin operations that missed a write acknowledged longer than
	// MaxStaleness before the check started.
	StaleReads []Op `json:"stale_reads"`
	// MaxStalenessS is the largest staleness a CheckMin showed: the age of the write it missed
	// when it started (a lower bound on how old its snapshot was).
	MaxStalenessS  float64 `json:"max_staleness_s"`
	StalenessBound float64 `json:"staleness_bound_s"`

	// SplitBrain lists the poll rounds in which more than one node was writable.
	SplitBrain []SplitBrain `json:"split_brain"`
	PollRounds int          `json:"poll_rounds"`
	// IsolatedRounds counts the poll rounds with a node out of recovery that could not commit
	// (see [Isolated]): reported, not a failure.
	IsolatedRounds int `json:"isolated_rounds"`

	// Timeline has one point per second, region and kind.
	Timeline []Bucket `json:"timeline"`
	Faults   []Fault  `json:"faults"`
}

// RegionSummary counts one region's operations made while it survived.
type RegionSummary struct {
	Region            string  `json:"region"`
	Reads             int     `json:"reads"`
	ReadErrors        int     `json:"read_errors"`
	Writes            int     `json:"writes"`
	WriteErrors       int     `json:"write_errors"`
	ReadAvailability  float64 `json:"read_availability"`
	WriteAvailability float64 `json:"write_availability"`
	// Excluded counts operations made while the region was down (killed, cut off).
	Excluded int `json:"excluded"`
}

// KindSummary counts the operations of one kind made in surviving regions.
type KindSummary struct {
	Ops    int `json:"ops"`
	Errors int `json:"errors"`
}

// LostWrite is an acknowledged write that a surviving node does not hold.
type LostWrite struct {
	Tuple  string  `json:"tuple"`
	Node   string  `json:"node"`
	AckedS float64 `json:"acked_s"`
}

// SplitBrain is a poll round that found several writable nodes.
type SplitBrain struct {
	Round int      `json:"round"`
	AtS   float64  `json:"at_s"`
	Nodes []string `json:"nodes"`
}

// Bucket is one second of one region's operations of one kind (by start time).
type Bucket struct {
	Second int    `json:"second"`
	Region string `json:"region"`
	Kind   Kind   `json:"kind"`
	OK     int    `json:"ok"`
	Errors int    `json:"errors"`
	// Latencies of the successful operations, in milliseconds.
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
	MaxMS float64 `json:"max_ms"`
}

func seconds(d time.Duration) float64 { return d.Seconds() }

// Check judges h against t.
func Check(h *History, t Thresholds) *Result {
	r := &Result{
		Scenario: h.Scenario, Thresholds: t, DurationS: seconds(h.Duration), Faults: h.Faults,
		StalenessBound: seconds(h.MaxStaleness), LostWrites: []LostWrite{},
		ConsistencyViolations: []Op{}, InactiveTokens: []Op{}, InvalidSessions: []Op{}, StaleReads: []Op{}, SplitBrain: []SplitBrain{},
	}
	r.availability(h)
	r.writeGaps(h)
	r.lostWrites(h)
	r.reads(h)
	r.sessions(h)
	r.splitBrain(h)
	r.Timeline = timeline(h)
	r.judge(h, t)
	return r
}

func (r *Result) availability(h *History) {
	sums := map[string]*RegionSummary{}
	for _, name := range h.Regions {
		sums[name] = &RegionSummary{Region: name}
	}
	var reads, readOK, writes, writeOK int
	r.Kinds = map[Kind]KindSummary{}
	for _, op := range h.Ops {
		s := sums[op.Region]
		if s == nil {
			s = &RegionSummary{Region: op.Region}
			sums[op.Region] = s
		}
		if h.down(op.Region, op.Start, op.End) {
			s.Excluded++
			continue
		}
		k := r.Kinds[op.Kind]
		k.Ops++
		if !op.OK {
			k.Errors++
		}
		r.Kinds[op.Kind] = k
		if op.Kind.write() {
			s.Writes++
			writes++
			if op.OK {
				writeOK++
			} else {
				s.WriteErrors++
			}
			continue
		}
		s.Reads++
		reads++
		if op.OK {
			readOK++
		} else {
			s.ReadErrors++
		}
	}
	for _, s := range sums {
		s.ReadAvailability = share(s.Reads-s.ReadErrors, s.Reads)
		s.WriteAvailability = share(s.Writes-s.WriteErrors, s.Writes)
		r.Regions = append(r.Regions, *s)
	}
	slices.SortFunc(r.Regions, func(a, b RegionSummary) int { return cmp.Compare(a.Region, b.Region) })
	r.ReadAvailability = share(readOK, reads)
	r.WriteAvailability = share(writeOK, writes)
}

// share is ok/n, and 1 when there was nothing to count.
func share(ok, n int) float64 {
	if n == 0 {
		return 1
	}
	return float64(ok) / float64(n)
}

func (r *Result) writeGaps(h *History) {
	acks := map[Kind][]time.Duration{Write: nil} // tuple writes are always judged
	// A gap runs until the next success, or at the end until the last attempt: after the
	// workload stops (the sweep, the verification) nobody writes.
	last := map[Kind]time.Duration{}
	for _, op := range h.Ops {
		if op.Kind.write() {
			last[op.Kind] = max(last[op.Kind], op.End)
			if op.OK {
				acks[op.Kind] = append(acks[op.Kind], op.End)
			} else if _, ok := acks[op.Kind]; !ok {
				acks[op.Kind] = nil
			}
		}
	}
	for kind, at := range acks {
		if len(at) == 0 {
			r.LongestWriteGapS = seconds(h.Duration)
			continue
		}
		slices.Sort(at)
		at = append(at, max(last[kind], at[len(at)-1]))
		for i := 1; i < len(at); i++ {
			if gap := seconds(at[i] - at[i-1]); gap > r.LongestWriteGapS {
				r.LongestWriteGapS, r.LongestWriteGapFrom = gap, seconds(at[i-1])
			}
		}
	}
	for _, f := range h.Faults {
		if !f.LeaderLoss {
			continue
		}
		if r.WriteResumeS == nil {
			r.WriteResumeS = map[string]float64{}
		}
		// The time until every kind of write has succeeded again.
		resume := 0.0
		for kind := range acks {
			first := -1.0
			for _, op := range h.Ops {
				if op.Kind == kind && op.OK && op.Start >= f.Start {
					if d := seconds(op.End - f.Start); first < 0 || d < first {
						first = d
					}
				}
			}
			if first < 0 {
				resume = -1
				break
			}
			resume = max(resume, first)
		}
		r.WriteResumeS[faultKey(f)] = resume
	}
}

func faultKey(f Fault) string { return fmt.Sprintf("%s@%.1fs", f.Name, seconds(f.Start)) }

func (r *Result) lostWrites(h *History) {
	acked := map[string]time.Duration{}
	for _, op := range h.Ops {
		if op.Kind == Write && op.OK {
			acked[op.Tuple] = op.End
		}
	}
	r.AckedWrites = len(acked)
	for _, op := range h.Ops {
		if op.Kind == IssueToken && op.OK {
			r.IssuedTokens++
		}
	}
	for _, n := range h.Final {
		if n.Error != "" {
			r.Unverified = append(r.Unverified, n.Node)
			continue
		}
		held := make(map[string]bool, len(n.Tuples))
		for _, t := range n.Tuples {
			held[t] = true
		}
		for tuple, at := range acked {
			if !held[tuple] {
				r.LostWrites = append(r.LostWrites, LostWrite{Tuple: tuple, Node: n.Node, AckedS: seconds(at)})
			}
		}
	}
	slices.SortFunc(r.LostWrites, func(a, b LostWrite) int {
		return cmp.Or(cmp.Compare(a.AckedS, b.AckedS), cmp.Compare(a.Tuple, b.Tuple), cmp.Compare(a.Node, b.Node))
	})
}

func (r *Result) reads(h *History) {
	for _, op := range h.Ops {
		if !op.OK || op.Allowed {
			continue
		}
		switch op.Kind {
		case CheckFresh:
			r.ConsistencyViolations = append(r.ConsistencyViolations, op)
		case Introspect:
			r.InactiveTokens = append(r.InactiveTokens, op)
		case CheckMin:
			age := op.Start - op.Acked
			r.MaxStalenessS = max(r.MaxStalenessS, seconds(age))
			if age > h.MaxStaleness {
				r.StaleReads = append(r.StaleReads, op)
			}
		}
	}
}

// sessions judges the identity workload: every whoami of an acknowledged session made in a
// surviving region must find it active and the identity's that logged in. A region that is
// down may answer anything; its failures count nowhere.
func (r *Result) sessions(h *History) {
	type login struct {
		identity string
		at       time.Duration
	}
	acked := map[string]login{}
	tried := 0
	for _, op := range h.Ops {
		if op.Kind != Login {
			continue
		}
		tried++
		if op.OK {
			acked[op.Tuple] = login{op.Identity, op.End}
		}
	}
	r.IssuedSessions = len(acked)
	r.LoginsFailedAll = tried > 0 && len(acked) == 0
	for _, op := range h.Ops {
		if op.Kind != Whoami || !op.OK || h.down(op.Region, op.Start, op.End) {
			continue
		}
		l, ok := acked[op.Tuple]
		if !ok || op.Start < l.at {
			continue // not a session acknowledged before the call began: nothing to hold it to
		}
		if !op.Allowed || op.Identity != l.identity {
			r.InvalidSessions = append(r.InvalidSessions, op)
		}
	}
}

func (r *Result) splitBrain(h *History) {
	type round struct {
		at       time.Duration
		writers  []string
		isolated bool
	}
	rounds := map[int]*round{}
	for _, s := range h.Samples {
		rd := rounds[s.Round]
		if rd == nil {
			rd = &round{at: s.At}
			rounds[s.Round] = rd
		}
		switch s.Role {
		case Primary:
			rd.writers = append(rd.writers, s.Node)
		case Isolated:
			rd.isolated = true
		}
	}
	r.PollRounds = len(rounds)
	for n, rd := range rounds {
		if rd.isolated {
			r.IsolatedRounds++
		}
		if len(rd.writers) > 1 {
			slices.Sort(rd.writers)
			r.SplitBrain = append(r.SplitBrain, SplitBrain{Round: n, AtS: seconds(rd.at), Nodes: rd.writers})
		}
	}
	slices.SortFunc(r.SplitBrain, func(a, b SplitBrain) int { return cmp.Compare(a.Round, b.Round) })
}

func timeline(h *History) []Bucket {
	type key struct {
		second int
		region string
		kind   Kind
	}
	lat := map[key][]float64{}
	buckets := map[key]*Bucket{}
	for _, op := range h.Ops {
		k := key{int(op.Start / time.Second), op.Region, op.Kind}
		b := buckets[k]
		if b == nil {
			b = &Bucket{Second: k.second, Region: k.region, Kind: k.kind}
			buckets[k] = b
		}
		if op.OK {
			b.OK++
			lat[k] = append(lat[k], float64(op.End-op.Start)/float64(time.Millisecond))
		} else {
			b.Errors++
		}
	}
	out := make([]Bucket, 0, len(buckets))
	for k, b := range buckets {
		if l := lat[k]; len(l) > 0 {
			slices.Sort(l)
			b.P50MS, b.P99MS, b.MaxMS = quantile(l, 0.5), quantile(l, 0.99), l[len(l)-1]
		}
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b Bucket) int {
		return cmp.Or(cmp.Compare(a.Second, b.Second), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}

// quantile is the nearest-rank q-quantile of sorted values.
func quantile(sorted []float64, q float64) float64 {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (r *Result) judge(h *History, t Thresholds) {
	fail := func(format string, args ...any) { r.Failures = append(r.Failures, fmt.Sprintf(format, args...)) }
	if n := len(r.LostWrites); n > 0 {
		lw := r.LostWrites[0]
		fail("%d acknowledged writes missing on surviving nodes (first: %s on %s, acknowledged at %.1fs)", n, lw.Tuple, lw.Node, lw.AckedS)
	}
	if len(r.Unverified) > 0 {
		fail("could not read the tuples of %v to verify acknowledged writes", r.Unverified)
	}
	if len(h.Final) == 0 && r.AckedWrites > 0 {
		fail("no database node was verified for lost writes")
	}
	if n := len(r.ConsistencyViolations); n > 0 {
		v := r.ConsistencyViolations[0]
		fail("%d checks at least as fresh as a write's token did not see it (first: %s in %s at %.1fs)", n, v.Tuple, v.Region, seconds(v.Start))
	}
	if n := len(r.InactiveTokens); n > 0 {
		v := r.InactiveTokens[0]
		fail("%d introspections found an issued token inactive (first: %s in %s at %.1fs, issued at %.1fs)", n, v.Tuple, v.Region, seconds(v.Start), seconds(v.Acked))
	}
	if n := len(r.InvalidSessions); n > 0 {
		v := r.InvalidSessions[0]
		answer := "no active session"
		if v.Allowed {
			answer = "a session of identity " + v.Identity
		}
		fail("%d whoami calls in surviving regions found an acknowledged session invalid (first: %s in %s at %.1fs, logged in at %.1fs: %s)",
			n, v.Tuple, v.Region, seconds(v.Start), seconds(v.Acked), answer)
	}
	if r.LoginsFailedAll {
		fail("no login succeeded: the identity workload had no session to look up")
	}
	if n := len(r.StaleReads); n > 0 {
		v := r.StaleReads[0]
		fail("%d minimize_latency checks missed a write older than max_staleness %s (first: %s in %s at %.1fs, %.1fs after its acknowledgement)",
			n, h.MaxStaleness, v.Tuple, v.Region, seconds(v.Start), seconds(v.Start-v.Acked))
	}
	if n := len(r.SplitBrain); n > 0 {
		sb := r.SplitBrain[0]
		fail("split brain in %d poll rounds (first at %.1fs: %v writable)", n, sb.AtS, sb.Nodes)
	}
	if r.ReadAvailability < t.ReadAvailability {
		fail("reads in surviving regions %.3f%% successful, below %.3f%%", 100*r.ReadAvailability, 100*t.ReadAvailability)
	}
	for _, f := range h.Faults {
		if !f.LeaderLoss {
			continue
		}
		switch d := r.WriteResumeS[faultKey(f)]; {
		case d < 0:
			fail("writes never resumed after %s", faultKey(f))
		case d > seconds(t.WriteResume):
			fail("writes resumed %.1fs after %s, more than %s", d, faultKey(f), t.WriteResume)
		}
	}
	if r.AckedWrites == 0 {
		fail("no write was acknowledged: the workload did not run")
	}
	r.Pass = len(r.Failures) == 0
}
