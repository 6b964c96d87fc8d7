package console

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
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

// TestConsoleJobsNewestFirst: the Jobs screen and the Imports screen list
// the newest job first and page back by cursor, keeping the kind filter.
func TestConsoleJobsNewestFirst(t *testing.T) {
	w := newWire(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	var ids []int64
	for range 3 {
		j, err := w.h.Jobs.Start(ctx, jobs.KindImport, nil, "person:1")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`)
	for _, screen := range []string{"/console/jobs?kind=import&limit=2", "/console/imports?limit=2"} {
		code, first, _ := w.call("GET", screen, nil, w.cookie)
		got := jobLinks.FindAllStringSubmatch(first, -1)
		m := next.FindStringSubmatch(first)
		if code != 200 || len(got) != 2 || got[0][1] != strconv.FormatInt(ids[2], 10) || got[1][1] != strconv.FormatInt(ids[1], 10) || m == nil {
			t.Fatalf("%s: %d, want jobs %d and %d, newest first, and a next page: %v", screen, code, ids[2], ids[1], got)
		}
		if strings.HasPrefix(screen, "/console/jobs") && !strings.Contains(m[1], "kind=import") {
			t.Errorf("%s: the next page drops the filter: %s", screen, m[1])
		}
		_, second, _ := w.call("GET", html.UnescapeString(m[1])+"&limit=2", nil, w.cookie)
		if got := jobLinks.FindAllStringSubmatch(second, -1); len(got) != 1 || got[0][1] != strconv.FormatInt(ids[0], 10) {
			t.Errorf("%s: the second page has %v, want job %d", screen, got, ids[0])
		}
	}
}

// jobLinks are the links to an import's page, with its id.
var jobLinks = regexp.MustCompile(`href="/console/imports/([0-9]+)"`)
