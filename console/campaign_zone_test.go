package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/access"
)

// TestCampaignTimesInTheOrganisationsZone: the schedule form proposes the
// organisation's zone (privacy.time_zone), and the results chart shows its
// hours on that clock, labelled with the zone.
func TestCampaignTimesInTheOrganisationsZone(t *testing.T) {
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	e := newBenchEnvIn(t, 2, 2, loc)
	get := func(path string) string {
		t.Helper()
		r := httptest.NewRequest("GET", path, nil)
		r.AddCookie(e.cookie)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d\n%.500s", path, w.Code, w.Body.String())
		}
		return w.Body.String()
	}
	var draft int64
	if err := e.pool.QueryRow(ctx, `INSERT INTO campaigns (name, kind, subject, html, text_body, from_name, from_email, reply_to,
		list_ids, created_by, status) VALUES ('Draft', 'regular', 'Hello', '<p>Hi</p>', 'Hi', 'News', 'news@example.org', '', '{1}', 'test', 'draft')
		RETURNING id`).Scan(&draft); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `INSERT INTO campaign_stats (campaign_id) VALUES ($1)`, draft); err != nil {
		t.Fatal(err)
	}
	if body := get("/console/campaigns/" + strconv.FormatInt(draft, 10)); !strings.Contains(body, `name="zone" value="America/New_York"`) {
		t.Fatalf("schedule form does not propose the organisation's zone:\n%s", body)
	}
	at := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC) // 09:00 in New York
	if _, err := e.pool.Exec(ctx, `INSERT INTO deliveries (campaign_id, contact_id, status, attempts, done_at)
		VALUES ($1, 1, 'sent', 1, $2)`, e.campID, at); err != nil {
		t.Fatal(err)
	}
	body := get("/console/campaigns/" + strconv.FormatInt(e.campID, 10) + "/results")
	for _, want := range []string{
		`>02-03 09:00</text>`, // the axis on New York's clock
		"2026-03-02 09:00 America/New_York (2026-03-02 14:00 UTC) Delivered: 1</title>",
		"(America/New_York)</figcaption>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("results page lacks %q", want)
		}
	}
}
