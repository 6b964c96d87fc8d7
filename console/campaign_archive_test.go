package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
)

// campaignRow finds the campaign links of the campaign list.
var campaignRow = regexp.MustCompile(`<a href="/console/campaigns/([0-9]+)">([^<]*)</a>`)

// TestConsoleCampaignSearchAndArchive, over HTTP: the campaign list finds
// a part of the name or subject as typed (% _ and ' are themselves, no
// SQL wildcard); archiving a finished campaign (audited) hides it from the
// default list, the archive filter shows it, and taking it out brings it
// back; a draft cannot be archived; a person without campaigns.send is
// refused; another department's campaign is not found; a wrong filter is
// a 422 naming it; the pager keeps the filters and shows each match once.
func TestConsoleCampaignSearchAndArchive(t *testing.T) {
	w := newWire(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	mk := func(ctx context.Context, name, subject, status string) int64 {
		t.Helper()
		var id int64
		if err := w.pool.QueryRow(ctx, `WITH c AS (INSERT INTO campaigns (name, kind, subject, html, text_body, from_name, from_email,
			reply_to, list_ids, has_audience, track_opens, track_clicks, created_by, status)
			VALUES ($1, 'regular', $2, '<p>Hi</p>', 'Hi', 'News', 'news@example.org', '', '{1}', false, false, false, 'test', $3) RETURNING id),
			s AS (INSERT INTO campaign_stats (campaign_id) SELECT id FROM c) SELECT id FROM c`, name, subject, status).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	pct := mk(ctx, "Spring sale", "100% off", "finished")
	mk(ctx, "Spring plain", "100 off", "finished")
	under := mk(ctx, "a_b letter", "Hello", "cancelled")
	mk(ctx, "axb letter", "Hello", "finished")
	mk(ctx, "O'Brien news", "Hi", "finished")
	draft := mk(ctx, "Draft", "Hi", "draft")
	sales := mk(access.WithDepartment(context.Background(), w.salesDept()), "Sales news", "Hi", "finished")

	list := func(query string) map[string]bool {
		t.Helper()
		code, body, _ := w.call("GET", "/console/campaigns?"+query, nil, w.cookie)
		if code != 200 {
			t.Fatalf("GET ?%s: %d", query, code)
		}
		got := map[string]bool{}
		for _, m := range campaignRow.FindAllStringSubmatch(body, -1) {
			got[m[2]] = true
		}
		return got
	}
	only := func(query string, want ...string) {
		t.Helper()
		got := list(query)
		if len(got) != len(want) {
			t.Errorf("?%s: %v, want %v", query, got, want)
		}
		for _, n := range want {
			if !got[n] {
				t.Errorf("?%s: %v lacks %q", query, got, n)
			}
		}
	}
	only("q="+url.QueryEscape("%"), "Spring sale")
	only("q="+url.QueryEscape("_"), "a_b letter")
	only("q="+url.QueryEscape("'"), "O'Brien news")
	only("q=spring", "Spring sale", "Spring plain")
	only("q="+url.QueryEscape("100 off"), "Spring plain")
	if got := list(""); got["Sales news"] {
		t.Error("another department's campaign is listed")
	}

	// Archive.
	code, body, _ := w.call("GET", fmt.Sprintf("/console/campaigns/%d", pct), nil, w.cookie)
	if code != 200 || !strings.Contains(body, fmt.Sprintf(`action="/console/campaigns/%d/archive"`, pct)) {
		t.Fatal("a finished campaign has no archive button")
	}
	if _, body, _ := w.call("GET", fmt.Sprintf("/console/campaigns/%d", draft), nil, w.cookie); strings.Contains(body, "/archive\"") {
		t.Error("a draft has an archive button")
	}
	if code, _, _ := w.call("POST", fmt.Sprintf("/console/campaigns/%d/archive", pct), url.Values{}, w.cookie); code != http.StatusSeeOther {
		t.Fatalf("archive: %d", code)
	}
	if w.audits("campaign-change", pct) != 1 {
		t.Error("archiving is not audited")
	}
	only("q=spring", "Spring plain")
	only("q=spring&archived=only", "Spring sale")
	only("q=spring&archived=all", "Spring sale", "Spring plain")
	if got := list(""); got["Spring sale"] || !got["Spring plain"] {
		t.Errorf("the default list after archiving: %v", got)
	}
	_, body, _ = w.call("GET", fmt.Sprintf("/console/campaigns/%d", pct), nil, w.cookie)
	if !strings.Contains(body, fmt.Sprintf(`action="/console/campaigns/%d/unarchive"`, pct)) || strings.Contains(body, fmt.Sprintf(`/console/campaigns/%d/archive"`, pct)) {
		t.Error("an archived campaign offers archive, or not unarchive")
	}
	if code, _, _ := w.call("POST", fmt.Sprintf("/console/campaigns/%d/archive", draft), url.Values{}, w.cookie); code != http.StatusConflict {
		t.Errorf("archiving a draft: %d, want 409", code)
	}
	_, viewer := w.login("viewer@example.org", access.DefaultDepartment, access.RoleViewer)
	if code, _, _ := w.call("POST", fmt.Sprintf("/console/campaigns/%d/archive", under), url.Values{}, viewer); code != http.StatusForbidden {
		t.Errorf("a viewer archiving: %d, want 403", code)
	}
	if code, _, _ := w.call("POST", fmt.Sprintf("/console/campaigns/%d/archive", sales), url.Values{}, w.cookie); code != http.StatusNotFound {
		t.Errorf("archiving another department's campaign: %d, want 404", code)
	}
	if only("q=a_b&archived=all", "a_b letter"); w.audits("campaign-change", under) != 0 {
		t.Error("a refused archive was audited")
	}
	if code, _, _ := w.call("POST", fmt.Sprintf("/console/campaigns/%d/unarchive", pct), url.Values{}, w.cookie); code != http.StatusSeeOther {
		t.Fatalf("unarchive: %d", code)
	}
	only("q=spring", "Spring sale", "Spring plain")

	for q, field := range map[string]string{"status=nope": "status:", "archived=yes": "archived:", "q=" + strings.Repeat("x", 201): "q:"} {
		if code, body, _ := w.call("GET", "/console/campaigns?"+q, nil, w.cookie); code != http.StatusUnprocessableEntity || !strings.Contains(body, field) {
			t.Errorf("GET ?%.20s: %d, want 422 naming %s", q, code, field)
		}
	}

	// Paging with filters: two a page, every match once, the filters kept.
	for i := range 5 {
		mk(ctx, fmt.Sprintf("Paged %d", i), "Hi", "finished")
	}
	hidden := mk(ctx, "Paged hidden", "Hi", "finished")
	w.call("POST", fmt.Sprintf("/console/campaigns/%d/archive", hidden), url.Values{}, w.cookie)
	next := "/console/campaigns?q=paged&limit=2"
	seen := map[string]bool{}
	nextRe := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	for page := 0; next != "" && page < 10; page++ {
		code, body, _ := w.call("GET", next, nil, w.cookie)
		if code != 200 {
			t.Fatalf("page %d: %d", page, code)
		}
		for _, m := range campaignRow.FindAllStringSubmatch(body, -1) {
			if seen[m[2]] || !strings.HasPrefix(m[2], "Paged ") || m[2] == "Paged hidden" {
				t.Errorf("page %d shows %q (twice, unmatched or archived)", page, m[2])
			}
			seen[m[2]] = true
		}
		next = ""
		if m := nextRe.FindStringSubmatch(body); m != nil {
			next = m[1]
			if !strings.Contains(next, "q=paged") {
				t.Errorf("the next link drops the query: %s", next)
			}
		}
	}
	if len(seen) != 5 {
		t.Errorf("paging found %d campaigns, want 5: %v", len(seen), seen)
	}
}

// salesDept makes a second department and returns its id.
func (w *wire) salesDept() int64 {
	w.t.Helper()
	var id int64
	if err := w.pool.QueryRow(context.Background(), `INSERT INTO departments (slug, name) VALUES ('sales', 'Sales') RETURNING id`).Scan(&id); err != nil {
		w.t.Fatal(err)
	}
	return id
}
