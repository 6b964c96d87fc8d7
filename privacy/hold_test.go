package privacy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/privacy"
)

// TestLegalHold: a held contact is skipped by retention (the dry run names
// it with the reason), refused by erasure (409 with the reason), and its
// erasure request is closed as refused with the reason mailed to the
// requester; a hold on every contact does the same; placing and releasing
// are audited, and after the release erasure works.
func TestLegalHold(t *testing.T) {
	t.Parallel()
	e, m, _ := requestEnv(t, privacy.Options{OneStarDays: 365})
	ctx := t.Context()
	campaignID, listID := seedCampaign(t, e.fixture)
	held := seedSubject(t, e.fixture, "held", campaignID, listID)
	free := seedSubject(t, e.fixture, "free", campaignID, listID)
	e.exec(t, `UPDATE legal_holds SET released_at = now()`) // the seeders' holds are released ones
	e.exec(t, `UPDATE contacts SET one_star_since = now() - interval '400 days'`)
	until := time.Now().Add(365 * 24 * time.Hour).UTC().Truncate(time.Second)

	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"contact_id": held.ID, "until": until}, "reason"},
		{map[string]any{"contact_id": held.ID, "all": true, "reason": "tax audit", "until": until}, "contact_id"},
		{map[string]any{"contact_id": held.ID, "reason": "tax audit", "until": time.Now().Add(-time.Hour)}, "until"},
	} {
		code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/holds", c.body)
		if code != 422 || !strings.Contains(string(raw), `"`+c.field+`"`) {
			t.Errorf("hold %v: %d %s, want 422 naming %s", c.body, code, raw, c.field)
		}
	}
	if code, _, _ := e.do("marketer", "POST", "/api/v1/privacy/holds", map[string]any{"contact_id": held.ID, "reason": "tax audit", "until": until}); code != 403 {
		t.Errorf("marketer placed a hold: %d", code)
	}
	reason := "Belastingcontrole 2026: bewaarplicht AWR art. 52"
	code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/holds", map[string]any{"contact_id": held.ID, "reason": reason, "until": until})
	if code != 201 {
		t.Fatalf("place hold: %d %s", code, raw)
	}
	holds, err := e.svc.Holds(ctx, true, 0, 10)
	if err != nil || len(holds) != 1 || !holds[0].Active || *holds[0].ContactID != held.ID {
		t.Fatalf("active holds %+v, %v", holds, err)
	}

	// Retention: the dry run counts the free contact and names the held one.
	pv, err := e.svc.Preview(ctx, "test")
	if err != nil || pv.Total != 1 || pv.Held != 1 || len(pv.HeldContacts) != 1 || pv.HeldContacts[0].ContactID != held.ID || pv.HeldContacts[0].Reason != reason {
		t.Errorf("preview %+v, %v", pv, err)
	}
	if n, err := e.svc.RunRetention(ctx, "janitor"); err != nil || n != 1 {
		t.Errorf("retention erased %d, %v; want 1", n, err)
	}
	if _, err := e.cs.Get(ctx, free.ID); !errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("free contact kept: %v", err)
	}
	if _, err := e.cs.Get(ctx, held.ID); err != nil {
		t.Fatalf("held contact erased by retention: %v", err)
	}

	// Erasure by the API: refused with the reason.
	code, raw, _ = e.do("privacy", "POST", "/api/v1/privacy/erasures", map[string]any{"contact_id": held.ID})
	if code != 409 || !strings.Contains(string(raw), reason) {
		t.Errorf("erase held: %d %s, want 409 with the reason", code, raw)
	}
	// An erasure request: refused, documented, and the requester told why.
	if err := e.svc.RequestForContact(ctx, held.ID, "erasure", "", "", ""); err != nil {
		t.Fatal(err)
	}
	open, _ := e.svc.ListRequests(ctx, "open", "erasure", 0, 10)
	if len(open) != 1 {
		t.Fatalf("open erasure requests %+v", open)
	}
	r, err := e.svc.Fulfil(ctx, open[0].ID, "token:1:x")
	if err != nil || r.Status != "rejected" || !strings.Contains(r.Note, "legal hold") || !strings.Contains(r.Note, reason) {
		t.Fatalf("fulfil held erasure: %+v, %v", r, err)
	}
	got := m.mails(t)
	if len(got) != 1 || !strings.Contains(got[0].To, held.Email) || got[0].Subject != "We cannot erase your data yet" || !strings.Contains(got[0].Text, reason) {
		t.Errorf("refusal mails %+v", got)
	}
	// The access report tells the person about the hold.
	ex, err := e.svc.Export(ctx, held.ID, "test", "pdf")
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := ex.PDF("nl")
	if err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, pdf); !strings.Contains(text, "Bewaard om een wettelijke reden") || !strings.Contains(text, reason) {
		t.Errorf("report does not tell the hold: %s", text)
	}

	// A hold on every contact keeps another one too.
	other := seedSubject(t, e.fixture, "other", campaignID, listID)
	e.exec(t, `UPDATE legal_holds SET released_at = now() WHERE contact_id = $1`, other.ID)
	code, raw, _ = e.do("privacy", "POST", "/api/v1/privacy/holds", map[string]any{"all": true, "reason": "litigation hold", "until": until})
	if code != 201 {
		t.Fatalf("hold all: %d %s", code, raw)
	}
	var all privacy.Hold
	holds, _ = e.svc.Holds(ctx, true, 0, 10)
	for _, h := range holds {
		if h.ContactID == nil {
			all = h
		}
	}
	if err := e.svc.Erase(ctx, other.ID, privacy.CauseRequest, "test"); !strings.Contains(errString(err), "litigation hold") {
		t.Errorf("erase under a hold on all: %v", err)
	}
	// Release both: audited, and erasure goes through.
	for _, id := range []int64{holds[0].ID, all.ID} {
		if code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/holds/"+itoa(id)+"/release", nil); code != 200 {
			t.Fatalf("release: %d %s", code, raw)
		}
	}
	if code, _, _ := e.do("privacy", "POST", "/api/v1/privacy/holds/"+itoa(all.ID)+"/release", nil); code != 404 {
		t.Errorf("second release: %d, want 404", code)
	}
	if err := e.svc.Erase(ctx, held.ID, privacy.CauseRequest, "test"); err != nil {
		t.Errorf("erase after release: %v", err)
	}
	var holdsAudited, releases int
	e.db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE cause = $1), count(*) FILTER (WHERE cause = $2) FROM audit_log WHERE action = 'contact-change'`, privacy.CauseHold, privacy.CauseHoldRelease).Scan(&holdsAudited, &releases)
	if holdsAudited != 2 || releases != 2 {
		t.Errorf("audit: %d holds, %d releases; want 2 and 2", holdsAudited, releases)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
