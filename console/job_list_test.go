package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/jobs"
)

// TestConsoleJobs, over HTTP: the Jobs screen lists the department's
// background jobs with kind and status, each linked to its page (an import
// to the import's, with its errors), filtered by kind; another
// department's job is not listed; a kind that does not exist is a 422;
// a person without campaigns.read is refused.
func TestConsoleJobs(t *testing.T) {
	w := newWire(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	imp, err := w.h.Jobs.Start(ctx, jobs.KindImport, nil, "person:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.h.Jobs.Finish(ctx, imp.ID, 0, fmt.Errorf("the file is empty")); err != nil {
		t.Fatal(err)
	}
	purge, err := w.h.Jobs.Start(ctx, jobs.KindUpdatePurge, nil, "person:1")
	if err != nil {
		t.Fatal(err)
	}
	other, err := w.h.Jobs.Start(access.WithDepartment(context.Background(), w.salesDept()), jobs.KindImport, nil, "person:9")
	if err != nil {
		t.Fatal(err)
	}

	code, body, _ := w.call("GET", "/console/", nil, w.cookie)
	if code != 200 || !strings.Contains(body, `href="/console/jobs"`) {
		t.Fatal("the menu has no Jobs link")
	}
	code, body, _ = w.call("GET", "/console/jobs", nil, w.cookie)
	for _, want := range []string{fmt.Sprintf(`href="/console/imports/%d"`, imp.ID), fmt.Sprintf(`href="/console/jobs/%d"`, purge.ID),
		"Failed", "the file is empty", "Running", "Erasure after an update mailing"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("the Jobs screen lacks %q (%d)", want, code)
		}
	}
	if strings.Contains(body, fmt.Sprintf(`/%d"`, other.ID)) {
		t.Error("another department's job is listed")
	}
	_, body, _ = w.call("GET", "/console/jobs?kind=update-purge", nil, w.cookie)
	if strings.Contains(body, fmt.Sprintf(`/console/imports/%d"`, imp.ID)) || !strings.Contains(body, fmt.Sprintf(`/console/jobs/%d"`, purge.ID)) {
		t.Error("the kind filter does not filter")
	}
	if code, body, _ := w.call("GET", "/console/jobs?kind=nope", nil, w.cookie); code != http.StatusUnprocessableEntity || !strings.Contains(body, "Choose a kind") {
		t.Errorf("an unknown kind: %d, want 422", code)
	}
	wantStatus(t, "create role", w.post("/console/admin/roles", url.Values{"name": {"reader"}, "permissions": {"contacts.read"}}), http.StatusSeeOther)
	_, reader := w.login("reader@example.org", access.DefaultDepartment, "reader")
	if code, _, _ := w.call("GET", "/console/jobs", nil, reader); code != http.StatusForbidden {
		t.Errorf("jobs without campaigns.read: %d, want 403", code)
	}
}

// TestEveryJobKindIsNamed: each kind of job a filter offers (jobs.Kinds) has
// its name in both languages, and an attribute deletion — the privacy
// service's job — is listed and filtered by it like the others.
func TestEveryJobKindIsNamed(t *testing.T) {
	for _, k := range jobs.Kinds {
		for lang, m := range messages {
			if m["jobs.kind."+k] == "" {
				t.Errorf("job kind %q has no name in %s", k, lang)
			}
		}
	}
	w := newWire(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	del, err := w.h.Jobs.Start(ctx, jobs.KindAttributeDelete, nil, "person:1")
	if err != nil {
		t.Fatal(err)
	}
	code, body, _ := w.call("GET", "/console/jobs?kind="+jobs.KindAttributeDelete, nil, w.cookie)
	if code != 200 || !strings.Contains(body, fmt.Sprintf(`href="/console/jobs/%d"`, del.ID)) || !strings.Contains(body, "Deleting an attribute") {
		t.Errorf("the attribute deletion is not listed by its kind (%d)", code)
	}
}
