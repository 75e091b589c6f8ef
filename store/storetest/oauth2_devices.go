package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

func newDevice(deviceCodeKey, userCodeKey string) *store.DeviceAuthorization {
	return &store.DeviceAuthorization{
		DeviceCodeKey: deviceCodeKey,
		UserCodeKey:   userCodeKey,
		ClientID:      "tv",
		Scopes:        []string{"openid", "offline_access"},
		Audiences:     []string{"https://api.example"},
		State:         store.DevicePending,
		CreatedAt:     at(0),
		ExpiresAt:     at(15 * time.Minute),
		Data:          []byte(`{}`),
	}
}

func testDevice(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	d := newDevice("dc1", "uc1")
	if err := s.CreateDeviceAuthorization(ctx, d); err != nil {
		t.Fatal(err)
	}
	d.Scopes[0] = "admin"
	want := newDevice("dc1", "uc1")
	got, err := s.GetDeviceByUserCode(ctx, "uc1")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "GetDeviceByUserCode", got, want)
	got.Data = append(got.Data[:0], 'X')
	got, err = s.GetDeviceByDeviceCode(ctx, "dc1")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "GetDeviceByDeviceCode", got, want)
	_, err = s.GetDeviceByUserCode(ctx, "dc1")
	wantCode(t, err, fault.NotFound)
	_, err = s.GetDeviceByDeviceCode(ctx, "uc1")
	wantCode(t, err, fault.NotFound)

	wantCode(t, s.CreateDeviceAuthorization(ctx, newDevice("dc1", "uc2")), fault.AlreadyExists)
	wantCode(t, s.CreateDeviceAuthorization(ctx, newDevice("dc2", "uc1")), fault.AlreadyExists)
	_, err = s.GetDeviceByUserCode(ctx, "uc2")
	wantCode(t, err, fault.NotFound)

	approved := newDevice("dc1", "uc1")
	approved.State, approved.Subject, approved.Data = store.DeviceApproved, "alice", []byte(`{"granted":["openid"]}`)
	if err := s.UpdateDeviceAuthorization(ctx, approved, store.DevicePending); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetDeviceByUserCode(ctx, "uc1")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "approved authorization", got, approved)
	denied := *approved
	denied.State, denied.Subject = store.DeviceDenied, ""
	wantCode(t, s.UpdateDeviceAuthorization(ctx, &denied, store.DevicePending), fault.FailedPrecondition)
	wantCode(t, s.UpdateDeviceAuthorization(ctx, newDevice("nope", "nope"), store.DevicePending), fault.NotFound)
	done := *approved
	done.State = store.DeviceDone
	if err := s.UpdateDeviceAuthorization(ctx, &done, store.DeviceApproved); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetDeviceByDeviceCode(ctx, "dc1")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "exchanged authorization", got, &done)
}

func testPollDevice(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	if err := s.CreateDeviceAuthorization(ctx, newDevice("dc1", "uc1")); err != nil {
		t.Fatal(err)
	}
	was, err := s.PollDevice(ctx, "dc1", at(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	same(t, "PollDevice, first", was, newDevice("dc1", "uc1"))
	was, err = s.PollDevice(ctx, "dc1", at(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if !was.LastPolledAt.Equal(at(5 * time.Second)) {
		t.Errorf("second PollDevice returned LastPolledAt %v, want %v", was.LastPolledAt, at(5*time.Second))
	}
	got, err := s.GetDeviceByDeviceCode(ctx, "dc1")
	if err != nil {
		t.Fatal(err)
	}
	if !got.LastPolledAt.Equal(at(10 * time.Second)) {
		t.Errorf("LastPolledAt = %v after polls, want %v", got.LastPolledAt, at(10*time.Second))
	}
	_, err = s.PollDevice(ctx, "nope", at(0))
	wantCode(t, err, fault.NotFound)
}

// testPollDeviceConcurrent polls from 8 goroutines at once, each with its own time: if each poll
// reads and writes atomically, the polls form one chain, each returning the time the one before
// it set, so every time but the last is returned exactly once, and so is zero.
func testPollDeviceConcurrent(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	if err := s.CreateDeviceAuthorization(ctx, newDevice("dc1", "uc1")); err != nil {
		t.Fatal(err)
	}
	const n = 8
	prev := make([]time.Time, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			was, err := s.PollDevice(ctx, "dc1", at(time.Duration(i+1)*time.Second))
			if err != nil {
				t.Errorf("PollDevice %d: %v", i, err)
				return
			}
			prev[i] = was.LastPolledAt
		})
	}
	close(start)
	wg.Wait()
	got, err := s.GetDeviceByDeviceCode(ctx, "dc1")
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{{}}
	for i := range n {
		if set := at(time.Duration(i+1) * time.Second); !set.Equal(got.LastPolledAt) {
			want = append(want, set)
		}
	}
	sortTimes := func(ts []time.Time) []time.Time {
		ts = slices.Clone(ts)
		for i := range ts {
			ts[i] = ts[i].UTC()
		}
		slices.SortFunc(ts, time.Time.Compare)
		return ts
	}
	if g, w := sortTimes(prev), sortTimes(want); !slices.EqualFunc(g, w, time.Time.Equal) {
		t.Errorf("concurrent polls returned %v; want each earlier poll's time once: %v", g, w)
	}
}

func testSigningKeys(t *testing.T, s store.OAuth2Store) {
	ctx := context.Background()
	key := func(id string, created time.Duration) *store.SigningKey {
		return &store.SigningKey{ID: id, Algorithm: "ES256", PrivateKey: []byte("der:" + id), CreatedAt: at(created)}
	}
	for _, k := range []*store.SigningKey{key("k1", 0), key("k3", time.Hour), key("k2", time.Hour), key("k0", 2*time.Hour)} {
		if err := s.CreateSigningKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, s.CreateSigningKey(ctx, key("k1", 3*time.Hour)), fault.AlreadyExists)
	list, err := s.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "ListSigningKeys", list, []*store.SigningKey{key("k0", 2*time.Hour), key("k3", time.Hour), key("k2", time.Hour), key("k1", 0)})
	list[0].PrivateKey[0] = 'X'

	if err := s.RetireSigningKey(ctx, "k1", at(3*time.Hour), at(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RetireSigningKey(ctx, "k2", at(3*time.Hour), at(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.RetireSigningKey(ctx, "k1", at(6*time.Hour), at(7*time.Hour)), fault.FailedPrecondition)
	wantCode(t, s.RetireSigningKey(ctx, "nope", at(6*time.Hour), at(7*time.Hour)), fault.NotFound)
	k1, k2 := key("k1", 0), key("k2", time.Hour)
	k1.RetiredAt, k1.PublishUntil = at(3*time.Hour), at(4*time.Hour)
	k2.RetiredAt, k2.PublishUntil = at(3*time.Hour), at(5*time.Hour)
	list, err = s.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "ListSigningKeys after retiring", list, []*store.SigningKey{key("k0", 2*time.Hour), key("k3", time.Hour), k2, k1})

	// Only retired keys go, and only once published long enough; PublishUntil == before stays.
	n, err := s.DeleteSigningKeys(ctx, at(4*time.Hour))
	wantCount(t, "DeleteSigningKeys(+4h)", n, err, 0)
	n, err = s.DeleteSigningKeys(ctx, at(4*time.Hour+time.Microsecond))
	wantCount(t, "DeleteSigningKeys(+4h1µs)", n, err, 1)
	n, err = s.DeleteSigningKeys(ctx, at(100*time.Hour))
	wantCount(t, "DeleteSigningKeys(+100h)", n, err, 1)
	list, err = s.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "ListSigningKeys after deleting", list, []*store.SigningKey{key("k0", 2*time.Hour), key("k3", time.Hour)})

	// The private key is replaced only while it is what the caller read.
	if err := s.ReplaceSigningKeyPrivateKey(ctx, "k3", []byte("der:k3"), []byte("sealed:k3")); err != nil {
		t.Fatalf("ReplaceSigningKeyPrivateKey: %v", err)
	}
	wantCode(t, s.ReplaceSigningKeyPrivateKey(ctx, "k3", []byte("der:k3"), []byte("other")), fault.FailedPrecondition)
	wantCode(t, s.ReplaceSigningKeyPrivateKey(ctx, "nope", []byte("der:k3"), []byte("other")), fault.NotFound)
	list, err = s.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	k3 := key("k3", time.Hour)
	k3.PrivateKey = []byte("sealed:k3")
	same(t, "ListSigningKeys after replacing a private key", list, []*store.SigningKey{key("k0", 2*time.Hour), k3})
}
