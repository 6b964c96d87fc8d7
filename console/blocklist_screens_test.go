package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

var removeLink = regexp.MustCompile(`href="/console/blocklist/([0-9]+)/remove"`)

// TestConsoleBlocklist: the Blocklist screen adds several addresses at
// once (a contact with one becomes blocklisted), names every bad line with
// its reason and then adds nothing, bounds the number of lines, searches
// by address, removes an entry after a confirmation page (the contact can
// be mailed again), and audits the changes. An entry kept as a hash only
// cannot be removed; a reader and another department are refused.
func TestConsoleBlocklist(t *testing.T) {
	e := newAdminEnv(t)
	bg := context.Background()
	d1 := access.WithDepartment(bg, access.DefaultDepartment)
	entries := func() (n int) {
		t.Helper()
		if err := e.pool.QueryRow(d1, `SELECT count(*) FROM blocklist WHERE department_id = 1`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	status := func() (s string) {
		t.Helper()
		if err := e.pool.QueryRow(bg, `SELECT status FROM contacts WHERE id = 1`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	wantStatus(t, "empty blocklist", e.get("/console/blocklist"), http.StatusOK)

	bad := "ann@example.org\nnot-an-address\n\nbob@\n" + strings.Repeat("x", 65) + "@example.org\nUSER1@example.org\n"
	body := wantStatus(t, "bad lines", e.post("/console/blocklist", url.Values{"addresses": {bad}, "reason": {"request"}}), http.StatusUnprocessableEntity)
	for _, want := range []string{"Line 2 (not-an-address): must be an address like name@example.org", "Line 4 (bob@): must be an address like name@example.org",
		"Line 5 (" + strings.Repeat("x", 65) + "@example.org): local part is longer than 64 octets", `aria-invalid="true"`, "nothing was added"} {
		if !strings.Contains(body, want) {
			t.Errorf("the refused form lacks %q:\n%.6000s", want, body)
		}
	}
	if strings.Contains(body, "Line 1 ") || strings.Contains(body, "Line 6 ") || !strings.Contains(body, "USER1@example.org") {
		t.Errorf("good lines named as bad, or the typed text lost:\n%.6000s", body)
	}
	if n := entries(); n != 0 {
		t.Fatalf("a refused form added %d entries", n)
	}
	many := strings.Repeat("a@example.org\n", 201)
	if b := wantStatus(t, "too many lines", e.post("/console/blocklist", url.Values{"addresses": {many}, "reason": {"request"}}), http.StatusUnprocessableEntity); !strings.Contains(b, "at most 200 addresses") {
		t.Errorf("too many lines:\n%.3000s", b)
	}
	wantStatus(t, "no address", e.post("/console/blocklist", url.Values{"addresses": {"\n \n"}, "reason": {"request"}}), http.StatusUnprocessableEntity)
	wantStatus(t, "bad reason", e.post("/console/blocklist", url.Values{"addresses": {"ann@example.org"}, "reason": {"nuke"}}), http.StatusUnprocessableEntity)

	w := e.post("/console/blocklist", url.Values{"addresses": {"ann@example.org\r\nUSER1@example.org\r\nann@example.org"}, "reason": {"request"}, "note": {"asked by phone"}})
	wantStatus(t, "add", w, http.StatusSeeOther)
	if n := entries(); n != 2 {
		t.Fatalf("%d entries after adding two addresses", n)
	}
	if s := status(); s != "blocklisted" {
		t.Errorf("the contact with a blocklisted address is %s", s)
	}
	var audited int64
	if err := e.pool.QueryRow(bg, `SELECT coalesce(sum(count), 0) FROM audit_log WHERE action = 'contact-change' AND cause = 'POST /console/blocklist'`).Scan(&audited); err != nil || audited != 2 {
		t.Errorf("audited %d additions (%v), want 2", audited, err)
	}

	list := wantStatus(t, "search", e.get("/console/blocklist?q=ANN"), http.StatusOK)
	m := removeLink.FindAllStringSubmatch(list, -1)
	if len(m) != 1 || !strings.Contains(list, "ann@example.org") || strings.Contains(strings.ToLower(list), "user1@example.org") || !strings.Contains(list, "asked by phone") {
		t.Fatalf("search for ann:\n%.5000s", list)
	}
	all := wantStatus(t, "list", e.get("/console/blocklist"), http.StatusOK)
	var user1 string
	for _, r := range removeLink.FindAllStringSubmatch(all, -1) {
		if r[1] != m[0][1] {
			user1 = r[1]
		}
	}
	path := "/console/blocklist/" + user1 + "/remove"

	// A reader sees the list but no form, and is refused every change.
	_, reader := e.login("reader@example.org", access.DefaultDepartment, access.RolePrivacy)
	if b := wantStatus(t, "list as reader", e.send("GET", "/console/blocklist", nil, reader), http.StatusOK); strings.Contains(b, `action="/console/blocklist"`) && strings.Contains(b, "textarea") || strings.Contains(b, "/remove") {
		t.Errorf("the reader is offered changes:\n%.4000s", b)
	}
	csrf := e.csrfOf(reader)
	wantStatus(t, "add as reader", e.send("POST", "/console/blocklist", url.Values{"csrf": {csrf}, "addresses": {"eve@example.org"}, "reason": {"request"}}, reader), http.StatusForbidden)
	wantStatus(t, "confirm as reader", e.send("GET", path, nil, reader), http.StatusForbidden)
	wantStatus(t, "remove as reader", e.send("POST", path, url.Values{"csrf": {csrf}}, reader), http.StatusForbidden)

	// Another department cannot reach department 1's entry.
	sales, err := e.st.SaveDepartment(bg, staff.Department{Slug: "sales", Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	_, boss := e.login("boss@example.org", sales.ID, access.RoleAdmin)
	if b := wantStatus(t, "sales list", e.send("GET", "/console/blocklist", nil, boss), http.StatusOK); strings.Contains(b, "ann@example.org") {
		t.Error("another department lists department 1's blocklist")
	}
	wantStatus(t, "sales confirm", e.send("GET", path, nil, boss), http.StatusNotFound)
	wantStatus(t, "sales remove", e.send("POST", path, url.Values{"csrf": {e.csrfOf(boss)}}, boss), http.StatusNotFound)

	confirm := wantStatus(t, "confirm", e.get(path), http.StatusOK)
	if !strings.Contains(confirm, "USER1@example.org") || !strings.Contains(confirm, `action="`+path+`"`) {
		t.Errorf("the confirmation:\n%.4000s", confirm)
	}
	if n := entries(); n != 2 {
		t.Fatal("a GET removed an entry")
	}
	wantStatus(t, "remove without CSRF", e.send("POST", path, url.Values{}, e.cookie), http.StatusForbidden)
	wantStatus(t, "remove", e.post(path, url.Values{}), http.StatusSeeOther)
	if n := entries(); n != 1 {
		t.Errorf("%d entries after removing one", n)
	}
	if s := status(); s != "active" {
		t.Errorf("the contact is %s after its address left the blocklist", s)
	}
	if n := 0; e.pool.QueryRow(bg, `SELECT count(*) FROM audit_log WHERE action = 'contact-change' AND cause = 'POST /console/blocklist/{id}/remove'`).Scan(&n) != nil || n != 1 {
		t.Errorf("%d audited removals", n)
	}
	wantStatus(t, "remove again", e.post(path, url.Values{}), http.StatusNotFound)

	// An erased person's suppression (a hash only) stays.
	var hashOnly int64
	if err := e.pool.QueryRow(d1, `INSERT INTO blocklist (email_hash, reason) VALUES ('\x0102', 'complaint') RETURNING id`).Scan(&hashOnly); err != nil {
		t.Fatal(err)
	}
	if b := wantStatus(t, "list with a hash", e.get("/console/blocklist"), http.StatusOK); !strings.Contains(b, "address erased") || strings.Contains(b, fmt.Sprintf("/console/blocklist/%d/remove", hashOnly)) {
		t.Errorf("the hash-only entry:\n%.5000s", b)
	}
	wantStatus(t, "remove a hash", e.post(fmt.Sprintf("/console/blocklist/%d/remove", hashOnly), url.Values{}), http.StatusConflict)
}

// TestConsoleFormTooLarge: a form over the body cap (MaxBodyBytes, the
// limit of every console form) is refused as too large with 413, naming
// the limit in the person's language, not as an expired form (the cap
// cuts the body before the CSRF token that follows the text); nothing is
// added. A form within the cap still works.
func TestConsoleFormTooLarge(t *testing.T) {
	e := newAdminEnv(t)
	bg := context.Background()
	big := strings.Repeat("ann@example.org\n", (1<<20)/16+1)
	form := url.Values{"addresses": {big}, "reason": {"request"}}
	body := wantStatus(t, "too large", e.post("/console/blocklist", form), http.StatusRequestEntityTooLarge)
	for _, want := range []string{"Too much data", "larger than the limit of 1 MiB", "nothing was saved"} {
		if !strings.Contains(body, want) {
			t.Errorf("the refusal lacks %q:\n%.3000s", want, body)
		}
	}
	if strings.Contains(body, "expired") {
		t.Errorf("a form too large is called expired:\n%.3000s", body)
	}
	p, nl := e.login("nl@example.org", access.DefaultDepartment, access.RoleAdmin)
	if err := e.st.SetLanguage(bg, p.ID, "nl"); err != nil {
		t.Fatal(err)
	}
	form = url.Values{"addresses": {big}, "reason": {"request"}, "csrf": {e.csrfOf(nl)}}
	body = wantStatus(t, "too large in Dutch", e.send("POST", "/console/blocklist", form, nl), http.StatusRequestEntityTooLarge)
	if !strings.Contains(body, "Te veel gegevens") || !strings.Contains(body, "groter dan de grens van 1 MiB") {
		t.Errorf("the Dutch refusal:\n%.3000s", body)
	}
	var n int
	if err := e.pool.QueryRow(access.WithDepartment(bg, access.DefaultDepartment), `SELECT count(*) FROM blocklist`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a refused form added %d entries (%v)", n, err)
	}
	wantStatus(t, "within the cap", e.post("/console/blocklist", url.Values{"addresses": {"ann@example.org"}, "reason": {"request"}}), http.StatusSeeOther)
}

// TestConsoleBlocklistShowsHiddenCharacters: a refused line is echoed with
// what a reader cannot see escaped (errs.Visible), so a text direction
// control cannot make it read as another address; the box keeps the text
// as typed.
func TestConsoleBlocklistShowsHiddenCharacters(t *testing.T) {
	e := newAdminEnv(t)
	typed := "gro.elpmaxe@\u202ebob\nann\u200b@example.org\nx\ty@example.org"
	body := wantStatus(t, "hidden characters", e.post("/console/blocklist", url.Values{"addresses": {typed}, "reason": {"request"}}), http.StatusUnprocessableEntity)
	list := regexpFind(body, `(?s)(<ul class="errors" id="bad-lines">.*?</ul>)`)
	for _, want := range []string{`Line 1 (gro.elpmaxe@\u202ebob)`, `Line 2 (ann\u200b@example.org)`, `Line 3 (x\ty@example.org)`} {
		if !strings.Contains(list, want) {
			t.Errorf("the refused lines lack %q:\n%s", want, list)
		}
	}
	if strings.ContainsAny(list, "\u202e\u200b\t") {
		t.Errorf("the refused lines echo invisible characters as typed:\n%+q", list)
	}
	if !strings.Contains(body, "gro.elpmaxe@\u202ebob") {
		t.Error("the address box lost the text as typed")
	}
}
