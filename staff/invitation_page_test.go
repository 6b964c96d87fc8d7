package staff_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestInvitationsPaged: GET /api/v1/invitations pages the open invitations
// newest first with the API's cursor (?limit=, next_cursor) and leaves out
// revoked ones; a bad cursor or limit is refused naming the parameter.
func TestInvitationsPaged(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	hs, _ := newAPI(t, f)
	root := signIn(t, f, "root@example.org")
	var made []string
	for _, e := range []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org", "e@example.org"} {
		v, _, err := f.svc.Invite(t.Context(), staff.NewPerson{Email: e, Name: "N", DepartmentID: 1, Role: "viewer"})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, v.Email)
		if e == "c@example.org" {
			if _, err := f.svc.RevokeInvitation(t.Context(), 1, v.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	var got []string
	var pages int
	for path := "/api/v1/invitations?limit=2"; path != ""; pages++ {
		r, b := call(t, hs, "GET", path, "", root)
		var page struct {
			Items      []staff.Invitation `json:"items"`
			NextCursor string             `json:"next_cursor"`
		}
		if r.StatusCode != http.StatusOK || json.Unmarshal([]byte(b), &page) != nil || len(page.Items) > 2 || pages > 3 {
			t.Fatalf("page %d: %d %s", pages, r.StatusCode, b)
		}
		for _, v := range page.Items {
			got = append(got, v.Email)
		}
		path = ""
		if page.NextCursor != "" {
			path = "/api/v1/invitations?limit=2&cursor=" + url.QueryEscape(page.NextCursor)
		}
	}
	if want := []string{"e@example.org", "d@example.org", "b@example.org", "a@example.org"}; !slices.Equal(got, want) || pages != 2 {
		t.Errorf("invitations over %d pages: %v, want %v in 2 (made %v)", pages, got, want, made)
	}
	for _, q := range []string{"cursor=x!", "limit=0", "limit=1001"} {
		r, b := call(t, hs, "GET", "/api/v1/invitations?"+q, "", root)
		if field := strings.SplitN(q, "=", 2)[0]; r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, `"field":"`+field+`"`) {
			t.Errorf("?%s: %d %s, want 422 naming %s", q, r.StatusCode, b, field)
		}
	}
}
