package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/staff"
)

// TestConsoleContactBulk: contacts ticked on the Contacts screen are taken
// off a list or blocklisted in one go. The GET shows who and what, and
// changes nothing; the confirming POST does it contact by contact with the
// services the single-contact screens use, says how many changed, were
// already so or were left out (gone, another department's), and writes an
// audit entry per contact changed. Without contacts.write the controls are
// hidden and both requests refused; a POST without the CSRF token, an
// empty, oversized or malformed selection and a missing list are refused
// and change nothing.
func TestConsoleContactBulk(t *testing.T) {
	e := &adminEnv{benchEnv: newBenchEnv(t, 4, 1), t: t}
	e.st = e.h.Staff
	e.csrf = e.csrfOf(e.cookie)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	count := func(q string, args ...any) (n int) {
		t.Helper()
		if err := e.pool.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var c1, c2, c3 int64
	for i, p := range []*int64{&c1, &c2, &c3} {
		if err := e.pool.QueryRow(ctx, `SELECT id FROM contacts WHERE email = $1`, "user"+strconv.Itoa(i+1)+"@example.org").Scan(p); err != nil {
			t.Fatal(err)
		}
	}
	var list int64
	if err := e.pool.QueryRow(ctx, `SELECT id FROM lists WHERE slug = 'news'`).Scan(&list); err != nil {
		t.Fatal(err)
	}
	sales, err := e.st.SaveDepartment(context.Background(), staff.Department{Slug: "sales", Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	var theirs int64
	if err := e.pool.QueryRow(access.WithDepartment(context.Background(), sales.ID),
		`INSERT INTO contacts (email, name, source, updated_source) VALUES ('them@example.org', 'Them', 'manual', 'manual') RETURNING id`).Scan(&theirs); err != nil {
		t.Fatal(err)
	}
	ids := func(vs ...int64) []string {
		var out []string
		for _, v := range vs {
			out = append(out, strconv.FormatInt(v, 10))
		}
		return out
	}
	confirmed := `SELECT count(*) FROM subscriptions WHERE list_id = $1 AND status = 'confirmed'`

	// The screen offers the selection to someone who may change contacts.
	body := wantStatus(t, "contacts", e.get("/console/contacts"), http.StatusOK)
	if !strings.Contains(body, `<input type="checkbox" name="id" value="`+strconv.FormatInt(c1, 10)+`" form="bulk"`) ||
		!strings.Contains(body, `<form method="get" action="/console/contacts/bulk" id="bulk"`) {
		t.Errorf("the Contacts screen offers no selection:\n%.4000s", body)
	}
	wantStatus(t, "create role", e.post("/console/admin/roles", url.Values{"name": {"reader"},
		"permissions": {"contacts.read", "lists.read"}}), http.StatusSeeOther)
	_, viewer := e.login("vic@example.org", access.DefaultDepartment, "reader")
	body = wantStatus(t, "contacts as a reader", e.send("GET", "/console/contacts", nil, viewer), http.StatusOK)
	if strings.Contains(body, `form="bulk"`) || strings.Contains(body, "/console/contacts/bulk") {
		t.Errorf("a reader is offered the bulk actions:\n%.4000s", body)
	}

	// The confirmation names the contacts and changes nothing.
	q := url.Values{"action": {"unsubscribe"}, "list": {strconv.FormatInt(list, 10)}, "id": ids(c1, c2, theirs)}
	body = wantStatus(t, "confirmation", e.get("/console/contacts/bulk?"+q.Encode()), http.StatusOK)
	for _, want := range []string{"2 contacts will be taken off the list News", "user1@example.org", "user2@example.org",
		"1 contact is gone or not in this department", `action="/console/contacts/bulk"`, "Take 2 contacts off the list"} {
		if !strings.Contains(body, want) {
			t.Errorf("confirmation lacks %q:\n%.4000s", want, body)
		}
	}
	if strings.Contains(body, "them@example.org") || strings.Contains(body, "user3@example.org") {
		t.Errorf("confirmation shows a contact not selected or of another department:\n%.4000s", body)
	}
	if n := count(confirmed, list); n != 4 {
		t.Fatalf("after the confirmation %d confirmed subscriptions, want 4", n)
	}

	// Refused: no permission, no CSRF token, bad selections.
	post := url.Values{"action": {"unsubscribe"}, "list": {strconv.FormatInt(list, 10)}, "id": ids(c1, c2, theirs)}
	wantStatus(t, "confirmation as a reader", e.send("GET", "/console/contacts/bulk?"+q.Encode(), nil, viewer), http.StatusForbidden)
	vpost := url.Values{"csrf": {e.csrfOf(viewer)}}
	for k, v := range post {
		vpost[k] = v
	}
	wantStatus(t, "bulk as a reader", e.send("POST", "/console/contacts/bulk", vpost, viewer), http.StatusForbidden)
	wantStatus(t, "bulk without CSRF", e.send("POST", "/console/contacts/bulk", post, e.cookie), http.StatusForbidden)
	many := make([]int64, 101)
	for i := range many {
		many[i] = int64(i + 1)
	}
	for _, c := range []struct {
		what string
		form url.Values
		want string
	}{
		{"nothing selected", url.Values{"action": {"unsubscribe"}, "list": {strconv.FormatInt(list, 10)}}, "Select at least one contact."},
		{"too many", url.Values{"action": {"unsubscribe"}, "list": {strconv.FormatInt(list, 10)}, "id": ids(many...)}, "Select at most 100 contacts at a time."},
		{"not an id", url.Values{"action": {"block"}, "reason": {"request"}, "id": {"1", "x"}}, "The selection holds something that is not a contact."},
		{"no list", url.Values{"action": {"unsubscribe"}, "id": ids(c1)}, "Choose a list."},
		{"unknown list", url.Values{"action": {"unsubscribe"}, "list": {"999999"}, "id": ids(c1)}, "Choose a list."},
		{"no action", url.Values{"id": ids(c1)}, "Choose what to do with the selected contacts."},
		{"no reason", url.Values{"action": {"block"}, "id": ids(c1)}, "Choose a reason."},
	} {
		body := wantStatus(t, c.what, e.post("/console/contacts/bulk", c.form), http.StatusUnprocessableEntity)
		if !strings.Contains(body, c.want) {
			t.Errorf("%s: the page does not say %q:\n%.3000s", c.what, c.want, body)
		}
	}
	if n := count(confirmed, list); n != 4 {
		t.Fatalf("after refused requests %d confirmed subscriptions, want 4", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE cause LIKE 'POST /console/contacts/bulk%'`); n != 0 {
		t.Fatalf("refused requests wrote %d audit entries", n)
	}

	// Take two off the list; the other department's contact is left out.
	post.Set("note", "asked by phone")
	body = wantStatus(t, "unsubscribe", e.post("/console/contacts/bulk", post), http.StatusOK)
	if !strings.Contains(body, "2 contacts taken off the list News.") || !strings.Contains(body, "1 contact is gone or not in this department") {
		t.Errorf("result page:\n%.3000s", body)
	}
	if n := count(`SELECT count(*) FROM subscriptions WHERE list_id = $1 AND status = 'unsubscribed' AND contact_id = ANY($2)`, list, []int64{c1, c2}); n != 2 {
		t.Errorf("%d of the 2 selected are unsubscribed", n)
	}
	if n := count(confirmed, list); n != 2 {
		t.Errorf("%d confirmed subscriptions left, want 2", n)
	}
	if n := count(`SELECT count(*) FROM consent_records WHERE action = 'opt-out' AND source = 'manual' AND evidence = 'asked by phone' AND contact_id = ANY($1)`, []int64{c1, c2}); n != 2 {
		t.Errorf("%d opt-out records, want 2", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'contact-change' AND cause = 'POST /console/contacts/bulk unsubscribe' AND target_id = ANY($1)`, []int64{c1, c2}); n != 2 {
		t.Errorf("%d audit entries for the unsubscribe, want 2", n)
	}
	if n := count(`SELECT count(*) FROM contacts WHERE id = $1`, theirs); n != 0 {
		t.Fatal("the department sees another department's contact") // guards the check below
	}
	var theirStatus string
	if err := e.pool.QueryRow(context.Background(), `SELECT status FROM contacts WHERE id = $1`, theirs).Scan(&theirStatus); err != nil || theirStatus != "active" {
		t.Errorf("another department's contact: %q, %v", theirStatus, err)
	}

	// Again: nothing changes and the page says why.
	body = wantStatus(t, "unsubscribe again", e.post("/console/contacts/bulk", post), http.StatusOK)
	if !strings.Contains(body, "0 contacts taken off the list News.") || !strings.Contains(body, "2 were not on the list.") {
		t.Errorf("second result page:\n%.3000s", body)
	}

	// Blocklist one; once more leaves it as it is.
	block := url.Values{"action": {"block"}, "reason": {"request"}, "id": ids(c3)}
	body = wantStatus(t, "block", e.post("/console/contacts/bulk", block), http.StatusOK)
	if !strings.Contains(body, "1 address put on the blocklist.") {
		t.Errorf("block result:\n%.3000s", body)
	}
	if n := count(`SELECT count(*) FROM contacts WHERE id = $1 AND status = 'blocklisted'`, c3); n != 1 {
		t.Error("the contact is not blocklisted")
	}
	if n := count(`SELECT count(*) FROM blocklist WHERE email = 'user3@example.org' AND reason = 'request'`); n != 1 {
		t.Error("the address is not on the blocklist")
	}
	body = wantStatus(t, "block again", e.post("/console/contacts/bulk", block), http.StatusOK)
	if !strings.Contains(body, "0 addresses put on the blocklist.") || !strings.Contains(body, "1 was already on the blocklist.") {
		t.Errorf("second block result:\n%.3000s", body)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE cause = 'POST /console/contacts/bulk block'`); n != 1 {
		t.Errorf("%d audit entries for the blocklisting, want 1", n)
	}
}

// TestConsoleContactUnsubscribe: a subscription on the contact page has a
// Take off this list button (with contacts.write) that unsubscribes with an
// opt-out record and an audit entry; a second press says the contact is not
// on the list, and a reader neither sees the button nor may post it.
func TestConsoleContactUnsubscribe(t *testing.T) {
	e := newAdminEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	var contact, list int64
	if err := e.pool.QueryRow(ctx, `SELECT contact_id, list_id FROM subscriptions WHERE status = 'confirmed' LIMIT 1`).Scan(&contact, &list); err != nil {
		t.Fatal(err)
	}
	path := "/console/contacts/" + strconv.FormatInt(contact, 10)
	body := wantStatus(t, "contact", e.get(path), http.StatusOK)
	if !strings.Contains(body, `action="`+path+`/unsubscribe"`) || !strings.Contains(body, `name="list" value="`+strconv.FormatInt(list, 10)+`"`) {
		t.Errorf("no Take off this list button:\n%.4000s", body)
	}
	wantStatus(t, "create role", e.post("/console/admin/roles", url.Values{"name": {"reader"},
		"permissions": {"contacts.read", "lists.read"}}), http.StatusSeeOther)
	_, reader := e.login("rea@example.org", access.DefaultDepartment, "reader")
	if body := wantStatus(t, "contact as a reader", e.send("GET", path, nil, reader), http.StatusOK); strings.Contains(body, "/unsubscribe") {
		t.Errorf("a reader sees the button:\n%.4000s", body)
	}
	form := url.Values{"list": {strconv.FormatInt(list, 10)}}
	wantStatus(t, "unsubscribe as a reader", e.send("POST", path+"/unsubscribe", url.Values{"list": form["list"], "csrf": {e.csrfOf(reader)}}, reader), http.StatusForbidden)
	wantStatus(t, "unsubscribe without CSRF", e.send("POST", path+"/unsubscribe", form, e.cookie), http.StatusForbidden)
	status := func() (s string) {
		t.Helper()
		if err := e.pool.QueryRow(ctx, `SELECT status FROM subscriptions WHERE contact_id = $1 AND list_id = $2`, contact, list).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := status(); s != "confirmed" {
		t.Fatalf("after refused posts the subscription is %s", s)
	}
	w := e.post(path+"/unsubscribe", form)
	wantStatus(t, "unsubscribe", w, http.StatusSeeOther)
	if s := status(); s != "unsubscribed" {
		t.Errorf("after Take off this list the subscription is %s", s)
	}
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM consent_records WHERE contact_id = $1 AND list_id = $2 AND action = 'opt-out' AND source = 'manual'`, contact, list).Scan(&n); err != nil || n != 1 {
		t.Errorf("opt-out records: %d, %v", n, err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'contact-change' AND target_id = $1 AND cause = 'POST /console/contacts/{id}/unsubscribe'`, contact).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit entries: %d, %v", n, err)
	}
	body = wantStatus(t, "unsubscribe again", e.post(path+"/unsubscribe", form), http.StatusUnprocessableEntity)
	if !strings.Contains(body, "The contact is not on that list.") {
		t.Errorf("second press:\n%.3000s", body)
	}
}
