package staff_test

import (
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/staff"
)

// TestCreateDepartmentNeedsAPerson: POST /api/v1/departments with a
// service token (such as make run's) is refused with no_person, and the
// message says what works instead; the same call with a token the
// administrator made creates the department with them as its
// administrator.
func TestCreateDepartmentNeedsAPerson(t *testing.T) {
	f := newFixture(t, staff.Options{})
	ctx := access.WithDepartment(t.Context(), 1)
	ann := f.person("ann@example.org", "admin")
	hs, rt := newAPI(t, f)
	store := apitoken.NewStore(f.db)
	httpapi.Mount(rt, &staff.TokenAPI{Tokens: store, Staff: f.svc})
	_, service, err := store.Create(ctx, "make-run", "admin")
	if err != nil {
		t.Fatal(err)
	}
	_, own, err := f.svc.CreateToken(ctx, "ann's", ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"slug":"sales","name":"Sales"}`
	resp, b := call(t, hs, "POST", "/api/v1/departments", body, map[string]string{"Authorization": "Bearer " + service})
	if resp.StatusCode != 409 || !strings.Contains(b, `"code":"no_person"`) ||
		!strings.Contains(b, "POST /api/v1/auth/login") || !strings.Contains(b, "POST /api/v1/auth/tokens") {
		t.Fatalf("with a service token: %d %s", resp.StatusCode, b)
	}
	resp, b = call(t, hs, "POST", "/api/v1/departments", body, map[string]string{"Authorization": "Bearer " + own})
	if resp.StatusCode != 201 || !strings.Contains(b, `"slug":"sales"`) {
		t.Fatalf("with the person's own token: %d %s", resp.StatusCode, b)
	}
}
