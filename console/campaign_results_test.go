package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/optin"
)

// TestCampaignResultsLinks: clicks recorded through the recipients service
// show on the results page as clicks and unique clickers per link, and the
// deliveries as columns of the chart over time.
func TestCampaignResultsLinks(t *testing.T) {
	ctx := context.Background()
	e := newBenchEnv(t, 2, 2)
	pool := e.pool
	if _, err := pool.Exec(access.WithDepartment(ctx, access.DefaultDepartment), `INSERT INTO deliveries (campaign_id, contact_id, status, attempts, done_at)
		VALUES ($1, 1, 'sent', 1, now()), ($1, 2, 'sent', 2, now())`, e.campID); err != nil {
		t.Fatal(err)
	}
	alog := optin.NewActionLog(pool, nil, nil)
	rcp := optin.NewRecipients(pool, nil, alog, optin.RecipientOptions{})
	for _, c := range []struct {
		contact int64
		url     string
	}{{1, "https://example.org/a"}, {1, "https://example.org/a"}, {2, "https://example.org/a"}, {2, "https://example.org/b"}} {
		if err := rcp.RecordClick(ctx, c.contact, e.campID, c.url, optin.Who{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := alog.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/console/campaigns/"+strconv.FormatInt(e.campID, 10)+"/results", nil)
	r.AddCookie(e.cookie)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("results: %d\n%.500s", w.Code, body)
	}
	for _, want := range []string{
		`<td class="wrap">https://example.org/a</td><td>3</td><td>2</td>`,
		`<td class="wrap">https://example.org/b</td><td>1</td><td>1</td>`,
		"UTC Delivered: 2</title>", "UTC Deferred: 1</title>", "UTC Bounced: 0</title>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("results page lacks %q", want)
		}
	}
}
