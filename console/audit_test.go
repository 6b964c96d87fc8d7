package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
)

// TestConsoleChangesAudited: a change made in the console is written to the
// audit log with the action the JSON API's router gives the same change;
// New contact is a contact-create, as POST /api/v1/contacts is, and a
// refused form writes nothing.
func TestConsoleChangesAudited(t *testing.T) {
	e := newAdminEnv(t)
	h := &Handler{Deps: Deps{Audit: e.pool, Log: e.h.Log}}
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	for _, c := range []struct {
		pattern string
		code    int
		want    string // "" when nothing is written
	}{
		{"POST /console/contacts", http.StatusSeeOther, "contact-create"},
		{"POST /console/contacts/{id}/edit", http.StatusSeeOther, "contact-change"},
		{"POST /console/lists", http.StatusSeeOther, "list-change"},
		{"POST /console/campaigns/{id}/start", http.StatusSeeOther, "campaign-change"},
		{"POST /console/contacts", http.StatusUnprocessableEntity, ""},
	} {
		var before int
		e.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&before)
		next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(c.code) })
		r := httptest.NewRequest("POST", "/console/x", nil).WithContext(ctx)
		h.audited(c.pattern, next).ServeHTTP(httptest.NewRecorder(), r)
		var after int
		e.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&after)
		if c.want == "" {
			if after != before {
				t.Errorf("%s answering %d wrote %d audit entries, want none", c.pattern, c.code, after-before)
			}
			continue
		}
		var action string
		e.pool.QueryRow(ctx, `SELECT action FROM audit_log WHERE cause = $1 ORDER BY id DESC LIMIT 1`, c.pattern).Scan(&action)
		if after != before+1 || action != c.want {
			t.Errorf("%s: %d entries, action %q; want 1, %q", c.pattern, after-before, action, c.want)
		}
	}
}

// TestConsoleAuditFilterOffersEveryAction: the audit log's action filter
// offers every action the log can hold (the console's and the API's
// changes and the sign-ins among them), and filters by it.
func TestConsoleAuditFilterOffersEveryAction(t *testing.T) {
	e := newAdminEnv(t)
	body := wantStatus(t, "audit", e.get("/console/privacy/audit"), http.StatusOK)
	for _, a := range audit.Actions {
		if !strings.Contains(body, `<option value="`+a+`"`) {
			t.Errorf("the filter does not offer %s", a)
		}
	}
	body = wantStatus(t, "audit of logins", e.get("/console/privacy/audit?action=login"), http.StatusOK)
	if !strings.Contains(body, `<option value="login" selected>`) || !strings.Contains(body, "<td>login</td>") {
		t.Errorf("filtered by login:\n%.3000s", body)
	}
}
