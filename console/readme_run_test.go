package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/privacy"
	"github.com/postbode/postbode/staff"
)

// TestConsoleInviteTextsForPeople: the invitation mail gives the link's
// lifetime in words, and the password page says what the address rule
// is (the part before the @), in English and in Dutch.
func TestConsoleInviteTextsForPeople(t *testing.T) {
	box := &outbox{}
	e := newLinkEnv(t, box)
	w := e.do("POST", "/console/login", url.Values{"email": {"admin@example.org"}, "password": {"a long and quiet harbour 42"}}, "")
	admin := sessionCookie(w)
	m := csrfRe.FindStringSubmatch(e.do("GET", "/console/admin", nil, admin).Body.String())
	if m == nil {
		t.Fatal("no CSRF token on the admin screen")
	}
	if w = e.do("POST", "/console/admin/people", url.Values{"csrf": {m[1]}, "email": {"mark@example.org"}, "role": {"marketer"}}, admin); w.Code != http.StatusSeeOther && w.Code != http.StatusOK {
		t.Fatalf("invite: %d", w.Code)
	}
	mail := box.all()
	if !strings.Contains(mail, "the link works once, for 3 days)") {
		t.Fatalf("invitation mail does not give the lifetime in words:\n%s", mail)
	}
	if !strings.Contains(mail, " to the department Default of postbode, as marketer.") {
		t.Errorf("invitation mail does not say to which department and as what:\n%s", mail)
	}
	link := linkRe.FindStringSubmatch(mail)
	if link == nil {
		t.Fatalf("no link in the mail:\n%s", mail)
	}
	tok := tokenRe.FindStringSubmatch(e.do("GET", link[1], nil, "").Body.String())
	if tok == nil {
		t.Fatal("invitation page has no token")
	}
	for lang, want := range map[string][]string{
		"en": {"must not contain the part of your address before the @", "not the part of your address before the @"},
		"nl": {"mag niet het deel van uw adres vóór de @ bevatten", "niet het deel van uw adres vóór de @"},
	} {
		pw := "mark has a long passphrase"
		form := url.Values{"token": {tok[1]}, "password": {pw}, "confirm": {pw}}
		w := e.do("POST", "/console/invite?lang="+lang, form, "")
		body := wantStatus(t, lang, w, http.StatusUnprocessableEntity)
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("%s: the password page lacks %q\n%.2000s", lang, s, body)
			}
		}
	}
}

// privacyBox records the mails of the privacy service.
type privacyBox struct{ outbox }

func (b *privacyBox) SendAttachments(ctx context.Context, to, subject, html, text string, _ []privacy.Attachment) error {
	return b.Send(ctx, to, subject, html, text)
}

// TestConsolePrivacyRequestKinds: a rectification request's page names its
// kind and how it came in, shows what should be corrected, says what
// fulfilling does for that kind and asks for the note the privacy service
// requires; fulfilling without the note names the field, with it closes
// the request and mails the note. The list names the kind too.
func TestConsolePrivacyRequestKinds(t *testing.T) {
	e := newAdminEnv(t)
	box := &privacyBox{}
	e.h.Privacy = privacy.New(privacy.Options{DB: e.pool, Contacts: e.h.Contacts, Log: testenv.Logger(t),
		Reg: prometheus.NewRegistry(), Mailer: box, Tokens: rtoken.NewKeys(benchKey), BaseURL: "https://pb.example.org"})
	var id int64
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	if err := e.pool.QueryRow(ctx, `INSERT INTO privacy_requests (kind, via, contact_id, due_at, details)
		SELECT 'rectification', 'link', min(id), now() + interval '30 days', 'My name is Marc, not Mark' FROM contacts RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/console/privacy/requests/%d", id)
	body := wantStatus(t, "request page", e.get(path), http.StatusOK)
	for _, s := range []string{"Rectification", "Link in a mail we sent", "My name is Marc, not Mark",
		"Correct the contact&#39;s data first", `name="note"`} {
		if !strings.Contains(body, s) {
			t.Errorf("request page lacks %q", s)
		}
	}
	for _, s := range []string{"request.kind.", "request.via.", "export of their data"} {
		if strings.Contains(body, s) {
			t.Errorf("request page shows %q", s)
		}
	}
	list := wantStatus(t, "privacy list", e.get("/console/privacy"), http.StatusOK)
	if !strings.Contains(list, "Rectification") || strings.Contains(list, "request.kind.") || strings.Contains(list, "request.via.") {
		t.Errorf("the request list does not name the kind and channel:\n%.2000s", list)
	}
	body = wantStatus(t, "fulfil without a note", e.post(path+"/fulfil", url.Values{}), http.StatusUnprocessableEntity)
	if !strings.Contains(body, `href="#note"`) || !strings.Contains(body, "say what was done") {
		t.Errorf("the missing note is not named:\n%.2000s", body)
	}
	wantStatus(t, "fulfil with a note", e.post(path+"/fulfil", url.Values{"note": {"Corrected the name to Marc."}}), http.StatusSeeOther)
	q, err := e.h.Privacy.GetRequest(ctx, id)
	if err != nil || q.Status != privacy.RequestDone || q.Note != "Corrected the name to Marc." {
		t.Fatalf("after fulfil: %+v, %v", q, err)
	}
	if !strings.Contains(box.all(), "Corrected the name to Marc.") {
		t.Errorf("the note was not mailed:\n%s", box.all())
	}
}

// TestConsoleDutchScreens: in Dutch, import rejection reasons, the list
// short-name error, a person's status and the update mailing's compose
// title are Dutch; the error summary names the field of a domain message;
// a failed import shows its failure, not a full bar.
func TestConsoleDutchScreens(t *testing.T) {
	e := newAdminEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	var job int64
	if err := e.pool.QueryRow(ctx, `INSERT INTO jobs (kind, status, total, processed, failed, errors, message)
		VALUES ('import', 'failed', 10, 4, 2, '[{"row":5,"field":"email","reason":"duplicate of row 4"},
		{"row":6,"field":"email","reason":"must be an address like name@example.org"}]', 'spool gone') RETURNING id`).Scan(&job); err != nil {
		t.Fatal(err)
	}
	body := wantStatus(t, "failed import (en)", e.get(fmt.Sprintf("/console/imports/%d", job)), http.StatusOK)
	if strings.Contains(body, `value="100"`) || !strings.Contains(body, "Failed at 40%") {
		t.Errorf("a failed import shows a full bar or no failure:\n%.2000s", body)
	}
	bad := url.Values{"slug": {"Not A Slug"}, "name": {"Weekly"}, "purpose": {"News"}, "optin": {"single"}}
	body = wantStatus(t, "bad slug (en)", e.post("/console/lists", bad), http.StatusUnprocessableEntity)
	if !strings.Contains(body, "Short name must be 1-63 characters") {
		t.Errorf("the error summary does not name the short name:\n%.2000s", body)
	}
	wantStatus(t, "language", e.post("/console/language", url.Values{"lang": {"nl"}}), http.StatusSeeOther)

	body = wantStatus(t, "failed import (nl)", e.get(fmt.Sprintf("/console/imports/%d", job)), http.StatusOK)
	for _, s := range []string{"dubbel: staat al in rij 4", "moet een adres zijn zoals naam@voorbeeld.nl", "Mislukt bij 40%"} {
		if !strings.Contains(body, s) {
			t.Errorf("import page in Dutch lacks %q", s)
		}
	}
	body = wantStatus(t, "bad slug (nl)", e.post("/console/lists", bad), http.StatusUnprocessableEntity)
	if !strings.Contains(body, "Korte naam moet 1-63 tekens zijn") {
		t.Errorf("the short-name error is not Dutch:\n%.2000s", body)
	}
	delete(bad, "name")
	bad.Set("slug", "weekly")
	body = wantStatus(t, "missing name (nl)", e.post("/console/lists", bad), http.StatusUnprocessableEntity)
	if !strings.Contains(body, "Geef de lijst een naam.") {
		t.Errorf("the missing name is not named:\n%.2000s", body)
	}
	if body = wantStatus(t, "admin (nl)", e.get("/console/admin"), http.StatusOK); !strings.Contains(body, "<td>Actief</td>") {
		t.Errorf("a person's status is not Dutch")
	}
	body = wantStatus(t, "update compose", e.get("/console/campaigns/new?kind=update"), http.StatusOK)
	if !strings.Contains(body, "<title>"+nl["update.new"]) && !strings.Contains(body, "<h1>"+nl["update.new"]) {
		t.Errorf("the update mailing compose page is not titled %q:\n%.600s", nl["update.new"], body)
	}
}

// TestConsoleLockoutWindowInWords: a locked-out login is told the
// configured lockout window in words, not a fixed 15 minutes.
func TestConsoleLockoutWindowInWords(t *testing.T) {
	e := newLinkEnvWith(t, nil, staff.Options{LockoutWindow: 2 * time.Hour, MaxFailures: 2})
	var body string
	for range 4 {
		w := e.do("POST", "/console/login", url.Values{"email": {"admin@example.org"}, "password": {"not the password at all"}}, "")
		body = w.Body.String()
	}
	if !strings.Contains(body, "try again in 2 hours") {
		t.Fatalf("the lockout does not give its window in words:\n%.1500s", body)
	}
}
