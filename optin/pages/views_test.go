package pages_test

import (
	"testing"

	"github.com/postbode/postbode/internal/rtoken"
)

// TestPageViewsRecordNothing: opening a recipient page (the update page and
// its three answers, the unsubscribe and privacy pages) is no action: mail
// scanners and reloads fetch them at will, so however often they are
// opened, no recipient_actions row is written. What the recipient does
// (the POST) is recorded; opens and clicks are the tracked fetches.
func TestPageViewsRecordNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpt{})
	list := e.list("news", "single")
	cid := e.contact("anna@example.org", "Anna", nil, list)
	camp := e.campaign("update", "<p>x</p>", []int64{list}, cid)
	up := e.mint(rtoken.Update, cid, camp)
	pages := []string{up, up + "?answer=ok", up + "?answer=change", up + "?answer=remove",
		e.mint(rtoken.Unsubscribe, cid, camp), e.mint(rtoken.Privacy, cid, camp)}
	for range 3 {
		for _, p := range pages {
			if r := e.get(p); r.code != 200 {
				t.Fatalf("GET %s: %d\n%.2000s", p, r.code, r.body)
			}
		}
	}
	e.flush()
	if n := e.scalar(`SELECT count(*) FROM recipient_actions WHERE contact_id = $1`, cid).(int64); n != 0 {
		t.Errorf("%d recipient actions written by %d page views, want 0", n, 3*len(pages))
	}
}
