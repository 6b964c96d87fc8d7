package main

import (
	"context"
	"strings"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/bounces"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/db"
)

const hardText = "5.1.1 <cyd@example.org>: Recipient address rejected: User unknown in virtual mailbox table"

// consoleBounces drives the Bounces, unproven reports and Blocklist
// screens in the browser: two refusals recorded by the send path's bounce
// code (RecordSMTP) show in the list; a bounce's page names the rule that
// classified it; dismissing it goes through its confirmation page; the
// blocklist form refuses a form over the cap as too large, shows a
// direction control in a refused line escaped, names a bad line and then
// takes the good ones.
func consoleBounces(b *chrome, pool *db.Pool, fx *staffFixture, campID int64) {
	b.t.Helper()
	ctx := context.Background()
	proc := bounces.NewProcessor(bounces.ProcessorOptions{DB: pool, Contacts: fx.cs,
		Metrics: bounces.NewMetrics(prometheus.NewRegistry()), Policy: bounces.Policy{HardThreshold: 2}})
	var cyd, dan int64
	d1 := access.WithDepartment(ctx, access.DefaultDepartment)
	if err := pool.QueryRow(d1, `SELECT id FROM contacts WHERE email = 'cyd@example.org'`).Scan(&cyd); err != nil {
		b.t.Fatal(err)
	}
	if err := pool.QueryRow(d1, `INSERT INTO contacts (email, name, source, updated_source) VALUES ('dan@example.org', 'Dan', 'manual', 'manual')
		RETURNING id`).Scan(&dan); err != nil {
		b.t.Fatal(err)
	}
	for _, r := range []struct {
		contact  int64
		code     int
		enhanced string
		text     string
	}{
		{cyd, 550, "5.1.1", hardText},
		{dan, 552, "5.2.2", "5.2.2 <dan@example.org>: Mailbox full"},
	} {
		if err := proc.RecordSMTP(ctx, campID, r.contact, "RCPT", r.code, r.enhanced, r.text); err != nil {
			b.t.Fatal(err)
		}
	}
	if _, err := pool.Exec(d1, `INSERT INTO bounces (recipient, class, reason, status, reply_code, diagnostic, source, outcome)
		VALUES ('someone@example.net', 'hard', 'userunknown', '5.1.1', 550, '550 5.1.1 user unknown (no token: not counted)', 'dsn', 'unauthenticated')`); err != nil {
		b.t.Fatal(err)
	}

	b.open("/console/bounces")
	if got := b.text("#bounces tbody"); !strings.Contains(got, "cyd@example.org") || !strings.Contains(got, "dan@example.org") || !strings.Contains(got, "mailbox full") {
		b.t.Errorf("the bounce list: %q", got)
	}
	b.check("bounces")
	b.open("/console/bounces?class=soft")
	if got := b.text("#bounces tbody"); strings.Contains(got, "cyd@example.org") {
		b.t.Errorf("the soft filter shows a hard bounce: %q", got)
	}
	b.open("/console/bounces?class=hard")
	b.do("open bounce", chromedp.Click(chromedp.CSS(`#bounces tbody a[href^="/console/bounces/"]`)), chromedp.WaitVisible(chromedp.ID("bounce-rule")))
	want := bounces.ClassifySMTPReply("RCPT", 550, "5.1.1", hardText).Rule
	if got := b.text("#bounce-rule"); want == "" || got != want {
		b.t.Errorf("the rule shown: %q", got)
	}
	b.check("bounce")
	b.do("dismiss", chromedp.Click(chromedp.CSS(`a[href$="/dismiss"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/dismiss"]`)))
	b.check("bounce-dismiss")
	b.submit(`form[action$="/dismiss"]`)
	if got := b.text("#bounce-counted"); !strings.HasPrefix(got, "Dismissed") {
		b.t.Errorf("after dismissing: %q", got)
	}
	b.open("/console/bounces/unauthenticated")
	if got := b.text("#evidence tbody"); !strings.Contains(got, "someone@example.net") {
		b.t.Errorf("the unproven reports: %q", got)
	}
	b.check("bounces-unauthenticated")

	// A form over the console's cap is refused as too large, naming the
	// limit, not as an expired form; a refused line shows what a reader
	// cannot see escaped.
	b.open("/console/blocklist")
	eval[bool](b, `(document.getElementById("addresses").value = "big@example.org\n".repeat(80000)) !== ""`)
	b.submit(`#blocklist-add`)
	if h, p := b.text("h1"), b.text("main"); h != "Too much data" || !strings.Contains(p, "limit of 1 MiB") || strings.Contains(p, "expired") {
		b.t.Errorf("a form over the cap: %q, %q", h, p)
	}
	b.open("/console/blocklist")
	b.do("blocklist hidden", chromedp.SetValue(chromedp.ID("addresses"), "gro.elpmaxe@\u202ebob"))
	b.submit(`#blocklist-add`)
	if got := b.text("#bad-lines"); !strings.Contains(got, `Line 1 (gro.elpmaxe@\u202ebob)`) {
		b.t.Errorf("the refused line does not show the direction control: %+q", got)
	}
	b.open("/console/blocklist")
	b.do("blocklist lines", chromedp.SetValue(chromedp.ID("addresses"), "eve@example.org\nnot an address\nfay@example.org"))
	b.submit(`#blocklist-add`)
	if got := b.text("#bad-lines"); !strings.Contains(got, "Line 2 (not an address)") {
		b.t.Errorf("the bad line is not named: %q", got)
	}
	b.do("blocklist fixed", chromedp.SetValue(chromedp.ID("addresses"), "eve@example.org\nfay@example.org"))
	b.submit(`#blocklist-add`)
	if got := b.text("#blocklist tbody"); !strings.Contains(got, "eve@example.org") || !strings.Contains(got, "fay@example.org") {
		b.t.Errorf("the blocklist after adding: %q", got)
	}
	b.check("blocklist")
	b.do("remove", chromedp.Click(chromedp.CSS(`#blocklist a[href$="/remove"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/remove"]`)))
	b.submit(`form[action$="/remove"]`)
	if got := b.text(".flash"); !strings.Contains(got, "off the blocklist") {
		b.t.Errorf("after removing: %q", got)
	}
}
