package kratos_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	ory "github.com/ory/client-go"

	"github.com/wardhq/ward/identity/courier"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

// TestAdminCourierMessages reads the courier's queue with client-go's CourierAPI: list with the
// status and recipient filters and Link pagination, get, and Kratos's errors.
func TestAdminCourierMessages(t *testing.T) {
	st := memory.NewCourierStore()
	c, err := courier.New(st, courier.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ids []string
	for i, to := range []string{"a@example.com", "b@example.com", "a@example.com"} {
		id, err := c.Enqueue(ctx, courier.RecoveryCodeValid, to, map[string]any{"RecoveryCode": "12345" + string(rune('0'+i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		time.Sleep(time.Millisecond) // distinct creation times: the list is newest first
	}
	claimed, err := st.ClaimMessages(ctx, time.Now(), time.Minute, 1)
	if err != nil || len(claimed) != 1 || claimed[0].ID != ids[0] {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	if err := st.MarkMessageSent(ctx, ids[0], claimed[0].Claim, time.Now()); err != nil {
		t.Fatal(err)
	}

	e := newEnvWith(t, nil, envOptions{courier: c})
	api := e.adminClient.CourierAPI
	all, _, err := api.ListCourierMessages(e.ctx).Execute()
	if err != nil || len(all) != 3 || all[0].Id != ids[2] || all[2].Id != ids[0] {
		t.Fatalf("list: %+v %v; want the three, newest first", all, err)
	}
	for _, m := range all {
		if m.Body != courier.RedactedBody || m.Type != ory.COURIERMESSAGETYPE_EMAIL || m.TemplateType != courier.RecoveryCodeValid ||
			m.Subject != "Recover access to your account" || m.Channel == nil || *m.Channel != "email" {
			t.Errorf("listed %+v", m)
		}
	}
	sent, _, err := api.ListCourierMessages(e.ctx).Status(ory.COURIERMESSAGESTATUS_SENT).Execute()
	if err != nil || len(sent) != 1 || sent[0].Id != ids[0] || sent[0].SendCount != 1 {
		t.Errorf("status=sent: %+v %v", sent, err)
	}
	toA, _, err := api.ListCourierMessages(e.ctx).Recipient("a@example.com").Execute()
	if err != nil || len(toA) != 2 {
		t.Errorf("recipient=a@example.com: %d messages, %v; want 2", len(toA), err)
	}
	page, res, err := api.ListCourierMessages(e.ctx).PageSize(2).Execute()
	if err != nil || len(page) != 2 {
		t.Fatalf("page 1: %d %v", len(page), err)
	}
	page2, _, err := api.ListCourierMessages(e.ctx).PageSize(2).PageToken(nextToken(t, res)).Execute()
	if err != nil || len(page2) != 1 || page2[0].Id != ids[0] {
		t.Fatalf("page 2: %+v %v", page2, err)
	}

	m, _, err := api.GetCourierMessage(e.ctx, ids[0]).Execute()
	if err != nil || m.Id != ids[0] || m.Status != ory.COURIERMESSAGESTATUS_SENT || m.Recipient != "a@example.com" ||
		len(m.Dispatches) != 1 || m.Dispatches[0].Status != store.DispatchSuccess || m.Dispatches[0].MessageId != ids[0] ||
		m.CreatedAt.IsZero() || m.UpdatedAt.Before(m.CreatedAt) {
		t.Fatalf("get: %+v %v", m, err)
	}
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/admin/courier/messages/" + "00000000-0000-4000-8000-000000000000", http.StatusNotFound},
		{"/admin/courier/messages/not-a-uuid", http.StatusBadRequest},
		{"/admin/courier/messages?status=lost", http.StatusBadRequest},
		{"/admin/courier/messages?page_size=0", http.StatusBadRequest},
		{"/admin/courier/messages?page_token=x", http.StatusBadRequest},
	} {
		res, err := http.Get(e.adminURL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Errorf("GET %s: %d, want %d", tc.path, res.StatusCode, tc.status)
		}
	}
	// Admin routes are never on the public port.
	res, err = http.Get(e.publicURL + "/admin/courier/messages")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("the public listener answers GET /admin/courier/messages with %d, want 404", res.StatusCode)
	}

	dev := newEnvWith(t, nil, envOptions{courier: c, courierBodies: true})
	shown, _, err := dev.adminClient.CourierAPI.GetCourierMessage(dev.ctx, ids[1]).Execute()
	if err != nil || shown.Body != "Hi,\n\nplease recover access to your account by entering the following code:\n\n123451\n" {
		t.Errorf("with bodies shown: %q %v", shown.Body, err)
	}
}
