package staff_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestPersonsArePaged: GET /persons pages as GET /invitations does (limit,
// and a next_cursor to continue from): following the cursors lists every
// person of the department exactly once, oldest first, and no one of
// another department; a cursor the API did not give is refused naming it.
func TestPersonsArePaged(t *testing.T) {
	f := newFixture(t, staff.Options{})
	want := []int64{f.person("root@example.org", "admin").ID}
	for i := range 6 {
		want = append(want, f.person(fmt.Sprintf("p%d@example.org", i), "viewer").ID)
		if i == 2 {
			if _, err := f.svc.CreateActive(t.Context(), staff.NewPerson{Email: "north@example.org", DepartmentSlug: "north",
				Role: "admin", Password: "a long enough passphrase"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	hs, _ := newAPI(t, f)
	hdr := signIn(t, f, "root@example.org")
	var got []int64
	cursor, pages := "", 0
	for {
		r, b := call(t, hs, "GET", "/api/v1/persons?limit=3&cursor="+url.QueryEscape(cursor), "", hdr)
		var page struct {
			Items      []staff.Person `json:"items"`
			NextCursor string         `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(b), &page); err != nil || r.StatusCode != http.StatusOK || len(page.Items) > 3 {
			t.Fatalf("page %d: %d %s", pages, r.StatusCode, b)
		}
		for _, p := range page.Items {
			got = append(got, p.ID)
		}
		pages++
		if page.NextCursor == "" || pages > 10 {
			break
		}
		cursor = page.NextCursor
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || pages != 3 {
		t.Fatalf("persons over %d pages: %v, want %v", pages, got, want)
	}
	for _, q := range []string{"cursor=nope", "limit=0", "limit=1001"} {
		if r, b := call(t, hs, "GET", "/api/v1/persons?"+q, "", hdr); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("GET /persons?%s: %d %s", q, r.StatusCode, b)
		}
	}
}
