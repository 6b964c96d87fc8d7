package staff_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/staff"
)

// TestAPITokenRevokeStaysWithinReach: through the API, a department lead
// (users.manage without every permission) may not revoke the token of an
// administrator nor a service token with the admin role; the tokens keep
// working. The lead may revoke a viewer's token and a viewer service token;
// the administrator may revoke any token.
func TestAPITokenRevokeStaysWithinReach(t *testing.T) {
	f := newFixture(t, staff.Options{})
	ctx := access.WithDepartment(t.Context(), 1)
	if _, err := f.svc.SaveRole(ctx, "lead", "", []access.Permission{access.UsersManage, access.ListsRead, access.CampaignsRead}); err != nil {
		t.Fatal(err)
	}
	ann := f.person("ann@example.org", "admin")
	lee := f.person("lee@example.org", "lead")
	vic := f.person("vic@example.org", "viewer")
	hs, rt := newAPI(t, f)
	store := apitoken.NewStore(f.db)
	httpapi.Mount(rt, &staff.TokenAPI{Tokens: store, Staff: f.svc})

	type tok struct {
		id     int64
		secret string
	}
	personTok := func(p staff.Person) tok {
		tk, secret, err := f.svc.CreateToken(ctx, p.Email, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return tok{tk.ID, secret}
	}
	serviceTok := func(role string) tok {
		tk, secret, err := store.Create(ctx, role+" program", role)
		if err != nil {
			t.Fatal(err)
		}
		return tok{tk.ID, secret}
	}
	annTok, leeTok, vicTok := personTok(ann), personTok(lee), personTok(vic)
	adminSvc, viewerSvc := serviceTok("admin"), serviceTok("viewer")

	as := func(who tok, method, path string) int {
		t.Helper()
		resp, body := call(t, hs, method, path, "", map[string]string{"Authorization": "Bearer " + who.secret})
		if resp.StatusCode >= 400 {
			t.Logf("%s %s: %d %s", method, path, resp.StatusCode, body)
		}
		return resp.StatusCode
	}
	path := func(tk tok) string { return "/api/v1/tokens/" + strconv.FormatInt(tk.id, 10) }

	for name, tk := range map[string]tok{"the administrator's token": annTok, "the admin service token": adminSvc} {
		if got := as(leeTok, "DELETE", path(tk)); got != http.StatusForbidden {
			t.Errorf("the lead revokes %s: %d, want 403", name, got)
		}
		if got := as(tk, "GET", "/api/v1/tokens"); got != http.StatusOK {
			t.Errorf("%s after the lead's refused revoke: %d, want 200", name, got)
		}
	}

	if got := as(leeTok, "DELETE", path(vicTok)); got != http.StatusNoContent {
		t.Errorf("the lead revokes the viewer's token: %d, want 204", got)
	}
	if got := as(vicTok, "GET", "/api/v1/auth/me"); got != http.StatusUnauthorized {
		t.Errorf("the viewer's token after revoking: %d, want 401", got)
	}
	if got := as(leeTok, "DELETE", path(viewerSvc)); got != http.StatusNoContent {
		t.Errorf("the lead revokes the viewer service token: %d, want 204", got)
	}

	if got := as(annTok, "DELETE", path(adminSvc)); got != http.StatusNoContent {
		t.Errorf("the administrator revokes the admin service token: %d, want 204", got)
	}
	if got := as(adminSvc, "GET", "/api/v1/tokens"); got != http.StatusUnauthorized {
		t.Errorf("the admin service token after revoking: %d, want 401", got)
	}
	if got := as(annTok, "DELETE", path(leeTok)); got != http.StatusNoContent {
		t.Errorf("the administrator revokes the lead's token: %d, want 204", got)
	}
}
