package console

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/privacy"
	"github.com/postbode/postbode/staff"
)

// registersEnv is a console with an administrator, a contact of the
// default department, and a privacy officer of another department.
type registersEnv struct {
	*adminEnv
	contact int64
	// other is a privacy officer of the department sales, otherCSRF theirs.
	other     *http.Cookie
	otherCSRF string
}

func newRegistersEnv(t *testing.T) *registersEnv {
	t.Helper()
	e := &registersEnv{adminEnv: newAdminEnv(t)}
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	if err := e.pool.QueryRow(ctx, `SELECT min(id) FROM contacts`).Scan(&e.contact); err != nil {
		t.Fatal(err)
	}
	sales, err := e.st.SaveDepartment(context.Background(), staff.Department{Slug: "sales", Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	_, e.other = e.login("olga@example.org", sales.ID, access.RolePrivacy)
	e.otherCSRF = e.csrfOf(e.other)
	return e
}

// postAs sends form as cookie c with its CSRF token.
func (e *registersEnv) postAs(path string, form url.Values, c *http.Cookie, csrf string) *httptest.ResponseRecorder {
	form.Set("csrf", csrf)
	return e.send("POST", path, form, c)
}

// wantFieldError checks that a 422 page names field with a message containing msg.
func wantFieldError(t *testing.T, what string, w *httptest.ResponseRecorder, field, msg string) {
	t.Helper()
	body := html.UnescapeString(wantStatus(t, what, w, http.StatusUnprocessableEntity))
	m := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(field) + `-error">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(m[1], msg) {
		t.Fatalf("%s: no error on %s saying %q:\n%.3000s", what, field, msg, body)
	}
}

func (e *registersEnv) audited(kind, cause string) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE target_kind = $1 AND cause = $2 AND person_id IS NOT NULL`,
		kind, cause).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestConsoleBreaches: a breach is recorded through the form (a discovery
// in the future and an empty description are refused naming the field),
// its page shows the 72-hour clock with zone, the authority's
// notification needs its time, each change is audited; a viewer is
// refused and another department's privacy officer does not find it.
func TestConsoleBreaches(t *testing.T) {
	e := newRegistersEnv(t)
	wantStatus(t, "new breach form", e.get("/console/privacy/breaches/new"), http.StatusOK)
	now := time.Now().UTC()
	valid := func() url.Values {
		return url.Values{"discovered_at": {now.Add(-2 * time.Hour).Format(formMoment)}, "nature": {"A laptop with an export of the list was stolen."},
			"categories": {"email addresses, names"}, "people_approx": {"1200"}, "records_approx": {"1200"},
			"authority": {"pending"}, "people": {"pending"}}
	}
	f := valid()
	f.Set("discovered_at", now.Add(3*time.Hour).Format(formMoment))
	wantFieldError(t, "discovery in the future", e.post("/console/privacy/breaches", f), "discovered_at", "is in the future")
	f = valid()
	f.Set("nature", "")
	wantFieldError(t, "empty description", e.post("/console/privacy/breaches", f), "nature", "Describe what happened")
	f = valid()
	f.Set("people_approx", "many")
	wantFieldError(t, "a count that is no number", e.post("/console/privacy/breaches", f), "people_approx", "whole number")
	if n := e.audited("breach", privacy.CauseBreachRecorded); n != 0 {
		t.Fatalf("refused forms recorded %d breaches", n)
	}

	w := e.post("/console/privacy/breaches", valid())
	wantStatus(t, "record", w, http.StatusSeeOther)
	path := w.Header().Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(path, "/console/privacy/breaches/"), 10, 64)
	if err != nil {
		t.Fatalf("after recording: %q", path)
	}
	page := html.UnescapeString(wantStatus(t, "breach page", e.get(path), http.StatusOK))
	deadline := now.Add(-2*time.Hour+privacy.BreachNotifyWithin).Truncate(time.Minute).Format("2006-01-02 15:04") + " UTC"
	for _, want := range []string{deadline, "(2 hours since discovery)", "A laptop with an export"} {
		if !strings.Contains(page, want) {
			t.Errorf("the breach page does not show %q:\n%.3000s", want, page)
		}
	}
	if !regexp.MustCompile(`\(2 days.* left\)`).MatchString(page) {
		t.Errorf("the breach page does not show the time left:\n%.3000s", page)
	}
	list := html.UnescapeString(wantStatus(t, "breach list", e.get("/console/privacy/breaches"), http.StatusOK))
	if !strings.Contains(list, deadline) || !strings.Contains(list, "To be notified") {
		t.Errorf("the register does not show the deadline %q:\n%.3000s", deadline, list)
	}

	f = valid()
	f.Set("authority", "notified")
	wantFieldError(t, "notified without a time", e.post(path, f), "authority_notified_at", "is required when authority is notified")
	f.Set("authority_notified_at", now.Add(-time.Hour).Format(formMoment))
	f.Set("measures", "Passwords of the export share changed.")
	wantStatus(t, "notify the authority", e.post(path, f), http.StatusSeeOther)
	b, err := e.h.Privacy.GetBreach(access.WithDepartment(context.Background(), access.DefaultDepartment), id)
	if err != nil || b.Authority != privacy.NotifyDone || b.AuthorityNotifiedAt == nil || b.Measures != "Passwords of the export share changed." || b.PeopleApprox != 1200 {
		t.Fatalf("after the update: %+v %v", b, err)
	}
	if !strings.Contains(html.UnescapeString(e.get(path).Body.String()), "(Notified)") {
		t.Error("a notified breach still runs its clock")
	}
	if e.audited("breach", privacy.CauseBreachRecorded) != 1 || e.audited("breach", privacy.CauseBreachUpdated) != 1 {
		t.Error("recording and updating the breach are not audited once each")
	}

	// Discovered 80 hours ago and still pending: late.
	f = valid()
	f.Set("discovered_at", now.Add(-80*time.Hour).Format(formMoment))
	late := e.post("/console/privacy/breaches", f).Header().Get("Location")
	if p := html.UnescapeString(e.get(late).Body.String()); !strings.Contains(p, "8 hours late") || !strings.Contains(p, `class="overdue"`) {
		t.Errorf("an overdue breach is not marked late:\n%.3000s", p)
	}

	// Saving the form of a breach recorded to the second through the API
	// keeps its discovery (and deadline) to the second.
	dctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	exact := now.Add(-5 * time.Hour).Truncate(time.Minute).Add(30 * time.Second)
	nature := "Recorded through the API"
	ab, err := e.h.Privacy.RecordBreach(dctx, privacy.BreachInput{DiscoveredAt: &exact, Nature: &nature}, "api")
	if err != nil {
		t.Fatal(err)
	}
	shown := url.Values{"discovered_at": {exact.Format(formMoment)}, "nature": {nature}, "authority": {"pending"}, "people": {"pending"},
		"measures": {"Access revoked."}}
	wantStatus(t, "save an API breach", e.post(fmt.Sprintf("/console/privacy/breaches/%d", ab.ID), shown), http.StatusSeeOther)
	if ab, _ = e.h.Privacy.GetBreach(dctx, ab.ID); !ab.DiscoveredAt.Equal(exact) || ab.Measures != "Access revoked." {
		t.Errorf("after saving the form: discovered %v (want %v), measures %q", ab.DiscoveredAt, exact, ab.Measures)
	}

	_, viewer := e.login("vera@example.org", access.DefaultDepartment, access.RoleViewer)
	wantStatus(t, "a viewer's register", e.send("GET", "/console/privacy/breaches", nil, viewer), http.StatusForbidden)
	wantStatus(t, "a viewer's breach", e.send("GET", path, nil, viewer), http.StatusForbidden)
	wantStatus(t, "a viewer records", e.postAs("/console/privacy/breaches", valid(), viewer, e.csrfOf(viewer)), http.StatusForbidden)

	wantStatus(t, "another department's breach", e.send("GET", path, nil, e.other), http.StatusNotFound)
	wantStatus(t, "another department updates", e.postAs(path, valid(), e.other, e.otherCSRF), http.StatusNotFound)
	if l := e.send("GET", "/console/privacy/breaches", nil, e.other).Body.String(); strings.Contains(l, "laptop") {
		t.Error("another department's register lists the breach")
	}
	if b, _ := e.h.Privacy.GetBreach(access.WithDepartment(context.Background(), access.DefaultDepartment), id); b.Nature != valid().Get("nature") {
		t.Errorf("the breach changed: %+v", b)
	}
}

// formMoment is how a browser sends a datetime-local field.
const formMoment = "2006-01-02T15:04"

// TestConsoleBreachTimesAtAChangeOfTheClocks: a breach time the
// organisation's clocks skip (2026-03-29 02:30 in Europe/Amsterdam) is
// refused with the field named, in English and Dutch, and nothing is
// recorded; a time that happens twice (2026-10-25 02:30) is the first of
// the two, as the form says; a schedule time the clocks skip is refused
// by the same rule.
func TestConsoleBreachTimesAtAChangeOfTheClocks(t *testing.T) {
	e := newRegistersEnv(t)
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	e.h.Location = ams
	if form := html.UnescapeString(wantStatus(t, "new breach form", e.get("/console/privacy/breaches/new"), http.StatusOK)); !strings.Contains(form, "Times are on the clock of Europe/Amsterdam") || !strings.Contains(form, "read as the first of the two") {
		t.Errorf("the form does not say how it reads a time at a change of the clocks:\n%.3000s", form)
	}
	breach := func(at string) url.Values {
		return url.Values{"discovered_at": {at}, "nature": {"A laptop was stolen."}, "authority": {"pending"}, "people": {"pending"}}
	}
	wantFieldError(t, "a skipped time", e.post("/console/privacy/breaches", breach("2026-03-29T02:30")), "discovered_at", "does not exist on the organisation's clock")
	f := breach("2026-03-29T04:00")
	f.Set("authority", "notified")
	f.Set("authority_notified_at", "2026-03-29T02:00")
	wantFieldError(t, "a skipped notification time", e.post("/console/privacy/breaches", f), "authority_notified_at", "does not exist")
	p, nl := e.login("nl@example.org", access.DefaultDepartment, access.RoleAdmin)
	if err := e.st.SetLanguage(context.Background(), p.ID, "nl"); err != nil {
		t.Fatal(err)
	}
	f = breach("2026-03-29T02:30")
	wantFieldError(t, "a skipped time in Dutch", e.postAs("/console/privacy/breaches", f, nl, e.csrfOf(nl)), "discovered_at", "bestaat niet op de klok van de organisatie")
	if n := e.audited("breach", privacy.CauseBreachRecorded); n != 0 {
		t.Fatalf("refused forms recorded %d breaches", n)
	}
	wantStatus(t, "a time that happens twice", e.post("/console/privacy/breaches", breach("2026-10-25T02:30")), http.StatusSeeOther)
	var at time.Time
	if err := e.pool.QueryRow(access.WithDepartment(context.Background(), access.DefaultDepartment), `SELECT discovered_at FROM data_breaches`).Scan(&at); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC); !at.Equal(want) {
		t.Errorf("2026-10-25 02:30 in Amsterdam stored as %v, want the first, %v", at.UTC(), want)
	}

	var draft int64
	if err := e.pool.QueryRow(access.WithDepartment(context.Background(), access.DefaultDepartment), `INSERT INTO campaigns (name, kind, subject, html, text_body,
		from_name, from_email, reply_to, list_ids, created_by, status) VALUES ('Draft', 'regular', 'Hello', '<p>Hi</p>', 'Hi', 'News', 'news@example.org', '', '{1}', 'test', 'draft')
		RETURNING id`).Scan(&draft); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(access.WithDepartment(context.Background(), access.DefaultDepartment), `INSERT INTO campaign_stats (campaign_id) VALUES ($1)`, draft); err != nil {
		t.Fatal(err)
	}
	sched := url.Values{"date": {"2027-03-28"}, "time": {"02:30"}, "zone": {"Europe/Amsterdam"}}
	wantFieldError(t, "a skipped send time", e.post("/console/campaigns/"+strconv.FormatInt(draft, 10)+"/schedule", sched), "time", "does not exist in that time zone")
}

// TestConsoleLegalHold: a hold placed through the console keeps the
// contact from the console's Forget (409 with the reason, the contact
// stays), the release asks first (the GET changes nothing) and then the
// contact can be erased, which the erasure log shows. A past day, a
// missing reason and another department's contact are refused naming the
// field; another department cannot release the hold; a viewer may not
// place one.
func TestConsoleLegalHold(t *testing.T) {
	e := newRegistersEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	tomorrow := time.Now().UTC().AddDate(0, 0, 30).Format("2006-01-02")
	hold := func() url.Values {
		return url.Values{"scope": {"contact"}, "contact_id": {strconv.FormatInt(e.contact, 10)},
			"reason": {"Tax records of this donor: 7 years (AWR art. 52)"}, "until": {tomorrow}}
	}
	f := hold()
	f.Set("until", "2020-01-01")
	wantFieldError(t, "a past day", e.post("/console/privacy/holds", f), "until", "must be a future date-time")
	f = hold()
	f.Set("reason", "")
	wantFieldError(t, "no reason", e.post("/console/privacy/holds", f), "reason", "Give the reason")
	wantFieldError(t, "another department's contact", e.postAs("/console/privacy/holds", hold(), e.other, e.otherCSRF), "contact_id", "contact not found")
	_, viewer := e.login("vera@example.org", access.DefaultDepartment, access.RoleViewer)
	wantStatus(t, "a viewer places", e.postAs("/console/privacy/holds", hold(), viewer, e.csrfOf(viewer)), http.StatusForbidden)

	wantStatus(t, "place", e.post("/console/privacy/holds", hold()), http.StatusSeeOther)
	list := html.UnescapeString(wantStatus(t, "holds", e.get("/console/privacy/holds"), http.StatusOK))
	m := regexp.MustCompile(`/console/privacy/holds/([0-9]+)/release`).FindStringSubmatch(list)
	if m == nil || !strings.Contains(list, "Tax records of this donor") {
		t.Fatalf("the hold is not listed with its release:\n%.3000s", list)
	}
	release := m[0]

	forget := url.Values{"ground": {"request"}, "confirm": {"1"}}
	refused := html.UnescapeString(wantStatus(t, "forget a held contact", e.post(fmt.Sprintf("/console/contacts/%d/forget", e.contact), forget), http.StatusConflict))
	if !strings.Contains(refused, "Tax records of this donor") {
		t.Errorf("the refusal does not give the hold's reason:\n%.2000s", refused)
	}
	if _, err := e.h.Contacts.Get(ctx, e.contact); err != nil {
		t.Fatalf("the held contact is gone: %v", err)
	}

	wantStatus(t, "another department releases", e.postAs(release, url.Values{}, e.other, e.otherCSRF), http.StatusNotFound)
	wantStatus(t, "another department's release page", e.send("GET", release, nil, e.other), http.StatusNotFound)
	confirm := wantStatus(t, "release page", e.get(release), http.StatusOK)
	if !strings.Contains(confirm, `method="post" action="`+release+`"`) {
		t.Errorf("the release page has no form:\n%.2000s", confirm)
	}
	if hs, _ := e.h.Privacy.Holds(ctx, true, 0, 10); len(hs) != 1 {
		t.Fatalf("the release page changed the holds: %+v", hs)
	}
	wantStatus(t, "release", e.post(release, url.Values{}), http.StatusSeeOther)
	wantStatus(t, "release again", e.post(release, url.Values{}), http.StatusNotFound)
	wantStatus(t, "forget after the release", e.post(fmt.Sprintf("/console/contacts/%d/forget", e.contact), forget), http.StatusSeeOther)
	if _, err := e.h.Contacts.Get(ctx, e.contact); err == nil {
		t.Fatal("the contact was not erased after the release")
	}
	var placed, released int
	e.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE cause = $1), count(*) FILTER (WHERE cause = $2) FROM audit_log WHERE person_id IS NOT NULL`,
		privacy.CauseHold, privacy.CauseHoldRelease).Scan(&placed, &released)
	if placed != 1 || released != 1 {
		t.Errorf("audit: %d placed, %d released", placed, released)
	}

	log := html.UnescapeString(wantStatus(t, "erasure log", e.get("/console/privacy/erasures"), http.StatusOK))
	if !strings.Contains(log, "request/request") || !strings.Contains(log, "person:") {
		t.Errorf("the erasure log does not show the erasure:\n%.3000s", log)
	}
	if l := e.send("GET", "/console/privacy/erasures", nil, e.other).Body.String(); strings.Contains(l, "request/request") {
		t.Error("another department's erasure log shows the erasure")
	}
	wantStatus(t, "a viewer's erasure log", e.send("GET", "/console/privacy/erasures", nil, viewer), http.StatusForbidden)
}

// TestConsoleErasureLogPages: the erasure log lists newest first and pages
// by cursor, the retention's runs with the erasures, and keeps no one's
// address.
func TestConsoleErasureLogPages(t *testing.T) {
	e := newRegistersEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	for i := range 3 {
		action := privacy.ActionErase
		if i == 1 {
			action = privacy.ActionRetentionRun
		}
		if err := e.h.Privacy.Audit(ctx, privacy.Entry{Actor: "janitor", Action: action, TargetKind: "contacts", Count: int64(i + 1), Cause: "cause-" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.h.Privacy.Audit(ctx, privacy.Entry{Actor: "x", Action: privacy.ActionExport, TargetKind: "contact", Count: 1, Cause: "not-an-erasure"}); err != nil {
		t.Fatal(err)
	}
	first := html.UnescapeString(wantStatus(t, "first page", e.get("/console/privacy/erasures?limit=2"), http.StatusOK))
	m := regexp.MustCompile(`href="(/console/privacy/erasures\?cursor=[^"]+)" rel="next"`).FindStringSubmatch(first)
	if i2, i1 := strings.Index(first, "cause-2"), strings.Index(first, "cause-1"); i2 < 0 || i1 < i2 || strings.Contains(first, "cause-0") || m == nil {
		t.Fatalf("first page, want the newest two, newest first:\n%.3000s", first)
	}
	if !strings.Contains(first, "Retention") {
		t.Error("a retention run is not named as such")
	}
	second := html.UnescapeString(wantStatus(t, "second page", e.get(m[1]+"&limit=2"), http.StatusOK))
	if !strings.Contains(second, "cause-0") || strings.Contains(second, "cause-1") || strings.Contains(second, "not-an-erasure") {
		t.Fatalf("second page:\n%.3000s", second)
	}
}

// upload sends a multipart form (the CSRF token first, as the page's form
// does) with a document as cookie c.
func (e *registersEnv) upload(path string, fields map[string]string, name string, doc []byte, c *http.Cookie, csrf string) *httptest.ResponseRecorder {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if doc != nil {
		fw, _ := mw.CreateFormFile("document", name)
		fw.Write(doc)
	}
	mw.Close()
	r := httptest.NewRequest("POST", path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(c)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// TestConsoleProcessorAgreements: the administrator uploads a signed PDF
// and downloads it byte for byte; a document that is no PDF, one larger
// than 10 MiB, or none, is refused naming the field; a privacy officer
// sees the list but may neither upload nor download (settings.manage, as
// in the API), and another department does not see the agreement.
func TestConsoleProcessorAgreements(t *testing.T) {
	e := newRegistersEnv(t)
	pdf := []byte("%PDF-1.4\n% a signed agreement\n%%EOF\n")
	fields := map[string]string{"processor": "Mailhost B.V.", "signed_on": "2026-03-01"}
	wantFieldError(t, "not a PDF", e.upload("/console/privacy/agreements", fields, "agreement.docx", []byte("PK\x03\x04 a word file"), e.cookie, e.csrf),
		"document", "must be a PDF")
	big := append(append([]byte{}, pdf...), bytes.Repeat([]byte("x"), privacy.MaxAgreementBytes)...)
	wantFieldError(t, "too large", e.upload("/console/privacy/agreements", fields, "big.pdf", big, e.cookie, e.csrf), "document", "larger than 10 MiB")
	wantFieldError(t, "no document", e.upload("/console/privacy/agreements", fields, "", nil, e.cookie, e.csrf), "document", "Choose the signed agreement")
	wantFieldError(t, "no processor", e.upload("/console/privacy/agreements", map[string]string{"signed_on": "2026-03-01"}, "a.pdf", pdf, e.cookie, e.csrf),
		"processor", "Name the processor")

	wantStatus(t, "upload", e.upload("/console/privacy/agreements", fields, "dpa-mailhost.pdf", pdf, e.cookie, e.csrf), http.StatusSeeOther)
	list := wantStatus(t, "agreements", e.get("/console/privacy/agreements"), http.StatusOK)
	m := regexp.MustCompile(`href="(/console/privacy/agreements/[0-9]+/document)"`).FindStringSubmatch(list)
	if m == nil || !strings.Contains(list, "Mailhost B.V.") || !strings.Contains(list, "2026-03-01") {
		t.Fatalf("the agreement is not listed:\n%.3000s", list)
	}
	w := e.get(m[1])
	if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), pdf) || w.Header().Get("Content-Type") != "application/pdf" ||
		!strings.Contains(w.Header().Get("Content-Disposition"), `"dpa-mailhost.pdf"`) {
		t.Fatalf("download: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"))
	}
	if e.audited("agreement", privacy.CauseAgreementStored) != 1 {
		t.Error("the upload is not audited")
	}

	_, officer := e.login("pia@example.org", access.DefaultDepartment, access.RolePrivacy)
	seen := wantStatus(t, "the officer's list", e.send("GET", "/console/privacy/agreements", nil, officer), http.StatusOK)
	if !strings.Contains(seen, "Mailhost B.V.") || strings.Contains(seen, `enctype="multipart/form-data"`) || strings.Contains(seen, m[1]) {
		t.Errorf("the officer's list offers what needs settings.manage:\n%.3000s", seen)
	}
	wantStatus(t, "the officer downloads", e.send("GET", m[1], nil, officer), http.StatusForbidden)
	wantStatus(t, "the officer uploads", e.upload("/console/privacy/agreements", fields, "x.pdf", pdf, officer, e.csrfOf(officer)), http.StatusForbidden)
	if l := e.send("GET", "/console/privacy/agreements", nil, e.other).Body.String(); strings.Contains(l, "Mailhost") {
		t.Error("another department lists the agreement")
	}
}

// TestConsoleAttributes: an attribute is hidden and shown again; its
// deletion asks first, saying how many contacts hold it (the GET deletes
// nothing), then deletes it from every contact of the department only.
// An empty or malformed name is refused naming the field; a viewer may
// not hide.
func TestConsoleAttributes(t *testing.T) {
	e := newRegistersEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	if _, err := e.pool.Exec(ctx, `UPDATE contacts SET attributes = '{"shoe_size": "42", "city": "Delft"}'`); err != nil {
		t.Fatal(err)
	}
	wantFieldError(t, "no key", e.post("/console/privacy/attributes/hide", url.Values{"key": {""}}), "key", "Give the attribute's name")
	wantFieldError(t, "a malformed key", e.post("/console/privacy/attributes/hide", url.Values{"key": {"shoe size!"}}), "key", "")
	_, viewer := e.login("vera@example.org", access.DefaultDepartment, access.RoleViewer)
	wantStatus(t, "a viewer hides", e.postAs("/console/privacy/attributes/hide", url.Values{"key": {"shoe_size"}}, viewer, e.csrfOf(viewer)), http.StatusForbidden)

	wantStatus(t, "hide", e.post("/console/privacy/attributes/hide", url.Values{"key": {"shoe_size"}, "reason": {"not needed for mailing"}}), http.StatusSeeOther)
	list := wantStatus(t, "attributes", e.get("/console/privacy/attributes"), http.StatusOK)
	if !strings.Contains(list, "<code>shoe_size</code>") || !strings.Contains(list, "not needed for mailing") {
		t.Fatalf("the hidden attribute is not listed:\n%.3000s", list)
	}
	if hs, _ := e.h.Privacy.HiddenAttributes(ctx); len(hs) != 1 || hs[0].Key != "shoe_size" {
		t.Fatalf("hidden: %+v", hs)
	}
	if l := e.send("GET", "/console/privacy/attributes", nil, e.other).Body.String(); strings.Contains(l, "shoe_size") {
		t.Error("another department sees the hidden attribute")
	}
	wantStatus(t, "show", e.post("/console/privacy/attributes/show", url.Values{"key": {"shoe_size"}}), http.StatusSeeOther)
	if hs, _ := e.h.Privacy.HiddenAttributes(ctx); len(hs) != 0 {
		t.Fatalf("still hidden: %+v", hs)
	}

	wantFieldError(t, "delete without a key", e.get("/console/privacy/attributes/delete?key="), "delete_key", "Give the attribute's name")
	confirm := html.UnescapeString(wantStatus(t, "delete page", e.get("/console/privacy/attributes/delete?key=shoe_size"), http.StatusOK))
	if !strings.Contains(confirm, "1 contact holds this attribute") || !strings.Contains(confirm, "Delete it from 1 contact") {
		t.Fatalf("the delete page does not count the contacts:\n%.3000s", confirm)
	}
	if c, _ := e.h.Contacts.Get(ctx, e.contact); c.Attributes["shoe_size"] != "42" {
		t.Fatalf("the delete page deleted: %v", c.Attributes)
	}
	w := e.post("/console/privacy/attributes/delete", url.Values{"key": {"shoe_size"}})
	wantStatus(t, "delete", w, http.StatusSeeOther)
	if !strings.HasPrefix(w.Header().Get("Location"), "/console/jobs/") {
		t.Errorf("after the delete: %q", w.Header().Get("Location"))
	}
	e.h.Privacy.Wait()
	c, _ := e.h.Contacts.Get(ctx, e.contact)
	if _, ok := c.Attributes["shoe_size"]; ok || c.Attributes["city"] != "Delft" {
		t.Fatalf("after the deletion: %v", c.Attributes)
	}
	wantStatus(t, "the job", e.get(w.Header().Get("Location")), http.StatusOK)
}

// TestConsoleProcessingRegister: the register of processing activities
// (GDPR art. 30) has a read-only screen in the privacy area with the
// fields of the API's register (one activity per list with its purpose,
// legal basis and subscribers; the categories of data; processors;
// retention; security measures; breach totals), in English and Dutch; the
// read is audited. A role that reads the privacy registers but handles no
// requests finds it in the menu; a role without privacy.audit is refused.
func TestConsoleProcessingRegister(t *testing.T) {
	e := newRegistersEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	reg, err := e.h.Privacy.Register(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Activities) == 0 || len(reg.Categories) == 0 {
		t.Fatalf("the register to compare with is empty: %+v", reg)
	}
	before := e.audited("report", "register")
	page := html.UnescapeString(wantStatus(t, "register", e.get("/console/privacy/register"), http.StatusOK))
	want := []string{"Register of processing", "Processing activities", "Consent (GDPR art. 6(1)(a))", reg.Retention,
		reg.Controller.Organisation, fmt.Sprintf("%d recorded in the breach register", reg.Breaches.Recorded)}
	for _, a := range reg.Activities {
		want = append(want, "<td>"+a.Name+"</td>", "<td>"+a.Purpose+"</td>", "<td>"+a.Subjects+"</td>", fmt.Sprintf("<td>%d</td>", a.Count))
	}
	for _, c := range reg.Categories {
		want = append(want, "<li>"+c+"</li>")
	}
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("the register screen lacks %q", w)
		}
	}
	if strings.Contains(page, "<form") && strings.Contains(page, `method="post" action="/console/privacy/register`) {
		t.Error("the register screen offers a change")
	}
	if n := e.audited("report", "register"); n != before+1 {
		t.Errorf("reading the register audited %d times, want 1", n-before)
	}

	wantStatus(t, "create role", e.post("/console/admin/roles", url.Values{"name": {"auditor"}, "permissions": {"privacy.audit"}}), http.StatusSeeOther)
	p, auditor := e.login("auditor@example.org", access.DefaultDepartment, "auditor")
	if menu := e.send("GET", "/console/", nil, auditor).Body.String(); !strings.Contains(menu, `<li><a href="/console/privacy/register">`) {
		t.Errorf("a reader of the privacy registers has no way to the register in the menu:\n%.3000s", menu)
	}
	if err := e.st.SetLanguage(context.Background(), p.ID, "nl"); err != nil {
		t.Fatal(err)
	}
	nl := html.UnescapeString(wantStatus(t, "register in Dutch", e.send("GET", "/console/privacy/register", nil, auditor), http.StatusOK))
	for _, w := range []string{"Verwerkingsregister", "Toestemming (AVG art. 6 lid 1 sub a)", "Ingeschrevenen op " + reg.Activities[0].Name} {
		if !strings.Contains(nl, w) {
			t.Errorf("the Dutch register lacks %q", w)
		}
	}
	if b := e.send("GET", "/console/privacy/breaches", nil, auditor).Body.String(); !strings.Contains(b, `href="/console/privacy/register"`) {
		t.Error("the privacy area's menu does not link the register")
	}
	wantStatus(t, "create role", e.post("/console/admin/roles", url.Values{"name": {"reader"}, "permissions": {"contacts.read"}}), http.StatusSeeOther)
	_, reader := e.login("reader@example.org", access.DefaultDepartment, "reader")
	wantStatus(t, "register without privacy.audit", e.send("GET", "/console/privacy/register", nil, reader), http.StatusForbidden)
	if menu := e.send("GET", "/console/", nil, reader).Body.String(); strings.Contains(menu, "/console/privacy") {
		t.Error("a reader without privacy permissions is offered the privacy area")
	}
}
