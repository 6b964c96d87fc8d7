package privacy_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/privacy"
)

// gauge reads an unlabelled gauge; ok false when absent.
func gauge(t *testing.T, e *apiEnv, name string) (float64, bool) {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// TestBreachRegister: breaches are recorded with their facts, the 72-hour
// deadline is computed and exported as a metric until the authority is
// notified (or no notification is required, with a reason).
func TestBreachRegister(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, privacy.Options{})
	if _, ok := gauge(t, e, "postbode_data_breach_notification_deadline_timestamp_seconds"); ok {
		t.Error("deadline metric without any breach")
	}
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"nature": "laptop stolen"}, "discovered_at"},
		{map[string]any{"discovered_at": time.Now().Add(-time.Hour)}, "nature"},
		{map[string]any{"discovered_at": time.Now().Add(time.Hour), "nature": "laptop stolen"}, "discovered_at"},
		{map[string]any{"discovered_at": time.Now().Add(-time.Hour), "nature": "laptop stolen", "authority": "notified"}, "authority_notified_at"},
		{map[string]any{"discovered_at": time.Now().Add(-time.Hour), "nature": "laptop stolen", "people": "not-required"}, "people_note"},
	} {
		code, raw, _ := e.do("privacy", "POST", "/api/v1/privacy/breaches", c.body)
		if code != 422 || !strings.Contains(string(raw), `"`+c.field+`"`) {
			t.Errorf("breach %v: %d %s, want 422 naming %s", c.body, code, raw, c.field)
		}
	}
	if code, _, _ := e.do("marketer", "GET", "/api/v1/privacy/breaches", nil); code != 403 {
		t.Errorf("marketer reads the breach register: %d", code)
	}
	older := time.Now().Add(-80 * time.Hour).UTC().Truncate(time.Second)
	newer := time.Now().Add(-10 * time.Hour).UTC().Truncate(time.Second)
	var b1, b2 privacy.Breach
	json.Unmarshal(e.mustDo(201, "privacy", "POST", "/api/v1/privacy/breaches", map[string]any{"discovered_at": newer,
		"nature": "Mailing list export sent to a wrong address", "categories": []string{"email", "name"}, "people_approx": 1200, "records_approx": 1200,
		"consequences": "Addresses may receive spam", "measures": "Recipient asked to delete; confirmed"}), &b1)
	json.Unmarshal(e.mustDo(201, "privacy", "POST", "/api/v1/privacy/breaches", map[string]any{"discovered_at": older,
		"nature": "Backup disk lost"}), &b2)
	if !b1.NotifyBy.Equal(newer.Add(72*time.Hour)) || b1.Overdue || b1.Authority != "pending" || b1.PeopleApprox != 1200 || len(b1.Categories) != 2 {
		t.Errorf("breach 1 %+v", b1)
	}
	if !b2.Overdue {
		t.Errorf("breach 2 discovered 80 h ago not overdue: %+v", b2)
	}
	if n, _ := gauge(t, e, "postbode_data_breaches_pending"); n != 2 {
		t.Errorf("pending %v, want 2", n)
	}
	if at, ok := gauge(t, e, "postbode_data_breach_notification_deadline_timestamp_seconds"); !ok || int64(at) != older.Add(72*time.Hour).Unix() {
		t.Errorf("deadline %v (%v), want the older breach's %d", int64(at), ok, older.Add(72*time.Hour).Unix())
	}
	// The older one is notified; the newer one needs no notification.
	notified := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	json.Unmarshal(e.mustDo(200, "privacy", "PATCH", "/api/v1/privacy/breaches/"+itoa(b2.ID), map[string]any{"authority": "notified", "authority_notified_at": notified}), &b2)
	if b2.Authority != "notified" || b2.AuthorityNotifiedAt == nil || !b2.AuthorityNotifiedAt.Equal(notified) || b2.Overdue || b2.Nature != "Backup disk lost" {
		t.Errorf("notified breach %+v", b2)
	}
	if at, _ := gauge(t, e, "postbode_data_breach_notification_deadline_timestamp_seconds"); int64(at) != newer.Add(72*time.Hour).Unix() {
		t.Errorf("deadline after notification %v, want the newer breach's", int64(at))
	}
	e.mustDo(200, "privacy", "PATCH", "/api/v1/privacy/breaches/"+itoa(b1.ID), map[string]any{"authority": "not-required", "authority_note": "encrypted, key not lost"})
	if n, _ := gauge(t, e, "postbode_data_breaches_pending"); n != 0 {
		t.Errorf("pending %v, want 0", n)
	}
	if _, ok := gauge(t, e, "postbode_data_breach_notification_deadline_timestamp_seconds"); ok {
		t.Error("deadline metric with nothing pending")
	}
	if code, _, _ := e.do("privacy", "PATCH", "/api/v1/privacy/breaches/99999", map[string]any{"measures": "x"}); code != 404 {
		t.Errorf("unknown breach: %d", code)
	}
}

// TestProcessingRegister: the art. 30 register is generated from the
// lists, the data held, processors, retention and security measures, as
// JSON and as a PDF.
func TestProcessingRegister(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, privacy.Options{OneStarDays: 365, OrgName: "Stichting Ångström",
		Controller: privacy.Controller{SecurityMeasures: []string{"TLS on every connection", "Database encrypted at rest"},
			Processors: []privacy.Processor{{Name: "Relay BV", Purpose: "delivers our mail", Location: "Netherlands"}}}})
	_, listID := seedCampaign(t, e.fixture)
	e.exec(t, `UPDATE lists SET name = 'Ledennieuws', purpose = 'News for members', legal_basis = 'contract' WHERE id = $1`, listID)
	c, err := e.cs.Create(t.Context(), contacts.New{Email: "lid@example.org", Name: "Lid", Source: "api", Attributes: map[string]any{"member_no": "42"}})
	if err != nil {
		t.Fatal(err)
	}
	e.exec(t, `INSERT INTO subscriptions (contact_id, list_id, status) VALUES ($1, $2, 'confirmed')`, c.ID, listID)
	// The lists API takes the legal basis (default consent).
	if code, raw, _ := e.do("marketer", "POST", "/api/v1/lists", map[string]any{"slug": "klanten", "name": "Klantnieuws", "purpose": "News for customers", "optin": "single", "legal_basis": "because"}); code != 422 || !strings.Contains(string(raw), "legal_basis") {
		t.Errorf("bad legal basis: %d %s", code, raw)
	}
	e.mustDo(201, "marketer", "POST", "/api/v1/lists", map[string]any{"slug": "klanten", "name": "Klantnieuws", "purpose": "News for customers", "optin": "single", "legal_basis": "legitimate-interest"})
	var reg privacy.ProcessingRegister
	json.Unmarshal(e.mustDo(200, "privacy", "GET", "/api/v1/privacy/register", nil), &reg)
	if len(reg.Activities) != 2 || reg.Activities[0].LegalBasis != "legitimate-interest" {
		t.Errorf("activities %+v", reg.Activities)
	}
	reg.Activities = reg.Activities[1:]
	if len(reg.Activities) != 1 || reg.Activities[0].Name != "Ledennieuws" || reg.Activities[0].LegalBasis != "contract" || reg.Activities[0].Count != 1 {
		t.Errorf("activities %+v", reg.Activities)
	}
	cats := strings.Join(reg.Categories, "|")
	for _, want := range []string{"Your details: Email address", "Your details: Name", "Attribute member_no"} {
		if !strings.Contains(cats, want) {
			t.Errorf("categories %q lack %q", cats, want)
		}
	}
	if len(reg.Processors) != 1 || len(reg.SecurityMeasures) != 2 || !strings.Contains(reg.Retention, "365 days") || reg.Controller.Organisation != "Stichting Ångström" {
		t.Errorf("register %+v", reg)
	}
	pdf := e.mustDo(200, "privacy", "GET", "/api/v1/privacy/register?format=pdf", nil)
	text := pdfText(t, pdf)
	for _, want := range []string{"Register of processing activities", "Stichting Ångström", "Ledennieuws", "News for members",
		"our agreement with you (GDPR art. 6(1)(b))", "Subscribers of Ledennieuws (1)", "Relay BV: delivers our mail (Netherlands)",
		"Database encrypted at rest", "365 days", " UTC"} {
		if !strings.Contains(text, want) {
			t.Errorf("register PDF lacks %q", want)
		}
	}
}

// TestProcessorAgreements: the admin stores a signed agreement and
// downloads it; the privacy role sees the list, nobody else the document.
func TestProcessorAgreements(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, privacy.Options{})
	doc := []byte("%PDF-1.4\n% signed agreement\n%%EOF\n")
	upload := func(role, query string, body []byte) (int, []byte) {
		req, _ := http.NewRequest("POST", e.url+"/api/v1/privacy/processor-agreements?"+query, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
		req.Header.Set("Content-Type", "application/pdf")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, raw
	}
	if code, _ := upload("privacy", "processor=Relay+BV", doc); code != 403 {
		t.Errorf("privacy uploaded: %d", code)
	}
	if code, raw := upload("admin", "processor=Relay+BV", []byte("not a pdf")); code != 422 || !strings.Contains(string(raw), "document") {
		t.Errorf("non-PDF: %d %s", code, raw)
	}
	if code, raw := upload("admin", "processor=Relay+BV&signed_on=yesterday", doc); code != 422 || !strings.Contains(string(raw), "signed_on") {
		t.Errorf("bad date: %d %s", code, raw)
	}
	code, raw := upload("admin", "processor=Relay+BV&filename=../../dpa-relay.pdf&signed_on=2026-01-15", doc)
	if code != 201 {
		t.Fatalf("upload: %d %s", code, raw)
	}
	var ag privacy.Agreement
	json.Unmarshal(raw, &ag)
	if ag.Filename != "dpa-relay.pdf" || ag.Size != int64(len(doc)) || ag.SignedOn == nil || ag.SignedOn.Format("2006-01-02") != "2026-01-15" {
		t.Errorf("agreement %+v", ag)
	}
	if _, raw, _ := e.do("privacy", "GET", "/api/v1/privacy/processor-agreements", nil); !strings.Contains(string(raw), "Relay BV") {
		t.Errorf("list %s", raw)
	}
	path := "/api/v1/privacy/processor-agreements/" + itoa(ag.ID) + "/document"
	if code, _, _ := e.do("privacy", "GET", path, nil); code != 403 {
		t.Errorf("privacy downloaded: %d", code)
	}
	code, got, hdr := e.do("admin", "GET", path, nil)
	if code != 200 || !bytes.Equal(got, doc) || hdr.Get("Content-Type") != "application/pdf" || !strings.Contains(hdr.Get("Content-Disposition"), "dpa-relay.pdf") {
		t.Errorf("download: %d %q %v", code, got, hdr)
	}
}
