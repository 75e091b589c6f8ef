package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// TestCourier runs the suite of [store.CourierStore] against the stores newStore returns: the
// contract of store/courier.go written as tests. Each subtest asks for its own store, which must
// be empty; newStore arranges for it to be closed.
func TestCourier(t *testing.T, newStore func(t *testing.T) store.CourierStore) {
	tests := []struct {
		name string
		test func(t *testing.T, s store.CourierStore)
	}{
		{"EnqueueAndGet", testCourierEnqueueAndGet},
		{"EnqueueInvalid", testCourierEnqueueInvalid},
		{"Claim", testCourierClaim},
		{"LeaseExpiry", testCourierLeaseExpiry},
		{"Retry", testCourierRetry},
		{"Abandon", testCourierAbandon},
		{"List", testCourierList},
		{"ClaimConcurrent", testCourierClaimConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newStore(t)) })
	}
}

// courierEpoch is the suite's "now": a time with microsecond precision, which every store keeps.
var courierEpoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// courierMessage returns the n-th fixture message, created n seconds after courierEpoch and due
// then.
func courierMessage(n int) *store.CourierMessage {
	at := courierEpoch.Add(time.Duration(n) * time.Second)
	return &store.CourierMessage{
		ID: mid(n), Type: "email", Recipient: fmt.Sprintf("user%d@example.com", n%3),
		Subject: fmt.Sprintf("subject %d", n), Body: "plain ünïcode", HTMLBody: "<p>html</p>",
		TemplateType: "recovery_code_valid", DueAt: at, CreatedAt: at, UpdatedAt: at,
	}
}

func enqueue(t *testing.T, s store.CourierStore, ms ...*store.CourierMessage) {
	t.Helper()
	for _, m := range ms {
		if err := s.EnqueueMessage(context.Background(), m); err != nil {
			t.Fatalf("EnqueueMessage(%s): %v", m.ID, err)
		}
	}
}

func claim(t *testing.T, s store.CourierStore, now time.Time, lease time.Duration, limit int) []*store.CourierMessage {
	t.Helper()
	ms, err := s.ClaimMessages(context.Background(), now, lease, limit)
	if err != nil {
		t.Fatalf("ClaimMessages: %v", err)
	}
	return ms
}

func getMessage(t *testing.T, s store.CourierStore, id string) *store.CourierMessage {
	t.Helper()
	m, err := s.GetMessage(context.Background(), id)
	if err != nil {
		t.Fatalf("GetMessage(%s): %v", id, err)
	}
	return m
}

// mid returns the n-th fixture message ID, a version 4 UUID.
func mid(n int) string { return fmt.Sprintf("a0000000-0000-4000-8000-%012d", n) }

func messageIDs(ms []*store.CourierMessage) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func testCourierEnqueueAndGet(t *testing.T, s store.CourierStore) {
	ctx := context.Background()
	in := courierMessage(1)
	in.ID = "A0000000-0000-4000-8000-000000000001"                // upper case: stored canonical
	in.Status, in.SendCount, in.Claim = store.CourierSent, 7, "x" // ignored
	enqueue(t, s, in)
	got := getMessage(t, s, mid(1))
	want := courierMessage(1)
	want.ID = "a0000000-0000-4000-8000-000000000001"
	if got.ID != want.ID || got.Status != store.CourierQueued || got.Type != want.Type || got.Recipient != want.Recipient ||
		got.Subject != want.Subject || got.Body != want.Body || got.HTMLBody != want.HTMLBody ||
		got.TemplateType != want.TemplateType || got.SendCount != 0 || got.Claim != "" || len(got.Dispatches) != 0 ||
		!got.DueAt.Equal(want.DueAt) || !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("GetMessage = %+v\nwant %+v", got, want)
	}
	if err := s.EnqueueMessage(ctx, courierMessage(1)); fault.CodeOf(err) != fault.AlreadyExists {
		t.Errorf("EnqueueMessage of a taken ID: %v, want AlreadyExists", err)
	}
	if _, err := s.GetMessage(ctx, mid(2)); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("GetMessage of a missing message: %v, want NotFound", err)
	}
	if _, err := s.GetMessage(ctx, "nope"); fault.CodeOf(err) != fault.InvalidArgument {
		t.Errorf("GetMessage(nope): %v, want InvalidArgument", err)
	}
}

func testCourierEnqueueInvalid(t *testing.T, s store.CourierStore) {
	for _, tc := range []struct {
		field string
		edit  func(m *store.CourierMessage)
	}{
		{"id", func(m *store.CourierMessage) { m.ID = "1" }},
		{"recipient", func(m *store.CourierMessage) { m.Recipient = "" }},
		{"type", func(m *store.CourierMessage) { m.Type = "" }},
		{"template_type", func(m *store.CourierMessage) { m.TemplateType = "" }},
		{"created_at", func(m *store.CourierMessage) { m.CreatedAt = time.Time{} }},
	} {
		m := courierMessage(1)
		tc.edit(m)
		wantFault(t, s.EnqueueMessage(context.Background(), m), fault.InvalidArgument, tc.field)
	}
	if got := claim(t, s, courierEpoch.Add(time.Hour), time.Minute, 10); len(got) != 0 {
		t.Errorf("a refused message was stored: %v", messageIDs(got))
	}
}

func testCourierClaim(t *testing.T, s store.CourierStore) {
	ctx := context.Background()
	enqueue(t, s, courierMessage(3), courierMessage(1), courierMessage(2), courierMessage(10))
	now := courierEpoch.Add(5 * time.Second)
	got := claim(t, s, now, time.Minute, 2)
	slices.SortFunc(got, func(a, b *store.CourierMessage) int { return strings.Compare(a.ID, b.ID) })
	if want := []string{mid(1), mid(2)}; fmt.Sprint(messageIDs(got)) != fmt.Sprint(want) {
		t.Fatalf("claimed %v, want the two oldest due %v", messageIDs(got), want)
	}
	for _, m := range got {
		if m.Status != store.CourierProcessing || m.Claim == "" || m.SendCount != 1 ||
			!m.DueAt.Equal(now.Add(time.Minute)) || !m.UpdatedAt.Equal(now) || m.Subject == "" {
			t.Errorf("claimed %+v, want processing with a claim, one send, due when the lease ends", m)
		}
	}
	if got[0].Claim == got[1].Claim {
		t.Errorf("two messages share the claim %s", got[0].Claim)
	}
	stored := getMessage(t, s, mid(1))
	if stored.Status != store.CourierProcessing || stored.Claim != got[0].Claim {
		t.Errorf("stored after claim: %+v", stored)
	}
	rest := claim(t, s, now, time.Minute, 10)
	if want := []string{mid(3)}; fmt.Sprint(messageIDs(rest)) != fmt.Sprint(want) {
		t.Errorf("second claim got %v, want %v: leased and not yet due messages are not claimed", messageIDs(rest), want)
	}

	if err := s.MarkMessageSent(ctx, mid(1), got[0].Claim, now.Add(time.Second)); err != nil {
		t.Fatalf("MarkMessageSent: %v", err)
	}
	sent := getMessage(t, s, mid(1))
	if sent.Status != store.CourierSent || sent.Claim != "" || len(sent.Dispatches) != 1 ||
		sent.Dispatches[0].Status != store.DispatchSuccess || sent.Dispatches[0].Error != "" ||
		sent.Dispatches[0].ID == "" || !sent.Dispatches[0].CreatedAt.Equal(now.Add(time.Second)) ||
		!sent.UpdatedAt.Equal(now.Add(time.Second)) {
		t.Errorf("after MarkMessageSent: %+v", sent)
	}
	if err := s.MarkMessageSent(ctx, mid(1), got[0].Claim, now); fault.CodeOf(err) != fault.FailedPrecondition {
		t.Errorf("MarkMessageSent twice: %v, want FailedPrecondition", err)
	}
	if err := s.MarkMessageSent(ctx, mid(2), "00000000-0000-4000-8000-000000000000", now); fault.CodeOf(err) != fault.FailedPrecondition {
		t.Errorf("MarkMessageSent with another claim: %v, want FailedPrecondition", err)
	}
	if err := s.MarkMessageSent(ctx, mid(99), got[0].Claim, now); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("MarkMessageSent of a missing message: %v, want NotFound", err)
	}
	// Oldest due first: message 10 was due before the leases of 2 and 3 ended.
	later := now.Add(time.Hour)
	if first := claim(t, s, later, time.Minute, 1); fmt.Sprint(messageIDs(first)) != fmt.Sprint([]string{mid(10)}) {
		t.Errorf("claim of one an hour later got %v, want %s, the oldest due", messageIDs(first), mid(10))
	}
	again := claim(t, s, later, time.Minute, 5)
	slices.SortFunc(again, func(a, b *store.CourierMessage) int { return strings.Compare(a.ID, b.ID) })
	if fmt.Sprint(messageIDs(again)) != fmt.Sprint([]string{mid(2), mid(3)}) {
		t.Errorf("claim an hour later got %v, want %s and %s: a sent message was claimed, or a lapsed lease was not", messageIDs(again), mid(2), mid(3))
	}
}

func testCourierLeaseExpiry(t *testing.T, s store.CourierStore) {
	ctx := context.Background()
	enqueue(t, s, courierMessage(1))
	now := courierEpoch.Add(time.Second)
	first := claim(t, s, now, 30*time.Second, 1)
	if len(first) != 1 {
		t.Fatalf("claimed %d messages, want 1", len(first))
	}
	if got := claim(t, s, now.Add(29*time.Second), 30*time.Second, 1); len(got) != 0 {
		t.Fatalf("claimed %v before the lease ended", messageIDs(got))
	}
	// The first sender died: after the lease the message is due again, to another.
	second := claim(t, s, now.Add(30*time.Second), 30*time.Second, 1)
	if len(second) != 1 || second[0].Claim == first[0].Claim || second[0].SendCount != 2 {
		t.Fatalf("after the lease: claimed %+v, want the message with a new claim and two sends", second)
	}
	if err := s.MarkMessageSent(ctx, mid(1), first[0].Claim, now.Add(31*time.Second)); fault.CodeOf(err) != fault.FailedPrecondition {
		t.Errorf("MarkMessageSent under the ended lease: %v, want FailedPrecondition", err)
	}
	if err := s.RetryMessage(ctx, mid(1), first[0].Claim, "late", now, now); fault.CodeOf(err) != fault.FailedPrecondition {
		t.Errorf("RetryMessage under the ended lease: %v, want FailedPrecondition", err)
	}
	if err := s.MarkMessageSent(ctx, mid(1), second[0].Claim, now.Add(31*time.Second)); err != nil {
		t.Errorf("MarkMessageSent under the current lease: %v", err)
	}
}

func testCourierRetry(t *testing.T, s store.CourierStore) {
	ctx := context.Background()
	enqueue(t, s, courierMessage(1))
	now := courierEpoch.Add(time.Second)
	c := claim(t, s, now, time.Minute, 1)
	retryAt := now.Add(10 * time.Second)
	if err := s.RetryMessage(ctx, mid(1), c[0].Claim, "421 try later", now, retryAt); err != nil {
		t.Fatalf("RetryMessage: %v", err)
	}
	m := getMessage(t, s, mid(1))
	if m.Status != store.CourierQueued || !m.DueAt.Equal(retryAt) || m.Claim != "" || m.SendCount != 1 ||
		len(m.Dispatches) != 1 || m.Dispatches[0].Status != store.DispatchFailed || m.Dispatches[0].Error != "421 try later" {
		t.Errorf("after RetryMessage: %+v", m)
	}
	if got := claim(t, s, retryAt.Add(-time.Microsecond), time.Minute, 1); len(got) != 0 {
		t.Errorf("claimed before retryAt: %v", messageIDs(got))
	}
	again := claim(t, s, retryAt, time.Minute, 1)
	if len(again) != 1 || again[0].SendCount != 2 {
		t.Fatalf("at retryAt: claimed %+v, want the message, its second send", again)
	}
	if err := s.MarkMessageSent(ctx, mid(1), again[0].Claim, retryAt); err != nil {
		t.Fatal(err)
	}
	m = getMessage(t, s, mid(1))
	if len(m.Dispatches) != 2 || m.Dispatches[0].Status != store.DispatchFailed || m.Dispatches[1].Status != store.DispatchSuccess {
		t.Errorf("dispatches %+v, want failed then success, oldest first", m.Dispatches)
	}
}

func testCourierAbandon(t *testing.T, s store.CourierStore) {
	ctx := context.Background()
	enqueue(t, s, courierMessage(1), courierMessage(2))
	now := courierEpoch.Add(time.Hour)
	c := claim(t, s, now, time.Minute, 2)
	if err := s.AbandonMessage(ctx, mid(1), c[0].Claim, "550 no such user", now); err != nil {
		t.Fatalf("AbandonMessage: %v", err)
	}
	if err := s.AbandonMessage(ctx, mid(2), c[1].Claim, "", now); err != nil {
		t.Fatalf("AbandonMessage without a reason: %v", err)
	}
	m1, m2 := getMessage(t, s, mid(1)), getMessage(t, s, mid(2))
	if m1.Status != store.CourierAbandoned || len(m1.Dispatches) != 1 || m1.Dispatches[0].Error != "550 no such user" {
		t.Errorf("after AbandonMessage: %+v", m1)
	}
	if m2.Status != store.CourierAbandoned || len(m2.Dispatches) != 0 {
		t.Errorf("after AbandonMessage without a reason: %+v, want no dispatch", m2)
	}
	if got := claim(t, s, now.Add(24*time.Hour), time.Minute, 10); len(got) != 0 {
		t.Errorf("abandoned messages were claimed: %v", messageIDs(got))
	}
	if err := s.AbandonMessage(ctx, mid(1), c[0].Claim, "", now); fault.CodeOf(err) != fault.FailedPrecondition {
		t.Errorf("AbandonMessage twice: %v, want FailedPrecondition", err)
	}
}

func testCourierList(t *testing.T, s store.CourierStore) {
	ctx := context.Background()
	for n := 1; n <= 7; n++ {
		enqueue(t, s, courierMessage(n))
	}
	// Two created at the same instant: the ID decides.
	tie := courierMessage(8)
	tie.CreatedAt = courierMessage(7).CreatedAt
	enqueue(t, s, tie)
	c := claim(t, s, courierEpoch.Add(time.Hour), time.Minute, 1) // mid(1) becomes processing
	if err := s.MarkMessageSent(ctx, c[0].ID, c[0].Claim, courierEpoch.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	list := func(f store.CourierFilter, after string, limit int) []string {
		t.Helper()
		ms, err := s.ListMessages(ctx, f, after, limit)
		if err != nil {
			t.Fatalf("ListMessages(%+v, %q, %d): %v", f, after, limit, err)
		}
		return messageIDs(ms)
	}
	all := []string{mid(8), mid(7), mid(6), mid(5), mid(4), mid(3), mid(2), mid(1)}
	if got := list(store.CourierFilter{}, "", 0); fmt.Sprint(got) != fmt.Sprint(all) {
		t.Errorf("all: %v\nwant %v", got, all)
	}
	var paged []string
	after := ""
	for range 10 {
		page := list(store.CourierFilter{}, after, 3)
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1]
	}
	if fmt.Sprint(paged) != fmt.Sprint(all) {
		t.Errorf("paged by 3: %v\nwant %v", paged, all)
	}
	if got, want := list(store.CourierFilter{Status: store.CourierSent}, "", 0), []string{mid(1)}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("status sent: %v, want %v", got, want)
	}
	// Recipients are user{n%3}.
	if got, want := list(store.CourierFilter{Recipient: "user1@example.com"}, "", 0), []string{mid(7), mid(4), mid(1)}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("recipient user1: %v, want %v", got, want)
	}
	if got, want := list(store.CourierFilter{Recipient: "user1@example.com", Status: store.CourierQueued}, mid(7), 1), []string{mid(4)}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("recipient user1, queued, after mid(7): %v, want %v", got, want)
	}
	for _, tc := range []struct {
		f     store.CourierFilter
		after string
		field string
	}{
		{store.CourierFilter{Status: "lost"}, "", "status"},
		{store.CourierFilter{}, "x", "page_token"},
		{store.CourierFilter{}, mid(99), "page_token"},
	} {
		_, err := s.ListMessages(ctx, tc.f, tc.after, 0)
		wantFault(t, err, fault.InvalidArgument, tc.field)
	}
}

// testCourierClaimConcurrent claims from many goroutines at once: every message goes to exactly
// one of them.
func testCourierClaimConcurrent(t *testing.T, s store.CourierStore) {
	const messages, claimers = 100, 8
	for n := 1; n <= messages; n++ {
		enqueue(t, s, courierMessage(n))
	}
	now := courierEpoch.Add(time.Hour)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range claimers {
		wg.Go(func() {
			for {
				ms, err := s.ClaimMessages(context.Background(), now, time.Minute, 7)
				if err != nil {
					t.Errorf("ClaimMessages: %v", err)
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != messages {
		t.Errorf("%d distinct messages claimed, want %d", len(seen), messages)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %s claimed %d times", id, n)
		}
	}
}
