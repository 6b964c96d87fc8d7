package pages_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
)

// TestReplayedPixelAndLinkLeaveBoundedEvidence: one pixel and one link
// fetched again and again leave at most the cap of recipient_actions rows
// per contact, campaign, action and link a day; the rest is counted in
// postbode_recipient_actions_dropped_total. The campaign's unique opens and
// clicks stay right, other links and other contacts are unaffected, the cap
// holds for another process on the same Redis, and erasure's purge of the
// counters lets the contact's actions through again.
func TestReplayedPixelAndLinkLeaveBoundedEvidence(t *testing.T) {
	t.Parallel()
	const perDay, fetches = 3, 20
	e := newEnv(t, envOpt{actionsPerDay: perDay})
	ctx := context.Background()
	l := e.list("a", "single")
	jan := e.contact("jan@example.org", "Jan", nil, l)
	kim := e.contact("kim@example.org", "Kim", nil, l)
	camp := e.campaign("regular", `<p><a href="https://example.org/a">A</a> <a href="https://example.org/b">B</a></p>`, []int64{l}, jan, kim)
	linkA, linkB := "https://example.org/a", "https://example.org/b"
	click := func(contact int64, link string) {
		t.Helper()
		if r := e.get(e.mint(rtoken.Click, contact, camp) + "?u=" + url.QueryEscape(link)); r.code != 302 || r.hdr.Get("Location") != link {
			t.Fatalf("click %s: %d %q", link, r.code, r.hdr.Get("Location"))
		}
	}
	open := func(contact int64) {
		t.Helper()
		if r := e.get(e.mint(rtoken.Open, contact, camp)); r.code != 200 || r.hdr.Get("Content-Type") != "image/gif" {
			t.Fatalf("pixel: %d", r.code)
		}
	}
	for i := 0; i < fetches; i++ {
		open(jan)
		click(jan, linkA)
	}
	click(jan, linkB)
	open(kim)
	click(kim, linkA)
	e.flush()

	// Rows per contact, action, link and day (UTC, the cap's day; a run
	// across midnight may fill two days).
	rows := func(contact int64, action, detail string) (total, maxPerDay int64) {
		t.Helper()
		r, err := e.db.Query(ctx, `SELECT count(*) FROM recipient_actions WHERE campaign_id = $1 AND contact_id = $2
			AND action = $3 AND detail = $4 GROUP BY (created_at AT TIME ZONE 'UTC')::date`, camp, contact, action, detail)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for r.Next() {
			var n int64
			if err := r.Scan(&n); err != nil {
				t.Fatal(err)
			}
			total += n
			maxPerDay = max(maxPerDay, n)
		}
		return total, maxPerDay
	}
	janOpens, maxOpens := rows(jan, optin.ActOpen, "")
	janA, maxA := rows(jan, optin.ActClick, linkA)
	if maxOpens != perDay || maxA != perDay || janOpens > 2*perDay || janA > 2*perDay {
		t.Fatalf("after %d fetches: %d opens (%d a day), %d clicks on A (%d a day); want %d a day",
			fetches, janOpens, maxOpens, janA, maxA, perDay)
	}
	for _, c := range []struct {
		contact        int64
		action, detail string
	}{{jan, optin.ActClick, linkB}, {kim, optin.ActOpen, ""}, {kim, optin.ActClick, linkA}} {
		if n, _ := rows(c.contact, c.action, c.detail); n != 1 {
			t.Errorf("contact %d %s %s: %d rows, want 1 (unaffected by another's replays)", c.contact, c.action, c.detail, n)
		}
	}
	if got, want := dropped(t, e.reg, optin.ActOpen), float64(fetches-janOpens); got != want {
		t.Errorf("dropped opens: %v, want %v", got, want)
	}
	if got, want := dropped(t, e.reg, optin.ActClick), float64(fetches-janA); got != want {
		t.Errorf("dropped clicks: %v, want %v", got, want)
	}
	// The campaign's unique counts come from the deliveries.
	if o, c := e.scalar(`SELECT opened FROM campaign_stats WHERE campaign_id = $1`, camp), e.scalar(`SELECT clicked FROM campaign_stats WHERE campaign_id = $1`, camp); o != int64(2) || c != int64(2) {
		t.Fatalf("campaign stats: opened %v, clicked %v, want 2 and 2", o, c)
	}
	links, err := e.store.LinkClicks(ctx, camp)
	if err != nil {
		t.Fatal(err)
	}
	for _, lc := range links {
		if want := map[string]int64{linkA: 2, linkB: 1}[lc.URL]; lc.Unique != want {
			t.Errorf("unique clicks on %s: %d, want %d", lc.URL, lc.Unique, want)
		}
	}

	// Another process (or this one after a restart) shares the counters.
	var at time.Time
	if err := e.db.QueryRow(ctx, `SELECT max(created_at) FROM recipient_actions WHERE contact_id = $1 AND action = $2`, jan, optin.ActOpen).Scan(&at); err != nil {
		t.Fatal(err)
	}
	reg2 := prometheus.NewRegistry()
	other := optin.NewActionLog(e.db, testenv.Logger(t), reg2)
	capOther := optin.NewActionCap(e.rdb, e.prefix, e.cs.CounterKey, perDay)
	other.SetCap(capOther)
	t.Cleanup(func() { other.Close(context.Background()) })
	replay := func() {
		t.Helper()
		other.Record(ctx, optin.Action{ContactID: jan, CampaignID: camp, Action: optin.ActOpen, At: at})
		if err := other.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	replay()
	if n, _ := rows(jan, optin.ActOpen, ""); n != janOpens || dropped(t, reg2, optin.ActOpen) != 1 {
		t.Fatalf("another process wrote past the cap: %d rows (was %d)", n, janOpens)
	}
	// Erasure purges the contact's counters (the privacy purge hook).
	if err := capOther.Purge(ctx, jan); err != nil {
		t.Fatal(err)
	}
	replay()
	if n, _ := rows(jan, optin.ActOpen, ""); n != janOpens+1 {
		t.Fatalf("after the purge: %d rows, want %d", n, janOpens+1)
	}
}

// dropped reads postbode_recipient_actions_dropped_total{action}.
func dropped(t *testing.T, reg *prometheus.Registry, action string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "postbode_recipient_actions_dropped_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "action" && lp.GetValue() == action {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no postbode_recipient_actions_dropped_total{action=%q}", action)
	return 0
}
