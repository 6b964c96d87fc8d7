package privacy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/privacy"
)

// TestOtherRightsRequests: rectification, restriction and objection
// requests go through the form and its verification like access, get the
// one-month deadline, reach the privacy contact by mail, and are closed by
// staff with a note the requester gets; a verified objection stops the
// recording of opens and clicks at once.
func TestOtherRightsRequests(t *testing.T) {
	t.Parallel()
	e, m, _ := requestEnv(t, privacy.Options{ContactEmail: "Privacy Officer <dpo@example.org>"})
	ctx := t.Context()
	campaignID, listID := seedCampaign(t, e.fixture)
	s := seedSubject(t, e.fixture, "rights", campaignID, listID)
	f := e.fixture
	f.exec(t, `UPDATE deliveries SET opened_at = NULL, clicked_at = NULL WHERE contact_id = $1`, s.ID)

	// The form: a rectification request says what should be corrected
	// (the same rule as the recipient link's form), and is verified by
	// its link, which records the text with the request.
	for _, bad := range []string{"", "   ", strings.Repeat("x", privacy.MaxRequestDetails+1)} {
		var fe *errs.Error
		if err := e.svc.RequestByEmail(ctx, s.Email, "rectification", bad, "203.0.113.5", "Form UA", "nl"); !errors.As(err, &fe) || fe.Field != "details" {
			t.Errorf("rectification with details %.20q: %v, want invalid details", bad, err)
		}
	}
	if err := e.svc.RequestByEmail(ctx, s.Email, "access", "not for access", "203.0.113.5", "Form UA", "nl"); err == nil {
		t.Error("access request with details accepted")
	}
	e.svc.Wait()
	if got := m.mails(t); len(got) != 0 {
		t.Fatalf("an invalid request mailed %d links", len(got))
	}
	if err := e.svc.RequestByEmail(ctx, s.Email, "rectification", "  My name is Zoë, not Zoe.  ", "203.0.113.5", "Form UA", "nl"); err != nil {
		t.Fatal(err)
	}
	e.svc.Wait()
	got := m.mails(t)
	if len(got) != 1 || !strings.Contains(got[0].Text, "corrigeren") {
		t.Fatalf("verification mails %+v", got)
	}
	link := linkRE.FindStringSubmatch(got[0].Text)
	if link == nil {
		t.Fatalf("no link in %q", got[0].Text)
	}
	// The page behind the link shows what it would confirm, changing nothing.
	for range 2 {
		if kind, details, err := e.svc.PendingRequest(ctx, link[1]); err != nil || kind != "rectification" || details != "My name is Zoë, not Zoe." {
			t.Fatalf("pending request: %q %q %v", kind, details, err)
		}
	}
	if _, _, err := e.svc.PendingRequest(ctx, testenv.Tamper(link[1])); !errors.Is(err, rtoken.ErrInvalid) {
		t.Errorf("pending request of a tampered link: %v", err)
	}
	kind, _, err := e.svc.ConfirmRequest(ctx, link[1], "203.0.113.5", "Form UA")
	if err != nil || kind != "rectification" {
		t.Fatalf("confirm: %q, %v", kind, err)
	}
	var details string
	var drafts int
	f0 := e.fixture
	if err := f0.db.QueryRow(ctx, `SELECT coalesce(details, ''), (SELECT count(*) FROM privacy_request_drafts WHERE details = $2)
		FROM privacy_requests WHERE contact_id = $1 AND kind = 'rectification'`, s.ID, "My name is Zoë, not Zoe.").Scan(&details, &drafts); err != nil {
		t.Fatal(err)
	}
	if details != "My name is Zoë, not Zoe." || drafts != 0 {
		t.Errorf("verified rectification has details %q, %d drafts left", details, drafts)
	}
	// An objection from a recipient link.
	if err := e.svc.RequestForContact(ctx, s.ID, "objection", "", "192.0.2.8", "Link UA", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RequestForContact(ctx, s.ID, "forget-me", "", "", "", ""); err == nil {
		t.Error("unknown kind accepted")
	}
	e.svc.Wait()

	// The privacy contact got one mail per verified request, naming the
	// request and deadline but not the person's address.
	var toContact []string
	for _, g := range m.mails(t) {
		if strings.Contains(g.To, "dpo@example.org") {
			toContact = append(toContact, g.Subject)
			if strings.Contains(g.Text, s.Email) {
				t.Errorf("mail to the privacy contact names the address: %q", g.Text)
			}
		}
	}
	if len(toContact) != 2 || !strings.Contains(toContact[0], "(rectification) due") || !strings.Contains(toContact[1], "(objection) due") {
		t.Errorf("mails to the privacy contact: %q", toContact)
	}

	// The objection stopped measuring: an open and a click record nothing.
	rcp := optin.NewRecipients(f.db, f.cs, optin.NewActionLog(f.db, nil, nil), optin.RecipientOptions{})
	if err := rcp.RecordOpen(ctx, s.ID, campaignID, optin.Who{}); err != nil {
		t.Fatal(err)
	}
	if err := rcp.RecordClick(ctx, s.ID, campaignID, "https://example.org/", optin.Who{}); err != nil {
		t.Fatal(err)
	}
	var opened, clicked, untracked bool
	var actions int
	f.db.QueryRow(ctx, `SELECT opened_at IS NOT NULL, clicked_at IS NOT NULL, (SELECT no_tracking FROM contacts WHERE id = $1),
		(SELECT count(*) FROM recipient_actions WHERE contact_id = $1 AND action IN ('open', 'click'))
		FROM deliveries WHERE contact_id = $1`, s.ID).Scan(&opened, &clicked, &untracked, &actions)
	if opened || clicked || !untracked || actions != 0 {
		t.Errorf("after objection: opened %v clicked %v no_tracking %v actions %d; want nothing recorded", opened, clicked, untracked, actions)
	}

	// Deadlines and metrics like access and erasure.
	open, err := e.svc.ListRequests(ctx, "open", "", 0, 10)
	if err != nil || len(open) != 2 {
		t.Fatalf("open requests %+v, %v", open, err)
	}
	for _, r := range open {
		if d := r.DueAt.Sub(r.VerifiedAt).Hours() / 24; d < 28 || d > 31 {
			t.Errorf("request %s due after %.0f days, want one month", r.Kind, d)
		}
	}
	if n := openGauge(t, e, "objection"); n != 1 {
		t.Errorf("open objection requests metric %v, want 1", n)
	}

	// Staff close with a note: without one the API says which field.
	code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/requests/"+itoa(open[0].ID)+"/fulfil", nil)
	if code != 422 || !strings.Contains(string(raw), "note") {
		t.Errorf("fulfil without note: %d %s", code, raw)
	}
	code, raw, _ = e.do("privacy", "POST", "/api/v1/privacy/requests/"+itoa(open[0].ID)+"/fulfil", map[string]string{"note": "Name corrected to the spelling you gave."})
	if code != 200 || !strings.Contains(string(raw), `"status":"done"`) {
		t.Fatalf("fulfil: %d %s", code, raw)
	}
	last := m.mails(t)
	done := last[len(last)-1]
	if !strings.Contains(done.To, s.Email) || done.Subject != "Uw privacyverzoek is afgehandeld" || !strings.Contains(done.Text, "Name corrected") {
		t.Errorf("handled mail %+v", done)
	}
}

// TestErasureConfirmationWhenAsked: an API erasure mails the address a
// confirmation only when asked to, in the language asked.
func TestErasureConfirmationWhenAsked(t *testing.T) {
	t.Parallel()
	e, m, _ := requestEnv(t, privacy.Options{})
	campaignID, listID := seedCampaign(t, e.fixture)
	quiet := seedSubject(t, e.fixture, "quiet", campaignID, listID)
	asked := seedSubject(t, e.fixture, "asked", campaignID, listID)
	if code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/erasures", map[string]any{"contact_id": quiet.ID}); code != 200 {
		t.Fatalf("erase: %d %s", code, raw)
	}
	if code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/erasures", map[string]any{"contact_id": asked.ID, "confirm": true, "lang": "xx"}); code != 422 {
		t.Errorf("bad lang: %d %s", code, raw)
	}
	code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/erasures", map[string]any{"contact_id": asked.ID, "confirm": true, "lang": "nl"})
	if code != 200 || !strings.Contains(string(raw), `"confirmation_mailed":true`) {
		t.Fatalf("erase with confirmation: %d %s", code, raw)
	}
	if _, err := e.cs.Get(t.Context(), asked.ID); !errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("contact not erased: %v", err)
	}
	got := m.mails(t)
	if len(got) != 1 || !strings.Contains(got[0].To, asked.Email) || got[0].Subject != "Uw gegevens zijn gewist" {
		t.Errorf("mails %+v, want one confirmation to the asking contact", got)
	}
	var de *errs.Error
	if err := e.svc.RequestForContact(t.Context(), quiet.ID, "objection", "", "", "", ""); !errors.As(err, &de) && !errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("objection for an erased contact: %v", err)
	}
}

// openGauge reads postbode_privacy_requests_open{kind, overdue="false"}.
func openGauge(t *testing.T, e *apiEnv, kind string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "postbode_privacy_requests_open" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == kind && labels["overdue"] == "false" {
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("no postbode_privacy_requests_open{kind=%q}", kind)
	return 0
}

// TestRectificationTextNotReplaced: two rectification requests for one
// address within a minute share a verification link; a second text (say,
// typed by someone else) does not replace the one the first mail's link
// shows and confirms, and mails nothing.
func TestRectificationTextNotReplaced(t *testing.T) {
	t.Parallel()
	e, m, _ := requestEnv(t, privacy.Options{})
	ctx := t.Context()
	campaignID, listID := seedCampaign(t, e.fixture)
	s := seedSubject(t, e.fixture, "rectext", campaignID, listID)
	// Both submissions fall in one minute (the link's precision).
	if sec := time.Now().Second(); sec > 50 {
		time.Sleep(time.Duration(61-sec) * time.Second)
	}
	if err := e.svc.RequestByEmail(ctx, s.Email, "rectification", "My name is Anna.", "203.0.113.5", "UA", "en"); err != nil {
		t.Fatal(err)
	}
	e.svc.Wait()
	first := m.mails(t)
	if len(first) != 1 {
		t.Fatalf("verification mails %d, want 1", len(first))
	}
	link := linkRE.FindStringSubmatch(first[0].Text)
	if link == nil {
		t.Fatalf("no link in %q", first[0].Text)
	}
	if err := e.svc.RequestByEmail(ctx, s.Email, "rectification", "Send my mail to evil@example.net.", "198.51.100.7", "UA", "en"); !errors.Is(err, privacy.ErrRequestPending) {
		t.Errorf("a second text for the same link: %v, want ErrRequestPending", err)
	}
	e.svc.Wait()
	if got := m.mails(t); len(got) != 1 {
		t.Errorf("the refused request mailed: %d mails", len(got))
	}
	if _, details, err := e.svc.PendingRequest(ctx, link[1]); err != nil || details != "My name is Anna." {
		t.Fatalf("the first link shows %q (%v), want the first text", details, err)
	}
	// The same text again is the same request: mailed again, not refused.
	if err := e.svc.RequestByEmail(ctx, s.Email, "rectification", "My name is Anna.", "203.0.113.5", "UA", "en"); err != nil {
		t.Errorf("the same text again: %v", err)
	}
	e.svc.Wait()
}
