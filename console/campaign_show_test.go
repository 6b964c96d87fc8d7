package console

import (
	"strings"
	"testing"
)

// TestConsoleCampaignListNames: the campaign page names the lists it goes
// to, linked, not their ids.
func TestConsoleCampaignListNames(t *testing.T) {
	e := newAdminEnv(t)
	body := wantStatus(t, "campaign", e.get("/console/campaigns/1"), 200)
	if !strings.Contains(body, `<a href="/console/lists/1/edit">News</a>`) {
		i := strings.Index(body, "subscribers of")
		t.Fatalf("the campaign page does not name list 1 (News):\n%.300s", body[max(i, 0):])
	}
}
