package console

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/privacy"
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

// TestConsoleCreatesAuditedWithTheirID: the audit entry of a contact or a
// campaign made with the console's New forms names the new object
// (target_id), the one the form sends you to.
func TestConsoleCreatesAuditedWithTheirID(t *testing.T) {
	e := newAdminEnv(t)
	var list int64
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM lists WHERE slug = 'news'`).Scan(&list); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/console/contacts", url.Values{"email": {"audited@example.org"}}},
		{"/console/campaigns", url.Values{"name": {"Invite"}, "subject": {"Hello"}, "from_email": {"news@example.org"},
			"lists": {strconv.FormatInt(list, 10)}, "html": {"<p>Hi {{.Contact.Name}}</p>"}}},
	} {
		w := e.post(c.path, c.form)
		wantStatus(t, c.path, w, http.StatusSeeOther)
		id, err := strconv.ParseInt(strings.TrimPrefix(w.Header().Get("Location"), c.path+"/"), 10, 64)
		if err != nil {
			t.Fatalf("%s sends to %q", c.path, w.Header().Get("Location"))
		}
		var target *int64
		if err := e.pool.QueryRow(t.Context(), `SELECT target_id FROM audit_log WHERE cause = $1 ORDER BY id DESC LIMIT 1`,
			"POST "+c.path).Scan(&target); err != nil {
			t.Fatalf("%s: no audit entry: %v", c.path, err)
		}
		if target == nil || *target != id {
			t.Errorf("%s created %d; the audit entry names %v", c.path, id, target)
		}
	}
}

// TestConsoleAuditLogNewestFirst: the audit log screen lists newest first
// and pages back by cursor, all actions or one, as the erasure log does.
func TestConsoleAuditLogNewestFirst(t *testing.T) {
	e := newAdminEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	for i := range 3 {
		if err := e.h.Privacy.Audit(ctx, privacy.Entry{Actor: "x", Action: privacy.ActionExport, TargetKind: "contact", Count: 1,
			Cause: "order-" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	next := regexp.MustCompile(`href="(/console/privacy/audit\?[^"]*cursor=[^"]+)" rel="next"`)
	for _, filter := range []string{"", "action=" + privacy.ActionExport + "&"} {
		first := html.UnescapeString(wantStatus(t, "first page", e.get("/console/privacy/audit?"+filter+"limit=2"), http.StatusOK))
		m := next.FindStringSubmatch(first)
		if i2, i1 := strings.Index(first, "order-2"), strings.Index(first, "order-1"); i2 < 0 || i1 < i2 || strings.Contains(first, "order-0") || m == nil {
			t.Fatalf("%sfirst page, want the newest two, newest first:\n%s", filter, first[strings.Index(first, "<main"):])
		}
		second := html.UnescapeString(wantStatus(t, "second page", e.get(m[1]+"&limit=2"), http.StatusOK))
		if !strings.Contains(second, "order-0") || strings.Contains(second, "order-1") || strings.Contains(second, "order-2") {
			t.Fatalf("%ssecond page:\n%.3000s", filter, second)
		}
	}
}
