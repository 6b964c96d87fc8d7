package privacy_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/privacy"
)

type starState struct {
	Status  string
	Since   *time.Time
	Stars   int
	Updated time.Time // contacts.updated_at
	SubAt   *time.Time
}

func (e *apiEnv) star(id int64) starState {
	e.t.Helper()
	var s starState
	err := e.db.QueryRow(e.t.Context(), `SELECT c.status, c.one_star_since, `+contacts.StarsSQL+`, c.updated_at,
		(SELECT max(updated_at) FROM subscriptions WHERE contact_id = c.id) FROM contacts c WHERE c.id = $1`, id).
		Scan(&s.Status, &s.Since, &s.Stars, &s.Updated, &s.SubAt)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *apiEnv) mustDo(want int, role, method, path string, body any) []byte {
	e.t.Helper()
	code, raw, _ := e.do(role, method, path, body)
	if code != want {
		e.t.Fatalf("%s %s: %d %s, want %d", method, path, code, raw, want)
	}
	return raw
}

// TestStarsTransitions drives every path that changes one-star state and
// checks one_star_since: set when a contact becomes one-star, kept while it
// stays one, cleared when it stops — and set by the very transaction that
// caused it (its time equals the change's now()).
func TestStarsTransitions(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, privacy.Options{OneStarDays: 30})
	ctx := t.Context()
	e.mustDo(201, "admin", "POST", "/api/v1/lists", map[string]any{"slug": "news", "name": "News", "purpose": "news", "optin": "single"})
	e.mustDo(201, "admin", "POST", "/api/v1/lists", map[string]any{"slug": "events", "name": "Events", "purpose": "events", "optin": "single"})
	create := func(email string, lists ...string) int64 {
		body := map[string]any{"email": email, "source": "webform"}
		if len(lists) > 0 {
			body["lists"] = lists
			body["consent"] = map[string]any{"source": "webform", "purpose": "news"}
		}
		var c contacts.Contact
		json.Unmarshal(e.mustDo(201, "marketer", "POST", "/api/v1/contacts", body), &c)
		return c.ID
	}
	path := func(id int64, rest string) string { return "/api/v1/contacts/" + itoa(id) + rest }
	expectOne := func(step string, id int64, one bool) starState {
		t.Helper()
		s := e.star(id)
		if (s.Since != nil) != one || (s.Stars == 1) != one {
			t.Fatalf("%s: one_star_since %v, stars %d, status %s; want one-star %v", step, s.Since, s.Stars, s.Status, one)
		}
		return s
	}

	// A subscriber is not one-star; a contact never on a list is not a floater.
	a := create("anna@example.org", "news")
	expectOne("subscribed", a, false)
	never := create("never@example.org")
	expectOne("never subscribed", never, false)

	// Unsubscribing from the last list makes a floater, in the same transaction.
	e.mustDo(200, "marketer", "POST", path(a, "/unsubscribe"), map[string]any{"source": "api"})
	s := expectOne("unsubscribed from all", a, true)
	if !s.Since.Equal(*s.SubAt) {
		t.Errorf("one_star_since %v != the unsubscribe's time %v: not the same transaction", s.Since, s.SubAt)
	}
	floaterSince := *s.Since
	// Re-subscribing clears it.
	e.mustDo(200, "marketer", "POST", path(a, "/subscriptions"), map[string]any{"lists": []string{"events"}, "source": "webform"})
	expectOne("re-subscribed", a, false)

	// Blocklisting sets it (with the block's time); unblocking clears it.
	e.mustDo(201, "marketer", "POST", "/api/v1/blocklist", map[string]any{"email": "ANNA@example.org", "reason": "manual"})
	s = expectOne("blocklisted", a, true)
	if s.Status != "blocklisted" || !s.Since.Equal(s.Updated) || !s.Since.After(floaterSince) {
		t.Errorf("blocklisted: status %s since %v updated %v", s.Status, s.Since, s.Updated)
	}
	blockedSince := *s.Since
	// Leaving the last list while blocklisted keeps the original time.
	e.mustDo(200, "marketer", "POST", path(a, "/unsubscribe"), map[string]any{"source": "api"})
	if s = expectOne("blocklisted floater", a, true); !s.Since.Equal(blockedSince) {
		t.Errorf("one_star_since moved from %v to %v while staying one-star", blockedSince, s.Since)
	}
	// Unblocked but on no list: still one-star (floater), time kept.
	e.mustDo(204, "marketer", "DELETE", "/api/v1/blocklist/"+url.PathEscape("anna@example.org"), nil)
	if s = expectOne("unblocked floater", a, true); s.Status != "active" || !s.Since.Equal(blockedSince) {
		t.Errorf("unblocked floater: status %s since %v", s.Status, s.Since)
	}
	e.mustDo(200, "marketer", "POST", path(a, "/subscriptions"), map[string]any{"lists": []string{"news"}, "source": "webform"})
	expectOne("subscribed again", a, false)
	// Block and unblock a subscriber: one-star exactly while blocked.
	e.mustDo(201, "marketer", "POST", "/api/v1/blocklist", map[string]any{"email": "anna@example.org"})
	expectOne("blocked subscriber", a, true)
	e.mustDo(204, "marketer", "DELETE", "/api/v1/blocklist/anna@example.org", nil)
	expectOne("unblocked subscriber", a, false)

	// Hard bounces: above the threshold (2) the contact is inactive, in the
	// bounce's transaction; unblocking does not make it active again.
	b := create("bert@example.org", "news")
	for i := 1; i <= 3; i++ {
		var turned []int64
		err := pgx.BeginFunc(ctx, e.db, func(tx pgx.Tx) error {
			var err error
			turned, err = e.cs.RecordHardBounceTx(ctx, tx, []int64{b})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if (len(turned) == 1) != (i == 3) {
			t.Errorf("hard bounce %d: turned %v", i, turned)
		}
		expectOne("hard bounce "+itoa(int64(i)), b, i == 3)
	}
	if s = e.star(b); s.Status != "inactive" || !s.Since.Equal(s.Updated) {
		t.Errorf("after 3 hard bounces: status %s since %v updated %v", s.Status, s.Since, s.Updated)
	}
	e.mustDo(201, "marketer", "POST", "/api/v1/blocklist", map[string]any{"email": "bert@example.org"})
	e.mustDo(204, "marketer", "DELETE", "/api/v1/blocklist/bert@example.org", nil)
	if s = expectOne("unblocked hard bouncer", b, true); s.Status != "inactive" {
		t.Errorf("unblocked hard bouncer: status %s, want inactive", s.Status)
	}

	// Imports: subscribing a floater ends its one-star state; an import
	// without lists leaves state alone and makes nobody one-star.
	c := create("cees@example.org", "news")
	e.mustDo(200, "marketer", "POST", path(c, "/unsubscribe"), map[string]any{})
	expectOne("floater before import", c, true)
	eventsID := e.listID("events")
	e.importCSV("email\ncees@example.org\nnew@example.org\n", optin.ImportParams{Source: "import", Purpose: "p"})
	expectOne("import without lists", c, true)
	var fresh contacts.Contact
	if fresh, _ = e.cs.GetByEmail(ctx, "new@example.org"); fresh.OneStarSince != nil || fresh.Stars == 1 {
		t.Errorf("imported contact without lists is one-star: %+v", fresh)
	}
	e.importCSV("email\ncees@example.org\n", optin.ImportParams{Source: "import", Purpose: "p", Lists: []int64{eventsID}})
	expectOne("imported onto a list", c, false)

	// Deleting the only list of a contact makes it a floater.
	d := create("dirk@example.org", "events")
	e.mustDo(204, "marketer", "DELETE", "/api/v1/lists/"+itoa(eventsID), nil)
	expectOne("its list deleted", d, true)
	expectOne("never subscribed, after list deletion", never, false)

	// The stars filter of the contacts list.
	e.exec(t, `UPDATE contacts SET last_engaged_at = now() - interval '10 days' WHERE id = $1`, a)
	for _, tc := range []struct {
		stars string
		want  []int64
	}{{"1", []int64{b, c, d}}, {"5", []int64{a}}, {"2", []int64{never, fresh.ID}}} {
		var page struct{ Items []contacts.Contact }
		json.Unmarshal(e.mustDo(200, "marketer", "GET", "/api/v1/contacts?stars="+tc.stars, nil), &page)
		var got []int64
		for _, it := range page.Items {
			got = append(got, it.ID)
		}
		if itoas(got) != itoas(tc.want) {
			t.Errorf("contacts?stars=%s: %v, want %v", tc.stars, got, tc.want)
		}
	}
	if code, raw, _ := e.do("marketer", "GET", "/api/v1/contacts?stars=6", nil); code != 422 || !strings.Contains(string(raw), `"field":"stars"`) {
		t.Errorf("stars=6: %d %s", code, raw)
	}
}

func itoas(ids []int64) string {
	var s []string
	for _, id := range ids {
		s = append(s, itoa(id))
	}
	return strings.Join(s, ",")
}

func (e *apiEnv) listID(slug string) int64 {
	e.t.Helper()
	var id int64
	if err := e.db.QueryRow(e.t.Context(), `SELECT id FROM lists WHERE slug = $1`, slug).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// importCSV runs an import through the importer (as the API's job does).
func (e *apiEnv) importCSV(csv string, p optin.ImportParams) {
	e.t.Helper()
	ctx := e.t.Context()
	p.Format = "csv"
	js := jobs.NewStore(e.db)
	j, err := js.Start(ctx, "import", p, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	im := optin.NewImporter(e.db, e.cs, js, testenv.Logger(e.t))
	if err := im.Run(ctx, j.ID, strings.NewReader(csv), p); err != nil {
		e.t.Fatalf("import: %v", err)
	}
}
