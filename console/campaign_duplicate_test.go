package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/access"
)

// TestConsoleCampaignDuplicateUnschedule: Duplicate on a finished
// campaign's page makes a new draft with its content and opens it for
// editing; Unschedule shows on a scheduled campaign only and takes it back
// to draft. The copy leaves out tracking the installation has turned off
// since (the seeded campaign tracks; this installation does not). A viewer and a POST without the CSRF token change nothing.
func TestConsoleCampaignDuplicateUnschedule(t *testing.T) {
	e := newAdminEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	var first int64
	if err := e.pool.QueryRow(ctx, `SELECT min(id) FROM campaigns`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	src, err := e.h.Campaigns.Get(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	page := "/console/campaigns/" + strconv.FormatInt(src.ID, 10)
	body := wantStatus(t, "finished campaign", e.get(page), 200)
	if !strings.Contains(body, `action="`+page+`/duplicate"`) || strings.Contains(body, "/unschedule") {
		t.Errorf("a finished campaign's page should offer Duplicate only:\n%.3000s", body)
	}
	count := func() (n int) {
		e.pool.QueryRow(ctx, `SELECT count(*) FROM campaigns`).Scan(&n)
		return n
	}
	before := count()
	_, viewer := e.login("vic@example.org", access.DefaultDepartment, access.RoleViewer)
	wantStatus(t, "duplicate as a viewer", e.send("POST", page+"/duplicate", url.Values{"csrf": {e.csrfOf(viewer)}}, viewer), http.StatusForbidden)
	wantStatus(t, "duplicate without CSRF", e.send("POST", page+"/duplicate", url.Values{}, e.cookie), http.StatusForbidden)
	if n := count(); n != before {
		t.Fatalf("%d campaigns after refused duplicates, want %d", n, before)
	}

	w := e.post(page+"/duplicate", url.Values{})
	wantStatus(t, "duplicate", w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(loc, "/console/campaigns/"), "/edit"), 10, 64)
	if err != nil || id == src.ID {
		t.Fatalf("duplicate redirects to %q", loc)
	}
	dup, err := e.h.Campaigns.Get(ctx, id)
	if err != nil || dup.Status != campaigns.StateDraft || dup.Name != "Copy of "+src.Name || dup.Subject != src.Subject ||
		dup.HTML != src.HTML || dup.FromEmail != src.FromEmail || len(dup.ListIDs) != 1 || dup.ListIDs[0] != src.ListIDs[0] ||
		!src.TrackOpens || dup.TrackOpens {
		t.Fatalf("duplicate %+v %v of %+v", dup, err, src)
	}
	wantStatus(t, "edit the copy", e.get(loc), 200)

	copyPage := "/console/campaigns/" + strconv.FormatInt(id, 10)
	if _, err := e.h.Campaigns.Schedule(ctx, id, time.Now().Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if body := wantStatus(t, "scheduled copy", e.get(copyPage), 200); !strings.Contains(body, `action="`+copyPage+`/unschedule"`) {
		t.Errorf("a scheduled campaign's page lacks Unschedule:\n%.3000s", body)
	}
	wantStatus(t, "unschedule as a viewer", e.send("POST", copyPage+"/unschedule", url.Values{"csrf": {e.csrfOf(viewer)}}, viewer), http.StatusForbidden)
	if c, _ := e.h.Campaigns.Get(ctx, id); c.Status != campaigns.StateScheduled {
		t.Fatalf("a viewer unscheduled the campaign: %s", c.Status)
	}
	wantStatus(t, "unschedule", e.post(copyPage+"/unschedule", url.Values{}), http.StatusSeeOther)
	if c, _ := e.h.Campaigns.Get(ctx, id); c.Status != campaigns.StateDraft || c.SendAt != nil {
		t.Fatalf("after unschedule: %s %v", c.Status, c.SendAt)
	}
	wantStatus(t, "unschedule a draft", e.post(copyPage+"/unschedule", url.Values{}), http.StatusConflict)
}
