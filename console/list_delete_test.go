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
	"github.com/postbode/postbode/staff"
)

// TestConsoleListDelete: Delete on the Lists screen asks first, saying how
// many subscriptions go; only the confirming POST deletes the list and its
// subscriptions while the contacts stay. A viewer, a POST without the CSRF
// token and another department's list are refused and delete nothing.
func TestConsoleListDelete(t *testing.T) {
	e := newAdminEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	var listID int64
	if err := e.pool.QueryRow(ctx, `SELECT id FROM lists WHERE slug = 'news'`).Scan(&listID); err != nil {
		t.Fatal(err)
	}
	confirm := "/console/lists/" + strconv.FormatInt(listID, 10) + "/delete"
	if body := wantStatus(t, "lists", e.get("/console/lists"), 200); !strings.Contains(body, `href="`+confirm+`"`) {
		t.Errorf("the Lists screen has no Delete link:\n%.3000s", body)
	}
	body := wantStatus(t, "confirmation", e.get(confirm), 200)
	if !strings.Contains(body, "removes its 1 subscription (1 confirmed, 0 unconfirmed, 0 unsubscribed)") ||
		!strings.Contains(body, "The contacts stay") || !strings.Contains(body, `action="`+confirm+`"`) {
		t.Errorf("confirmation page:\n%.3000s", body)
	}
	count := func(q string) (n int) {
		t.Helper()
		if err := e.pool.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	lists := `SELECT count(*) FROM lists WHERE slug = 'news'`
	if count(lists) != 1 {
		t.Fatal("showing the confirmation deleted the list")
	}
	_, viewer := e.login("vic@example.org", access.DefaultDepartment, access.RoleViewer)
	wantStatus(t, "confirmation as a viewer", e.send("GET", confirm, nil, viewer), http.StatusForbidden)
	wantStatus(t, "delete as a viewer", e.send("POST", confirm, url.Values{"csrf": {e.csrfOf(viewer)}}, viewer), http.StatusForbidden)
	wantStatus(t, "delete without CSRF", e.send("POST", confirm, url.Values{}, e.cookie), http.StatusForbidden)
	if count(lists) != 1 {
		t.Fatal("a refused POST deleted the list")
	}

	sales, err := e.st.SaveDepartment(context.Background(), staff.Department{Slug: "sales", Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := e.h.Optin.CreateList(access.WithDepartment(context.Background(), sales.ID), optin.ListInput{Slug: ptr("deals"), Name: ptr("Deals"), Purpose: ptr("Offers"), OptIn: ptr("single")})
	if err != nil {
		t.Fatal(err)
	}
	theirPath := "/console/lists/" + strconv.FormatInt(theirs.ID, 10) + "/delete"
	wantStatus(t, "confirm another department's list", e.get(theirPath), http.StatusNotFound)
	wantStatus(t, "delete another department's list", e.post(theirPath, url.Values{}), http.StatusNotFound)

	contactsBefore := count(`SELECT count(*) FROM contacts`)
	w := e.post(confirm, url.Values{})
	wantStatus(t, "delete", w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/console/lists" {
		t.Errorf("delete redirects to %q", loc)
	}
	if count(lists) != 0 || count(`SELECT count(*) FROM subscriptions WHERE list_id = `+strconv.FormatInt(listID, 10)) != 0 {
		t.Fatal("the list or its subscriptions are still there")
	}
	if n := count(`SELECT count(*) FROM contacts`); n != contactsBefore || n == 0 {
		t.Fatalf("%d contacts after deleting the list, want %d", n, contactsBefore)
	}
	if _, err := e.h.Optin.GetList(access.WithDepartment(context.Background(), sales.ID), theirs.ID); err != nil {
		t.Fatalf("another department's list: %v", err)
	}
	wantStatus(t, "confirm a deleted list", e.get(confirm), http.StatusNotFound)
}
