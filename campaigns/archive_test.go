package campaigns_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestAPIArchiveAndSearch: a finished or cancelled campaign is archived
// and taken out again over the API (POST .../archive, .../unarchive); the
// default list leaves an archived campaign out, archived=only and all show
// it; other states and repeats are refused with 409; a viewer may not
// archive. q finds a part of the name or subject, any case, as typed: % and
// _ are plain characters, not SQL wildcards; paging with a filter keeps it.
func TestAPIArchiveAndSearch(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	l := e.list("news")
	mk := func(name, subject, status string) int64 {
		c := e.create(subject, l)
		if _, err := e.db.Exec(t.Context(), `UPDATE campaigns SET name = $2, status = $3 WHERE id = $1`, c.ID, name, status); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	done := mk("Spring sale", "100% off today", "finished")
	plain := mk("Spring plain", "100 off today", "finished")
	under := mk("a_b", "Hello", "cancelled")
	axb := mk("axb", "Hello", "finished")
	quote := mk("O'Brien news", "Hi", "finished")
	draft := mk("Draft one", "Hi", "draft")

	names := func(query string) map[int64]bool {
		t.Helper()
		code, out := e.do("viewer", "GET", "/api/v1/campaigns?"+query, nil)
		if code != 200 {
			t.Fatalf("GET ?%s: %d %v", query, code, out)
		}
		got := map[int64]bool{}
		for _, it := range out["items"].([]any) {
			got[int64(it.(map[string]any)["id"].(float64))] = true
		}
		return got
	}
	only := func(query string, want ...int64) {
		t.Helper()
		got := names(query)
		if len(got) != len(want) {
			t.Errorf("?%s: %v, want %v", query, got, want)
		}
		for _, id := range want {
			if !got[id] {
				t.Errorf("?%s: %v lacks %d", query, got, id)
			}
		}
	}
	only("q="+url.QueryEscape("%"), done)
	only("q="+url.QueryEscape("100%"), done)
	only("q="+url.QueryEscape("_"), under)
	only("q="+url.QueryEscape("'"), quote)
	only("q=SPRING", done, plain)
	only("q="+url.QueryEscape("100 off"), plain)

	if code, out := e.do("marketer", "POST", fmt.Sprintf("/api/v1/campaigns/%d/archive", done), nil); code != 200 || out["archived_at"] == nil {
		t.Fatalf("archive: %d %v", code, out)
	}
	only("q=spring", plain)
	only("q=spring&archived=only", done)
	only("q=spring&archived=all", done, plain)
	if code, _ := e.do("marketer", "POST", fmt.Sprintf("/api/v1/campaigns/%d/archive", done), nil); code != 409 {
		t.Errorf("archiving twice: %d, want 409", code)
	}
	if code, _ := e.do("marketer", "POST", fmt.Sprintf("/api/v1/campaigns/%d/archive", draft), nil); code != 409 {
		t.Errorf("archiving a draft: %d, want 409", code)
	}
	if code, _ := e.do("viewer", "POST", fmt.Sprintf("/api/v1/campaigns/%d/archive", axb), nil); code != 403 {
		t.Errorf("a viewer archiving: %d, want 403", code)
	}
	if code, _ := e.do("marketer", "POST", fmt.Sprintf("/api/v1/campaigns/%d/unarchive", plain), nil); code != 409 {
		t.Errorf("unarchiving a campaign that is not archived: %d, want 409", code)
	}
	if code, out := e.do("marketer", "POST", fmt.Sprintf("/api/v1/campaigns/%d/unarchive", done), nil); code != 200 || out["archived_at"] != nil {
		t.Fatalf("unarchive: %d %v", code, out)
	}
	only("q=spring", done, plain)

	for _, q := range []string{"status=nope", "archived=yes", "q=" + strings.Repeat("x", 201)} {
		if code, _ := e.do("viewer", "GET", "/api/v1/campaigns?"+q, nil); code != 422 {
			t.Errorf("GET ?%.20s: %d, want 422", q, code)
		}
	}

	// Paging with a filter: every page keeps it, no campaign twice.
	for i := range 5 {
		mk(fmt.Sprintf("Paged %d", i), "Hi", "finished")
	}
	mk("Paged archived", "Hi", "finished")
	code, out := e.do("viewer", "GET", "/api/v1/campaigns?q=paged&limit=100", nil)
	if code != 200 {
		t.Fatal(code)
	}
	last := out["items"].([]any)[5].(map[string]any)["id"].(float64)
	e.do("marketer", "POST", fmt.Sprintf("/api/v1/campaigns/%d/archive", int64(last)), nil)
	seen := map[float64]bool{}
	cursor := ""
	for page := 0; page < 10; page++ {
		code, out := e.do("viewer", "GET", "/api/v1/campaigns?q=paged&limit=2&cursor="+cursor, nil)
		if code != 200 {
			t.Fatalf("page %d: %d", page, code)
		}
		for _, it := range out["items"].([]any) {
			id := it.(map[string]any)["id"].(float64)
			if seen[id] || id == last {
				t.Fatalf("page %d: campaign %v twice or archived", page, id)
			}
			seen[id] = true
		}
		cursor, _ = out["next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	if len(seen) != 5 {
		t.Errorf("paging ?q=paged found %d campaigns, want 5", len(seen))
	}
}
