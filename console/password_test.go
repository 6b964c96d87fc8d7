package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/staff"
)

// outbox records the mails the staff service sends.
type outbox struct {
	mu    sync.Mutex
	texts []string
}

func (o *outbox) Send(_ context.Context, to, subject, html, text string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.texts = append(o.texts, to+"\n"+text)
	return nil
}

func (o *outbox) all() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.texts, "\n")
}

var (
	csrfRe  = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	linkRe  = regexp.MustCompile(`https://admin\.example\.org(/console/(?:invite|reset)\?token=[^\s"<]+)`)
	totpRe  = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
	tokenRe = regexp.MustCompile(`name="token" value="([^"]+)"`)
)

type linkEnv struct {
	t  *testing.T
	h  *Handler
	st *staff.Service
	db *db.Pool
}

func (e *linkEnv) do(method, path string, form url.Values, cookie string) *httptest.ResponseRecorder {
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: staff.CookieName, Value: cookie})
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func sessionCookie(w *httptest.ResponseRecorder) string {
	for _, c := range w.Result().Cookies() {
		if c.Name == staff.CookieName {
			return c.Value
		}
	}
	return ""
}

func newLinkEnv(t *testing.T, mail staff.Mailer) *linkEnv {
	return newLinkEnvWith(t, mail, staff.Options{})
}

// newLinkEnvWith is newLinkEnv with the staff service's options opt.
func newLinkEnvWith(t *testing.T, mail staff.Mailer, opt staff.Options) *linkEnv {
	ctx := context.Background()
	pool := testenv.DB(t)
	log := testenv.Logger(t)
	st := staff.New(pool, benchKey, opt)
	st.SetMailer(mail, "https://admin.example.org")
	cs := contacts.NewStore(pool, benchKey, 2)
	js := jobs.NewStore(pool)
	h, err := New(ctx, Deps{Log: log, Staff: st, Contacts: cs, Optin: optin.NewStore(pool), Jobs: js,
		Importer: optin.NewImporter(pool, cs, js, log)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateActive(ctx, staff.NewPerson{Email: "admin@example.org", Name: "Admin",
		DepartmentID: access.DefaultDepartment, Role: access.RoleAdmin, Password: "a long and quiet harbour 42"}); err != nil {
		t.Fatal(err)
	}
	return &linkEnv{t: t, h: h, st: st, db: pool}
}

// TestConsoleInviteLink: an administrator invites a person on the admin
// screen (no mailer: the link is shown), the person opens the link, is
// refused a mismatched password, sets one with an authenticator app, and
// logs in with the app's first code, which turns the second factor on;
// the used link is refused.
func TestConsoleInviteLink(t *testing.T) {
	e := newLinkEnv(t, nil)
	w := e.do("POST", "/console/login", url.Values{"email": {"admin@example.org"}, "password": {"a long and quiet harbour 42"}}, "")
	admin := sessionCookie(w)
	if w.Code != http.StatusSeeOther || admin == "" {
		t.Fatalf("admin login without a second factor: %d %s", w.Code, w.Body)
	}
	w = e.do("GET", "/console/admin", nil, admin)
	m := csrfRe.FindStringSubmatch(w.Body.String())
	if m == nil || !strings.Contains(w.Body.String(), `action="/console/admin/people"`) {
		t.Fatalf("admin screen has no invitation form: %d", w.Code)
	}
	w = e.do("POST", "/console/admin/people", url.Values{"csrf": {m[1]}, "email": {"new.person@example.org"}, "role": {"marketer"}}, admin)
	link := linkRe.FindStringSubmatch(w.Body.String())
	if w.Code != http.StatusOK || link == nil {
		t.Fatalf("invite: %d, no link shown\n%.800s", w.Code, w.Body)
	}
	path := strings.ReplaceAll(link[1], "&amp;", "&")
	w = e.do("GET", path, nil, "")
	tok := tokenRe.FindStringSubmatch(w.Body.String())
	if w.Code != http.StatusOK || tok == nil {
		t.Fatalf("invitation page: %d", w.Code)
	}
	form := url.Values{"token": {tok[1]}, "password": {"a brand new passphrase 7"}, "confirm": {"a different one"}}
	if w = e.do("POST", "/console/invite", form, ""); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("mismatched passwords: %d", w.Code)
	}
	form.Set("confirm", "a brand new passphrase 7")
	form.Set("totp", "1")
	w = e.do("POST", "/console/invite", form, "")
	sec := totpRe.FindStringSubmatch(w.Body.String())
	if w.Code != http.StatusOK || sec == nil {
		t.Fatalf("accept with authenticator setup: %d\n%.800s", w.Code, w.Body)
	}
	if w = e.do("POST", "/console/invite", form, ""); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("used link accepted again: %d", w.Code)
	}
	code, err := staff.TOTPCode(sec[1], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	w = e.do("POST", "/console/login", url.Values{"email": {"new.person@example.org"}, "password": {"a brand new passphrase 7"}, "code": {code}}, "")
	if w.Code != http.StatusSeeOther || sessionCookie(w) == "" {
		t.Fatalf("first login with the app's code: %d %.500s", w.Code, w.Body)
	}
	ps, err := e.st.List(context.Background(), access.DefaultDepartment, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Email == "new.person@example.org" && (p.Status != staff.StatusActive || !p.TOTPEnabled) {
			t.Fatalf("after first login: %+v", p)
		}
	}
}

// TestConsoleResetLink: the reset request answers alike for an unknown
// address and mails a link for a known one; the link's page sets a new
// password, which then logs in (the old one no longer does).
func TestConsoleResetLink(t *testing.T) {
	box := &outbox{}
	e := newLinkEnv(t, box)
	if w := e.do("POST", "/console/reset-request", url.Values{"email": {"nobody@example.org"}}, ""); w.Code != http.StatusSeeOther {
		t.Fatalf("unknown address: %d", w.Code)
	}
	// An address no one can have (a NUL, not UTF-8) is answered alike, and
	// a login with one is refused naming the field, never a 500.
	for _, bad := range []string{"admin@example.org\x00", "\xffadmin@example.org"} {
		if w := e.do("POST", "/console/reset-request", url.Values{"email": {bad}}, ""); w.Code != http.StatusSeeOther {
			t.Errorf("reset request for %q: %d, want 303", bad, w.Code)
		}
		if w := e.do("POST", "/console/login", url.Values{"email": {bad}, "password": {"a long and quiet harbour 42"}}, ""); w.Code != http.StatusUnprocessableEntity {
			t.Errorf("login as %q: %d, want 422", bad, w.Code)
		}
	}
	e.st.Wait()
	if box.all() != "" {
		t.Fatalf("mail sent for an unknown address: %q", box.all())
	}
	if w := e.do("POST", "/console/reset-request", url.Values{"email": {"admin@example.org"}}, ""); w.Code != http.StatusSeeOther {
		t.Fatalf("known address: %d", w.Code)
	}
	e.st.Wait()
	link := linkRe.FindStringSubmatch(box.all())
	if link == nil || !strings.HasPrefix(link[1], staff.ResetPath+"?") {
		t.Fatalf("no reset link mailed: %q", box.all())
	}
	u, _ := url.Parse(link[1])
	if w := e.do("GET", link[1], nil, ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `action="/console/reset"`) {
		t.Fatalf("reset page: %d", w.Code)
	}
	form := url.Values{"token": {u.Query().Get("token")}, "password": {"another quiet harbour 43"}, "confirm": {"another quiet harbour 43"}}
	w := e.do("POST", "/console/reset", form, "")
	if w.Code != http.StatusSeeOther || sessionCookie(w) == "" {
		t.Fatalf("reset: %d %.500s", w.Code, w.Body)
	}
	if w := e.do("POST", "/console/login", url.Values{"email": {"admin@example.org"}, "password": {"a long and quiet harbour 42"}}, ""); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("old password still logs in: %d", w.Code)
	}
}
