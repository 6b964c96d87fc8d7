package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/optin"
)

// TestConsoleContactCreate: the New contact form creates a contact with
// its fields and subscribes it with consent on record (source manual, the
// evidence given), as POST /api/v1/contacts does: a single opt-in list is
// confirmed, a double opt-in list starts unconfirmed unless staff tick that
// consent was confirmed. Lists without evidence, a bad fields line, a
// missing, malformed or taken address come back with 422 naming the field
// and create nothing; a viewer and a POST without CSRF are refused.
func TestConsoleContactCreate(t *testing.T) {
	e := newAdminEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	double, err := e.h.Optin.CreateList(ctx, optin.ListInput{Slug: ptr("letters"), Name: ptr("Letters"), Purpose: ptr("Letters"), OptIn: ptr("double")})
	if err != nil {
		t.Fatal(err)
	}
	var single int64
	if err := e.pool.QueryRow(ctx, `SELECT id FROM lists WHERE slug = 'news'`).Scan(&single); err != nil {
		t.Fatal(err)
	}
	if body := wantStatus(t, "contacts", e.get("/console/contacts"), 200); !strings.Contains(body, `href="/console/contacts/new"`) {
		t.Error("the Contacts screen has no New contact link")
	}
	if body := wantStatus(t, "form", e.get("/console/contacts/new"), 200); !strings.Contains(body, `value="`+strconv.FormatInt(double.ID, 10)+`"`) {
		t.Errorf("the form does not offer the lists:\n%.3000s", body)
	}
	count := func() (n int) {
		e.pool.QueryRow(ctx, `SELECT count(*) FROM contacts`).Scan(&n)
		return n
	}
	before := count()
	lists := []string{strconv.FormatInt(single, 10), strconv.FormatInt(double.ID, 10)}
	good := url.Values{"email": {"Nina@Example.org"}, "name": {"Nina"}, "fields": {"city: Utrecht"}, "lists": lists, "evidence": {"Signed up at the fair"}}
	for _, c := range []struct {
		what, field string
		change      url.Values
	}{
		{"lists without evidence", "evidence", url.Values{"evidence": {""}}},
		{"bad fields line", "fields", url.Values{"fields": {"no colon here"}}},
		{"no address", "email", url.Values{"email": {""}}},
		{"malformed address", "email", url.Values{"email": {"not an address"}}},
		{"a list not there (deleted, or another department's)", "lists", url.Values{"lists": {"999999"}}},
	} {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		for k, v := range c.change {
			form[k] = v
		}
		body := wantStatus(t, c.what, e.post("/console/contacts", form), http.StatusUnprocessableEntity)
		if !strings.Contains(body, `id="`+c.field+`-error"`) {
			t.Errorf("%s: the field %s is not named:\n%.3000s", c.what, c.field, body)
		}
	}
	_, viewer := e.login("vic@example.org", access.DefaultDepartment, access.RoleViewer)
	wantStatus(t, "form as a viewer", e.send("GET", "/console/contacts/new", nil, viewer), http.StatusForbidden)
	vform := url.Values{"email": {"v@example.org"}, "csrf": {e.csrfOf(viewer)}}
	wantStatus(t, "create as a viewer", e.send("POST", "/console/contacts", vform, viewer), http.StatusForbidden)
	wantStatus(t, "create without CSRF", e.send("POST", "/console/contacts", url.Values{"email": {"x@example.org"}}, e.cookie), http.StatusForbidden)
	if n := count(); n != before {
		t.Fatalf("%d contacts after refused forms, want %d", n, before)
	}

	w := e.post("/console/contacts", good)
	wantStatus(t, "create", w, http.StatusSeeOther)
	c, err := e.h.Contacts.GetByEmail(ctx, "nina@example.org")
	if err != nil || c.Name != "Nina" || c.Attributes["city"] != "Utrecht" {
		t.Fatalf("created %+v %v", c, err)
	}
	if loc := w.Header().Get("Location"); loc != "/console/contacts/"+strconv.FormatInt(c.ID, 10) {
		t.Errorf("create redirects to %q", loc)
	}
	status := func(contact int64) map[int64]string {
		subs, err := e.h.Optin.Subscriptions(ctx, contact)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]string{}
		for _, s := range subs {
			out[s.ListID] = s.Status
		}
		return out
	}
	if got := status(c.ID); got[single] != "confirmed" || got[double.ID] != "unconfirmed" {
		t.Errorf("subscriptions %v: want news confirmed, letters unconfirmed", got)
	}
	var n int
	e.pool.QueryRow(ctx, `SELECT count(*) FROM consent_records WHERE contact_id = $1 AND source = 'manual' AND evidence = 'Signed up at the fair'`, c.ID).Scan(&n)
	if n != 2 {
		t.Errorf("%d consent records, want 2", n)
	}

	body := wantStatus(t, "taken address", e.post("/console/contacts", good), http.StatusUnprocessableEntity)
	if !strings.Contains(body, `id="email-error"`) {
		t.Errorf("a taken address is not named:\n%.3000s", body)
	}
	sure := url.Values{"email": {"otto@example.org"}, "lists": {strconv.FormatInt(double.ID, 10)}, "evidence": {"Confirmed by letter"}, "confirmed": {"1"}}
	wantStatus(t, "create confirmed", e.post("/console/contacts", sure), http.StatusSeeOther)
	o, err := e.h.Contacts.GetByEmail(ctx, "otto@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got := status(o.ID); got[double.ID] != "confirmed" {
		t.Errorf("with consent confirmed, letters is %q", got[double.ID])
	}
	wantStatus(t, "create without lists", e.post("/console/contacts", url.Values{"email": {"plain@example.org"}}), http.StatusSeeOther)
}

// TestConsoleContactCreateAllOrNothing: when the New contact form's
// subscription cannot be stored (a trigger refuses the consent record, as
// a full disk would) the form fails and leaves no contact; sent again once
// the store works it creates the contact instead of calling the address
// taken.
func TestConsoleContactCreateAllOrNothing(t *testing.T) {
	e := newAdminEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	var news int64
	if err := e.pool.QueryRow(ctx, `SELECT id FROM lists WHERE slug = 'news'`).Scan(&news); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{`CREATE FUNCTION refuse_consent() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`,
		`CREATE TRIGGER refuse_consent BEFORE INSERT ON consent_records FOR EACH ROW EXECUTE FUNCTION refuse_consent()`} {
		if _, err := e.pool.Exec(t.Context(), sql); err != nil {
			t.Fatal(err)
		}
	}
	form := url.Values{"email": {"nina@example.org"}, "lists": {strconv.FormatInt(news, 10)}, "evidence": {"Signed up at the fair"}}
	wantStatus(t, "create while consent cannot be stored", e.post("/console/contacts", form), http.StatusInternalServerError)
	if _, err := e.h.Contacts.GetByEmail(ctx, "nina@example.org"); err == nil {
		t.Error("the failed form left the contact behind")
	}
	if _, err := e.pool.Exec(t.Context(), `DROP TRIGGER refuse_consent ON consent_records`); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "create once the store works", e.post("/console/contacts", form), http.StatusSeeOther)
}
