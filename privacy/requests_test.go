package privacy_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/privacy"
)

const baseURL = "https://post.example.org"

// requestEnv is an API env whose service mails through a capture mailer.
func requestEnv(t *testing.T, opt privacy.Options) (*apiEnv, *captureMailer, *rtoken.Keys) {
	t.Helper()
	m := newCaptureMailer(t)
	keys := rtoken.NewKeys(testSecret)
	opt.Mailer, opt.Tokens, opt.BaseURL, opt.OrgName = m, keys, baseURL, "Stichting Test"
	return newAPIEnv(t, opt), m, keys
}

var linkRE = regexp.MustCompile(regexp.QuoteMeta(baseURL) + `/q/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)`)

func auditActions(t *testing.T, e *apiEnv) []string {
	t.Helper()
	entries, err := e.svc.AuditLog(t.Context(), "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, en := range entries {
		out = append(out, en.Action+"/"+en.Cause)
	}
	return out
}

// TestRequestFormFlow: the public form asks, the mail carries the link,
// following it records the request, the API lists it with its deadline,
// staff fulfil it and the requester gets the export.
func TestRequestFormFlow(t *testing.T) {
	t.Parallel()
	e, m, keys := requestEnv(t, privacy.Options{})
	ctx := t.Context()
	campaignID, listID := seedCampaign(t, e.fixture)
	s := seedSubject(t, e.fixture, "form", campaignID, listID)

	// Validation names the field.
	for _, c := range []struct{ email, kind, ip, lang, field string }{
		{s.Email, "delete", "", "", "kind"},
		{"not-an-address", "access", "", "", "email"},
		{s.Email, "access", "", "de", "lang"},
		{s.Email, "access", "300.1.1.1", "", "ip"},
	} {
		err := e.svc.RequestByEmail(ctx, c.email, c.kind, "", c.ip, "ua", c.lang)
		var de *errs.Error
		if !errors.As(err, &de) || de.Field != c.field {
			t.Errorf("RequestByEmail(%q, %q, ip %q, lang %q) = %v, want invalid %s", c.email, c.kind, c.ip, c.lang, err, c.field)
		}
	}
	// An unknown address: no error, no mail.
	if err := e.svc.RequestByEmail(ctx, "nobody@example.net", "access", "", "203.0.113.9", "ua", "en"); err != nil {
		t.Fatalf("unknown address: %v", err)
	}
	e.svc.Wait()
	if got := m.mails(t); len(got) != 0 {
		t.Fatalf("a mail went to an unknown address: %+v", got)
	}
	// The contact's address (any case): one Dutch mail with the link.
	if err := e.svc.RequestByEmail(ctx, strings.ToUpper(s.Email), "access", "", "203.0.113.9", "Form UA", "nl"); err != nil {
		t.Fatal(err)
	}
	e.svc.Wait()
	got := m.mails(t)
	if len(got) != 1 || !strings.Contains(got[0].To, s.Email) || got[0].Subject != "Bevestig uw privacyverzoek" {
		t.Fatalf("verification mails %+v", got)
	}
	match := linkRE.FindStringSubmatch(got[0].Text)
	if match == nil {
		t.Fatalf("no /q/ link in %q", got[0].Text)
	}
	tok := match[1]
	cl, err := keys.Parse(tok, rtoken.Verify)
	if err != nil || cl.ContactID != s.ID || cl.Expires.Sub(time.Now()) < 47*time.Hour || cl.Expires.Sub(time.Now()) > 49*time.Hour {
		t.Fatalf("token claims %+v, %v; want the contact, 48h expiry", cl, err)
	}
	// Nothing is recorded before the link is followed.
	if code, raw, _ := e.do("privacy", "GET", "/api/v1/privacy/requests?status=open", nil); code != 200 || !strings.Contains(string(raw), `"items":[]`) {
		t.Fatalf("requests before confirmation: %d %s", code, raw)
	}
	// Following the link records it, once, and says so only the first time.
	for i := 0; i < 2; i++ {
		kind, recorded, err := e.svc.ConfirmRequest(ctx, tok, "198.51.100.77", "Confirm UA")
		if err != nil || kind != "access" || recorded != (i == 0) {
			t.Fatalf("ConfirmRequest #%d = %q, recorded %v, %v", i+1, kind, recorded, err)
		}
	}
	// Once the request is closed, replaying the link in any other spelling
	// (the last character carries unused bits) records nothing new.
	e.exec(t, `UPDATE privacy_requests SET status = 'rejected', closed_at = now() WHERE token_hash = $1`, cl.Identity())
	var before, n int
	e.db.QueryRow(ctx, `SELECT count(*) FROM privacy_requests`).Scan(&before)
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		if v := tok[:len(tok)-1] + string(c); v != tok {
			if _, _, err := e.svc.ConfirmRequest(ctx, v, "", ""); !errors.Is(err, rtoken.ErrInvalid) {
				t.Errorf("another spelling %q: %v, want rtoken.ErrInvalid", v, err)
			}
		}
	}
	if _, recorded, err := e.svc.ConfirmRequest(ctx, tok, "", ""); err != nil || recorded {
		t.Fatalf("replay of a closed request's link: recorded %v, %v", recorded, err)
	}
	if err := e.db.QueryRow(ctx, `SELECT count(*) FROM privacy_requests`).Scan(&n); err != nil || n != before {
		t.Fatalf("%d requests after replays, want %d", n, before)
	}
	e.exec(t, `UPDATE privacy_requests SET status = 'open', closed_at = NULL WHERE token_hash = $1`, cl.Identity())
	if _, _, err := e.svc.ConfirmRequest(ctx, testenv.Tamper(tok), "", ""); !errors.Is(err, rtoken.ErrInvalid) {
		t.Errorf("tampered token: %v, want rtoken.ErrInvalid", err)
	}
	expired := keys.Mint(rtoken.Claims{Purpose: rtoken.Verify, ContactID: s.ID, CampaignID: cl.CampaignID, Expires: time.Now().Add(-2 * time.Minute)})
	if _, _, err := e.svc.ConfirmRequest(ctx, expired, "", ""); !errors.Is(err, rtoken.ErrExpired) {
		t.Errorf("expired token: %v, want rtoken.ErrExpired", err)
	}
	other := keys.Mint(rtoken.Claims{Purpose: rtoken.Privacy, ContactID: s.ID, CampaignID: cl.CampaignID})
	if _, _, err := e.svc.ConfirmRequest(ctx, other, "", ""); !errors.Is(err, rtoken.ErrInvalid) {
		t.Errorf("token of another purpose: %v, want rtoken.ErrInvalid", err)
	}

	// The API lists it with its one-month deadline.
	for _, role := range []string{"marketer", "viewer"} {
		if code, _, _ := e.do(role, "GET", "/api/v1/privacy/requests", nil); code != 403 {
			t.Errorf("requests as %s: %d, want 403", role, code)
		}
	}
	code, raw, _ := e.do("privacy", "GET", "/api/v1/privacy/requests?status=open", nil)
	var page struct{ Items []privacy.Request }
	if err := json.Unmarshal(raw, &page); code != 200 || err != nil || len(page.Items) != 1 {
		t.Fatalf("requests: %d %s", code, raw)
	}
	r := page.Items[0]
	if r.Kind != "access" || r.Status != "open" || r.Via != "form" || r.Lang != "nl" || r.ContactID == nil || *r.ContactID != s.ID ||
		r.IP == nil || r.IP.String() != "198.51.100.77" || r.UserAgent == nil || *r.UserAgent != "Confirm UA" || r.Overdue {
		t.Errorf("request %+v", r)
	}
	if want := r.VerifiedAt.AddDate(0, 1, 0); !r.DueAt.Equal(want) {
		t.Errorf("due_at %v, want verified_at + 1 month = %v", r.DueAt, want)
	}
	if code, raw, _ := e.do("marketer", "POST", "/api/v1/privacy/requests/"+itoa(r.ID)+"/fulfil", nil); code != 403 {
		t.Errorf("fulfil as marketer: %d %s", code, raw)
	}

	// Fulfil: the export goes to the requester, attached as JSON and PDF.
	code, raw, _ = e.do("privacy", "POST", "/api/v1/privacy/requests/"+itoa(r.ID)+"/fulfil", nil)
	var done privacy.Request
	if err := json.Unmarshal(raw, &done); code != 200 || err != nil || done.Status != "done" || done.ClosedAt == nil || !strings.HasPrefix(done.ClosedBy, "token:") {
		t.Fatalf("fulfil: %d %s", code, raw)
	}
	got = m.mails(t)
	if len(got) != 2 {
		t.Fatalf("%d mails, want the verification and the export", len(got))
	}
	ans := got[1]
	if !strings.Contains(ans.To, s.Email) || ans.Subject != "Uw persoonsgegevens" {
		t.Errorf("answer to %q subject %q", ans.To, ans.Subject)
	}
	var ex struct {
		ContactID int64                       `json:"contact_id"`
		Tables    map[string][]map[string]any `json:"tables"`
	}
	if err := json.Unmarshal(ans.Files["personal-data.json"], &ex); err != nil || ex.ContactID != s.ID {
		t.Fatalf("JSON attachment: %v (%d bytes)", err, len(ans.Files["personal-data.json"]))
	}
	if len(ex.Tables["contacts"]) != 1 || ex.Tables["contacts"][0]["email"] != s.Email || len(ex.Tables["privacy_requests"]) != 2 {
		t.Errorf("export tables %v", ex.Tables)
	}
	if pdf := ans.Files["personal-data.pdf"]; !strings.HasPrefix(string(pdf), "%PDF-") || !strings.Contains(string(pdf), "%%EOF") {
		t.Errorf("PDF attachment of %d bytes is not a PDF", len(pdf))
	}
	// Closed: a second fulfil conflicts; rejecting needs a reason.
	if code, _, _ := e.do("privacy", "POST", "/api/v1/privacy/requests/"+itoa(r.ID)+"/fulfil", nil); code != 409 {
		t.Errorf("second fulfil: %d, want 409", code)
	}
	if code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/requests/"+itoa(r.ID)+"/reject", map[string]any{}); code != 422 || !strings.Contains(string(raw), `"field":"reason"`) {
		t.Errorf("reject without reason: %d %s", code, raw)
	}
	if code, _, _ := e.do("privacy", "GET", "/api/v1/privacy/requests/99999", nil); code != 404 {
		t.Errorf("unknown request: %d, want 404", code)
	}
	// Every step is audited, without the subject's data.
	want := []string{"request-mailed/access", "bulk-read/requests", "request-verified/access", "bulk-read/requests",
		"export/json+pdf", "request-fulfil/access"}
	if got := auditActions(t, e); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("audit %v, want %v", got, want)
	}
	_, raw, _ = e.do("admin", "GET", "/api/v1/privacy/audit", nil)
	for _, n := range s.needles() {
		if strings.Contains(strings.ToLower(string(raw)), strings.ToLower(n)) {
			t.Errorf("the audit log holds %q", n)
		}
	}
}

// TestErasureRequest: a request from a recipient link, fulfilled by
// erasing; the request row stays, anonymised, and the address gets a
// confirmation.
func TestErasureRequest(t *testing.T) {
	t.Parallel()
	e, m, _ := requestEnv(t, privacy.Options{KeepSuppressionHash: true})
	ctx := t.Context()
	campaignID, listID := seedCampaign(t, e.fixture)
	s := seedSubject(t, e.fixture, "erasure", campaignID, listID)
	if err := e.svc.RequestForContact(ctx, 424242, "erasure", "", "", "", ""); !errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("unknown contact: %v", err)
	}
	if err := e.svc.RequestForContact(ctx, s.ID, "erasure", "", "192.0.2.44", "Link UA", ""); err != nil {
		t.Fatal(err)
	}
	// A second request of the same kind while one is open is the same request.
	if err := e.svc.RequestForContact(ctx, s.ID, "erasure", "", "192.0.2.44", "Link UA", ""); err != nil {
		t.Fatal(err)
	}
	open, err := e.svc.ListRequests(ctx, "open", "erasure", 0, 10)
	if err != nil || len(open) != 1 || open[0].Via != "link" {
		t.Fatalf("open requests %+v, %v", open, err)
	}
	id := open[0].ID
	code, raw, _ := e.do("admin", "POST", "/api/v1/privacy/requests/"+itoa(id)+"/fulfil", nil)
	if code != 200 {
		t.Fatalf("fulfil: %d %s", code, raw)
	}
	if _, err := e.cs.Get(ctx, s.ID); !errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("contact after erasure request: %v", err)
	}
	got := m.mails(t)
	if len(got) != 1 || !strings.Contains(got[0].To, s.Email) || got[0].Subject != "Your data has been erased" {
		t.Fatalf("confirmation mails %+v", got)
	}
	r, err := e.svc.GetRequest(ctx, id)
	if err != nil || r.Status != "done" || r.ContactID != nil || r.IP != nil || r.UserAgent != nil || r.Note != "contact erased" {
		t.Errorf("request after erasure %+v, %v; want done and anonymised", r, err)
	}
	if found := searchDB(t, e.fixture, s.needles()); len(found) > 0 {
		t.Errorf("erasure request left: %v", found)
	}
	want := []string{"request-verified/erasure", "erase/request", "request-fulfil/erasure"}
	if got := auditActions(t, e); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("audit %v, want %v", got, want)
	}

	// A contact erased by other means while its access request is open:
	// the request closes with a note and nothing is mailed.
	s2 := seedSubject(t, e.fixture, "gone", campaignID, listID)
	if err := e.svc.RequestForContact(ctx, s2.ID, "access", "", "", "", ""); err != nil {
		t.Fatal(err)
	}
	open, _ = e.svc.ListRequests(ctx, "open", "access", 0, 10)
	if len(open) != 1 {
		t.Fatalf("open access requests %+v", open)
	}
	if err := e.svc.Erase(ctx, s2.ID, privacy.CauseRequest, "token:1:x"); err != nil {
		t.Fatal(err)
	}
	r, err = e.svc.Fulfil(ctx, open[0].ID, "token:1:x")
	if err != nil || r.Status != "done" || !strings.Contains(r.Note, "no longer held") {
		t.Errorf("fulfil after erasure: %+v, %v", r, err)
	}
	if n := len(m.mails(t)); n != 1 {
		t.Errorf("%d mails, want still 1", n)
	}
}

// TestAutoErasureAndRateLimit: with privacy.auto_erasure the janitor
// erases for a verified request; the form is limited per address whether
// the address is known or not.
func TestAutoErasureAndRateLimit(t *testing.T) {
	t.Parallel()
	e, m, _ := requestEnv(t, privacy.Options{AutoErasure: true, RequestMailsPerHour: 2})
	ctx := t.Context()
	c, err := e.cs.Create(ctx, contacts.New{Email: "auto@example.net", Name: "Auto", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"auto@example.net", "unknown@example.net"} {
		for i := 0; i < 2; i++ {
			if err := e.svc.RequestByEmail(ctx, addr, "erasure", "", "", "", ""); err != nil {
				t.Fatalf("%s #%d: %v", addr, i+1, err)
			}
		}
		if err := e.svc.RequestByEmail(ctx, addr, "erasure", "", "", "", ""); !errors.Is(err, privacy.ErrRateLimited) {
			t.Errorf("%s #3: %v, want ErrRateLimited", addr, err)
		}
	}
	e.svc.Wait()
	got := m.mails(t)
	if len(got) != 2 {
		t.Fatalf("%d mails, want 2 verifications", len(got))
	}
	tok := linkRE.FindStringSubmatch(got[0].Text)[1]
	if kind, _, err := e.svc.ConfirmRequest(ctx, tok, "192.0.2.1", "UA"); err != nil || kind != "erasure" {
		t.Fatalf("confirm: %q %v", kind, err)
	}
	// The janitor erases once the request is a minute old (after the page
	// that took it has logged it).
	if n, err := e.svc.RunAutoErasures(ctx); n != 0 || err != nil {
		t.Fatalf("auto erasure of a fresh request: %d, %v", n, err)
	}
	if _, err := e.cs.Get(ctx, c.ID); err != nil {
		t.Fatalf("contact erased before the janitor ran: %v", err)
	}
	e.exec(t, `INSERT INTO recipient_actions (contact_id, action, detail, ip, user_agent) VALUES ($1, 'privacy-verified', 'erasure', '192.0.2.1', 'Page UA')`, c.ID)
	e.exec(t, `UPDATE privacy_requests SET verified_at = verified_at - interval '2 minutes'`)
	if n, err := e.svc.RunAutoErasures(ctx); n != 1 || err != nil {
		t.Fatalf("auto erasure: %d, %v", n, err)
	}
	if n, err := e.svc.RunAutoErasures(ctx); n != 0 || err != nil {
		t.Fatalf("second run: %d, %v", n, err)
	}
	if _, err := e.cs.Get(ctx, c.ID); !errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("auto erasure: contact still there (%v)", err)
	}
	if found := searchDB(t, e.fixture, []string{"auto@example.net", "Page UA", "192.0.2.1"}); len(found) > 0 {
		t.Errorf("auto erasure left %v", found)
	}
	got = m.mails(t)
	if len(got) != 3 || got[2].Subject != "Your data has been erased" {
		t.Errorf("mails after auto erasure: %d", len(got))
	}
	// The link of an erased contact is invalid (the page shows a neutral text).
	if _, _, err := e.svc.ConfirmRequest(ctx, linkRE.FindStringSubmatch(got[1].Text)[1], "", ""); !errors.Is(err, rtoken.ErrInvalid) {
		t.Errorf("second link after erasure: %v, want ErrInvalid", err)
	}
	rs, _ := e.svc.ListRequests(ctx, "done", "", 0, 10)
	if len(rs) != 1 || rs[0].ClosedBy != "auto" {
		t.Errorf("done requests %+v", rs)
	}
}

// TestAutoAccess: with privacy.auto_access a verified access request is
// answered at once.
func TestAutoAccess(t *testing.T) {
	t.Parallel()
	e, m, _ := requestEnv(t, privacy.Options{AutoAccess: true, DefaultLang: "nl"})
	ctx := t.Context()
	c, err := e.cs.Create(ctx, contacts.New{Email: "inzage@example.net", Name: "Inge", Source: "api"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RequestForContact(ctx, c.ID, "access", "", "192.0.2.8", "UA", ""); err != nil {
		t.Fatal(err)
	}
	got := m.mails(t)
	if len(got) != 1 || got[0].Subject != "Uw persoonsgegevens" || len(got[0].Files) != 2 {
		t.Fatalf("mails %+v", got)
	}
	rs, _ := e.svc.ListRequests(ctx, "", "", 0, 10)
	if len(rs) != 1 || rs[0].Status != "done" || rs[0].ClosedBy != "auto" || rs[0].Lang != "nl" {
		t.Errorf("requests %+v", rs)
	}
	if _, err := e.cs.Get(ctx, c.ID); err != nil {
		t.Errorf("access request changed the contact: %v", err)
	}
}

// TestAutoErasureIsAuditedInTheRequestsDepartment: the janitor erases on a
// verified request of another department than the default one; the
// erasure and the closing of the request are in that department's audit
// log, as when its privacy officer fulfils it.
func TestAutoErasureIsAuditedInTheRequestsDepartment(t *testing.T) {
	t.Parallel()
	e, m, _ := requestEnv(t, privacy.Options{AutoErasure: true})
	ctx := t.Context()
	var sales int64
	if err := e.db.QueryRow(ctx, `INSERT INTO departments (slug, name) VALUES ('sales', 'Sales') RETURNING id`).Scan(&sales); err != nil {
		t.Fatal(err)
	}
	sctx := access.WithDepartment(ctx, sales)
	if _, err := e.cs.Create(sctx, contacts.New{Email: "gone@example.net", Name: "Gone", Source: "api"}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RequestByEmail(sctx, "gone@example.net", "erasure", "", "", "", ""); err != nil {
		t.Fatal(err)
	}
	e.svc.Wait()
	got := m.mails(t)
	if len(got) != 1 {
		t.Fatalf("%d mails, want the verification", len(got))
	}
	if _, _, err := e.svc.ConfirmRequest(ctx, linkRE.FindStringSubmatch(got[0].Text)[1], "192.0.2.1", "UA"); err != nil {
		t.Fatal(err)
	}
	e.exec(t, `UPDATE privacy_requests SET verified_at = verified_at - interval '2 minutes'`)
	if n, err := e.svc.RunAutoErasures(ctx); n != 1 || err != nil {
		t.Fatalf("auto erasure: %d, %v", n, err)
	}
	rows, err := e.db.Query(ctx, `SELECT action, department_id FROM audit_log WHERE action IN ('erase', 'request-fulfil') ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var action string
		var dept int64
		if err := rows.Scan(&action, &dept); err != nil {
			t.Fatal(err)
		}
		n++
		if dept != sales {
			t.Errorf("%s of the janitor's erasure of a contact of department %d written to department %d", action, sales, dept)
		}
	}
	if n != 2 {
		t.Fatalf("%d entries, want erase and request-fulfil", n)
	}
	if found := searchDB(t, e.fixture, []string{"gone@example.net", "Gone"}); len(found) > 0 {
		t.Errorf("auto erasure left %v", found)
	}
}
