package kratos_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	ory "github.com/ory/client-go"

	"github.com/wardhq/ward/store"
)

func createBody(email, externalID string) ory.CreateIdentityBody {
	b := ory.CreateIdentityBody{SchemaId: "default", Traits: map[string]any{"email": email}}
	if externalID != "" {
		b.ExternalId = &externalID
	}
	return b
}

// TestAdminIdentities drives the admin API with client-go's IdentityAPI: create, get, get by
// external ID, list with Kratos's Link pagination, JSON Patch, update, sessions, delete.
func TestAdminIdentities(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.IdentityStore) {
		e := newEnv(t, st)
		adm := e.adminClient.IdentityAPI
		var ids []string
		for i, addr := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			body := createBody(addr, "ext-"+string(rune('a'+i)))
			pw := password1
			body.Credentials = &ory.IdentityWithCredentials{Password: &ory.IdentityWithCredentialsPassword{Config: &ory.IdentityWithCredentialsPasswordConfig{Password: &pw}}}
			id, res, err := adm.CreateIdentity(e.ctx).CreateIdentityBody(body).Execute()
			if err != nil || res.StatusCode != http.StatusCreated {
				t.Fatalf("create %s: %v %v", addr, statusOf(res), err)
			}
			ids = append(ids, id.Id)
		}
		got, _, err := adm.GetIdentity(e.ctx, ids[0]).Execute()
		if err != nil || got.Traits.(map[string]any)["email"] != "a@example.com" || got.Credentials == nil || (*got.Credentials)["password"].Identifiers[0] != "a@example.com" {
			t.Fatalf("get: %+v %v", got, err)
		}
		if byExt, _, err := adm.GetIdentityByExternalID(e.ctx, "ext-b").Execute(); err != nil || byExt.Id != ids[1] {
			t.Fatalf("get by external ID: %v", err)
		}

		page, res, err := adm.ListIdentities(e.ctx).PageSize(2).Execute()
		if err != nil || len(page) != 2 {
			t.Fatalf("list page 1: %d %v", len(page), err)
		}
		next := nextToken(t, res)
		page2, res, err := adm.ListIdentities(e.ctx).PageSize(2).PageToken(next).Execute()
		if err != nil || len(page2) != 1 || page2[0].Id == page[0].Id || page2[0].Id == page[1].Id {
			t.Fatalf("list page 2: %+v %v", page2, err)
		}
		if strings.Contains(strings.Join(res.Header.Values("Link"), ","), `rel="next"`) {
			t.Errorf("the last page links a next one: %v", res.Header.Values("Link"))
		}

		patched, _, err := adm.PatchIdentity(e.ctx, ids[0]).JsonPatch([]ory.JsonPatch{
			{Op: "replace", Path: "/traits/email", Value: "a2@example.com"},
			{Op: "add", Path: "/metadata_public", Value: map[string]any{"plan": "pro"}},
		}).Execute()
		if err != nil || patched.Traits.(map[string]any)["email"] != "a2@example.com" {
			t.Fatalf("patch: %v", err)
		}
		state := "inactive"
		updated, _, err := adm.UpdateIdentity(e.ctx, ids[1]).UpdateIdentityBody(ory.UpdateIdentityBody{
			SchemaId: "default", Traits: map[string]any{"email": "b@example.com"}, State: state,
		}).Execute()
		if err != nil || updated.State == nil || *updated.State != state {
			t.Fatalf("update: %v", err)
		}

		// Sessions of an identity, through the admin API.
		_, sess := e.login("c@example.com", password1)
		list, _, err := adm.ListIdentitySessions(e.ctx, ids[2]).Execute()
		if err != nil || len(list) != 1 || list[0].Id != sess.Id {
			t.Fatalf("list the identity's sessions: %d %v", len(list), err)
		}
		if s, _, err := adm.GetSession(e.ctx, sess.Id).Expand([]string{"identity"}).Execute(); err != nil || s.Identity == nil || s.Identity.Id != ids[2] {
			t.Fatalf("get the session: %v", err)
		}
		if s, _, err := adm.ExtendSession(e.ctx, sess.Id).Execute(); err != nil || s.Id != sess.Id {
			t.Fatalf("extend the session: %v", err)
		}
		all, _, err := adm.ListSessions(e.ctx).Execute()
		if err != nil || len(all) != 1 {
			t.Fatalf("list sessions: %d %v", len(all), err)
		}
		if res, err := adm.DisableSession(e.ctx, sess.Id).Execute(); err != nil || res.StatusCode != http.StatusNoContent {
			t.Fatalf("disable the session: %v %v", statusOf(res), err)
		}
		if res, err := adm.DeleteIdentitySessions(e.ctx, ids[2]).Execute(); err != nil || res.StatusCode != http.StatusNoContent {
			t.Fatalf("delete the identity's sessions: %v %v", statusOf(res), err)
		}
		// A first factor cannot be removed.
		res, err = adm.DeleteIdentityCredentials(e.ctx, ids[2], "password").Execute()
		wantError(t, "delete a password credential", res, err, http.StatusBadRequest, "")

		if res, err := adm.DeleteIdentity(e.ctx, ids[0]).Execute(); err != nil || res.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %v %v", statusOf(res), err)
		}
		_, res, err = adm.GetIdentity(e.ctx, ids[0]).Execute()
		wantError(t, "get a deleted identity", res, err, http.StatusNotFound, "")
	})
}

// nextToken returns the page_token of the rel="next" Link.
func nextToken(t *testing.T, res *http.Response) string {
	t.Helper()
	for _, l := range res.Header.Values("Link") {
		for _, part := range strings.Split(l, ",") {
			if !strings.Contains(part, `rel="next"`) {
				continue
			}
			u := strings.TrimPrefix(strings.SplitN(strings.TrimSpace(part), ">", 2)[0], "<")
			if _, after, ok := strings.Cut(u, "page_token="); ok {
				tok, _, _ := strings.Cut(after, "&")
				return tok
			}
		}
	}
	t.Fatalf("no rel=\"next\" Link in %v", res.Header.Values("Link"))
	return ""
}

// Hashes from identity/password's known answers (Kratos's own tests), with their passwords.
var importVectors = []struct{ password, hash string }{
	{"test", "$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6"},
	{"test", "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI"},
	{"test123", "{SSHA256}czO44OTV17PcF1cRxWrLZLy9xHd7CWyVYplr1rOhuMlx/7IK"},
	{"test", "$md5$CY9rzUYh03PK3k6DJie09g=="},
}

// TestBatchImport imports identities with hashed passwords in one PATCH /admin/identities, one of
// them invalid (it fails alone), then logs in as each with its original password: the login
// succeeds and the stored hash is replaced by one of ward's algorithm.
func TestBatchImport(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.IdentityStore) {
		e := newEnv(t, st)
		var patches []ory.IdentityPatch
		for i, v := range importVectors {
			b := createBody("imp"+string(rune('0'+i))+"@example.com", "")
			hash := v.hash
			b.Credentials = &ory.IdentityWithCredentials{Password: &ory.IdentityWithCredentialsPassword{Config: &ory.IdentityWithCredentialsPasswordConfig{HashedPassword: &hash}}}
			patches = append(patches, ory.IdentityPatch{Create: &b})
		}
		bad := createBody("not an email", "")
		patches = append(patches, ory.IdentityPatch{Create: &bad})
		out, _, err := e.adminClient.IdentityAPI.BatchPatchIdentities(e.ctx).PatchIdentitiesBody(ory.PatchIdentitiesBody{Identities: patches}).Execute()
		if err != nil || len(out.Identities) != len(patches) {
			t.Fatalf("batch: %+v %v", out, err)
		}
		for i, r := range out.Identities[:len(importVectors)] {
			if r.Action == nil || *r.Action != "create" || r.Identity == nil {
				t.Fatalf("batch entry %d: %+v", i, r)
			}
		}
		last := out.Identities[len(importVectors)]
		if last.Action == nil || *last.Action != "error" || last.Error == nil || !strings.Contains(toJSON(last.Error), "#/traits/email") {
			t.Fatalf("the invalid entry: %+v", last)
		}
		if n := e.identityCount(); n != len(importVectors) {
			t.Fatalf("%d identities stored, want %d", n, len(importVectors))
		}
		for i, v := range importVectors {
			addr := "imp" + string(rune('0'+i)) + "@example.com"
			e.login(addr, v.password)
			_, cred, err := st.FindByCredentialIdentifier(context.Background(), "password", addr)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(cred.Config, []byte(v.hash)) || !bytes.Contains(cred.Config, []byte("$2a$04$")) {
				t.Errorf("%s: after login the stored hash is %s, want ward's bcrypt", addr, cred.Config)
			}
		}
	})
}
