package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/bounces"
	"github.com/postbode/postbode/internal/access"
)

// TestConsoleContactBouncesSayWhy: a contact's bounces say why each was
// classified as it was — the class in words, the reason and status code,
// the receiving server's reply — and whether it counted toward inactive
// (a report that proved nothing does not), in English and in Dutch.
func TestConsoleContactBouncesSayWhy(t *testing.T) {
	e := newAdminEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	var contact int64
	if err := e.pool.QueryRow(ctx, `SELECT min(id) FROM contacts`).Scan(&contact); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `INSERT INTO bounces (contact_id, class, reason, status, diagnostic, source, counted) VALUES
		($1, 'hard', 'userunknown', '5.1.1', 'smtp; 550 5.1.1 <user1@example.org>: Recipient address rejected: User unknown', 'dsn', true),
		($1, 'soft', 'mailboxfull', '4.2.2', 'smtp; 452 4.2.2 Mailbox full', 'dsn', false)`, contact); err != nil {
		t.Fatal(err)
	}
	path := "/console/contacts/" + strconv.FormatInt(contact, 10)
	body := wantStatus(t, "contact", e.get(path), http.StatusOK)
	for _, want := range []string{"Server reply", "Recipient address rejected: User unknown", "hard (address does not work)",
		"soft (temporary or mailbox full)", "Counts toward inactive", "<td>Yes</td>", "<td>No</td>",
		"<td>address does not exist</td>", "<td>mailbox full</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the contact's bounces lack %q:\n%.6000s", want, body[strings.Index(body, "<h2"):])
		}
	}
	e.post("/console/language", url.Values{"lang": {"nl"}})
	body = wantStatus(t, "contact in Dutch", e.get(path), http.StatusOK)
	for _, want := range []string{"Antwoord van de server", "hard (adres werkt niet)", "Telt mee voor inactief", "<td>Ja</td>",
		"<td>adres bestaat niet</td>", "<td>mailbox vol</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the Dutch contact's bounces lack %q", want)
		}
	}
}

// TestEveryBounceReasonInWords: each reason a bounce can carry has its
// words in English and in Dutch, so no screen shows a bare code.
func TestEveryBounceReasonInWords(t *testing.T) {
	for _, r := range bounces.Reasons() {
		for lang, cat := range map[string]map[string]string{"en": en, "nl": nl} {
			if cat["bouncereason."+r] == "" {
				t.Errorf("reason %s has no words in %s", r, lang)
			}
		}
	}
}

// TestConsoleSendAtInTheSchedulersZone: a scheduled campaign says when it
// goes out in the organisation's time zone (privacy.time_zone, the zone the
// schedule form offers), with UTC beside it (09:00 in Amsterdam, not a bare
// 08:00 UTC); a campaign that is no longer scheduled (started at once,
// finished) does not show a send time that did not happen.
func TestConsoleSendAtInTheSchedulersZone(t *testing.T) {
	e := newAdminEnv(t)
	amsterdam, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	e.h.Location = amsterdam
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	var id int64
	if err := e.pool.QueryRow(ctx, `UPDATE campaigns SET status = 'scheduled', send_at = '2026-12-03 08:00Z'
		WHERE id = (SELECT min(id) FROM campaigns) RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	path := "/console/campaigns/" + strconv.FormatInt(id, 10)
	if body := wantStatus(t, "scheduled", e.get(path), http.StatusOK); !strings.Contains(body, "Send at 2026-12-03 09:00 Europe/Amsterdam (2026-12-03 08:00 UTC)") {
		t.Errorf("the send time is not in the schedule's zone:\n%.2000s", body[strings.Index(body, "<main"):])
	}
	if _, err := e.pool.Exec(ctx, `UPDATE campaigns SET status = 'finished' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if body := wantStatus(t, "finished", e.get(path), http.StatusOK); strings.Contains(body, "Send at") {
		t.Errorf("a finished campaign shows its old send time:\n%.2000s", body[strings.Index(body, "<main"):])
	}
}

// TestConsoleTimesNameTheirZone: every time a screen shows names its zone:
// UTC by default, else the organisation's zone (privacy.time_zone) with
// UTC beside it, as the schedule does.
func TestConsoleTimesNameTheirZone(t *testing.T) {
	e := newAdminEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	var id int64
	if err := e.pool.QueryRow(ctx, `UPDATE contacts SET created_at = '2026-07-01 21:30Z'
		WHERE id = (SELECT min(id) FROM contacts) RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	path := "/console/contacts/" + strconv.FormatInt(id, 10)
	if body := wantStatus(t, "contact (UTC)", e.get(path), http.StatusOK); !strings.Contains(body, "2026-07-01 21:30 UTC") {
		t.Errorf("the creation time does not say UTC:\n%.3000s", body[strings.Index(body, "<main"):])
	}
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	if e.h.views, err = parseViews(ams); err != nil {
		t.Fatal(err)
	}
	if body := wantStatus(t, "contact (Amsterdam)", e.get(path), http.StatusOK); !strings.Contains(body, "2026-07-01 23:30 Europe/Amsterdam (2026-07-01 21:30 UTC)") {
		t.Errorf("the creation time is not in the organisation's zone:\n%.3000s", body[strings.Index(body, "<main"):])
	}
}
