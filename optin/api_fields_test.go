package optin_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestAPIListAndContactReportEveryField: a list or contact request wrong
// in several fields is answered 422 with every wrong field in
// error.errors, as a campaign's is, not one per attempt; nothing is
// stored.
func TestAPIListAndContactReportEveryField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	type fieldErr struct{ Field, Message string }
	var out struct {
		Error struct {
			Field  string
			Errors []fieldErr
		}
	}
	fields := func(what string, code int) []string {
		t.Helper()
		if code != 422 {
			t.Fatalf("%s: status %d, want 422", what, code)
		}
		var got []string
		for _, f := range out.Error.Errors {
			got = append(got, f.Field)
		}
		slices.Sort(got)
		return got
	}
	long := strings.Repeat("x", 5001)
	code := e.do("marketer", "POST", "/api/v1/lists", map[string]any{"slug": "Not A Slug!", "name": "", "optin": "weekly", "description": long}, &out)
	if got, want := fields("new list", code), []string{"description", "name", "optin", "purpose", "slug"}; !slices.Equal(got, want) {
		t.Errorf("new list: errors name %v, want %v: %+v", got, want, out.Error.Errors)
	}
	id := e.createList("news", "single")
	out.Error.Errors = nil
	code = e.do("marketer", "PATCH", "/api/v1/lists/"+strconv.FormatInt(id, 10), map[string]any{"name": "a\nb", "description": long}, &out)
	if got, want := fields("edit list", code), []string{"description", "name"}; !slices.Equal(got, want) {
		t.Errorf("edit list: errors name %v, want %v: %+v", got, want, out.Error.Errors)
	}

	out.Error.Errors = nil
	code = e.do("marketer", "POST", "/api/v1/contacts", map[string]any{"email": "not an address", "name": strings.Repeat("n", 201),
		"attributes": map[string]any{"bad key!": 1}, "lists": []string{"news", "nope"}}, &out)
	if got, want := fields("new contact", code), []string{"attributes.bad key!", "consent", "email", "lists[1]", "name"}; !slices.Equal(got, want) {
		t.Errorf("new contact: errors name %v, want %v: %+v", got, want, out.Error.Errors)
	}
	var c struct{ ID int64 }
	e.mustStatus(201, "marketer", "POST", "/api/v1/contacts", map[string]any{"email": "anna@example.org"}, &c)
	out.Error.Errors = nil
	code = e.do("marketer", "PATCH", "/api/v1/contacts/"+strconv.FormatInt(c.ID, 10), map[string]any{"email": "x@", "name": "a\tb"}, &out)
	if got, want := fields("edit contact", code), []string{"email", "name"}; !slices.Equal(got, want) {
		t.Errorf("edit contact: errors name %v, want %v: %+v", got, want, out.Error.Errors)
	}
	var n int
	e.db.QueryRow(t.Context(), `SELECT count(*) FROM contacts`).Scan(&n)
	if n != 1 {
		t.Errorf("%d contacts stored, want the one good one", n)
	}
}
