package optin_test

import (
	"context"
	"sync"
	"testing"

	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/optin"
)

// The subscriber counts of the lists (kept by triggers on subscriptions)
// equal a fresh count after inserts, status changes, deletions, concurrent
// subscribes and the deletion of another list.
func TestListCountsFollowSubscriptions(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	st := optin.NewStore(db)
	for _, q := range []string{
		`INSERT INTO lists (slug, name, purpose, optin) VALUES ('a', 'A', 'a', 'single'), ('b', 'B', 'b', 'double')`,
		`INSERT INTO contacts (email, name, source, updated_source) SELECT 'c' || i || '@example.org', '', 'import', 'import' FROM generate_series(1, 300) i`,
		`INSERT INTO subscriptions (contact_id, list_id, status) SELECT id, 1, 'confirmed' FROM contacts WHERE id <= 200`,
		`INSERT INTO subscriptions (contact_id, list_id, status) SELECT id, 2, 'unconfirmed' FROM contacts WHERE id <= 50`,
		`UPDATE subscriptions SET status = 'unsubscribed' WHERE list_id = 1 AND contact_id <= 30`,
		`UPDATE subscriptions SET status = 'confirmed' WHERE list_id = 2 AND contact_id <= 10`,
		`DELETE FROM subscriptions WHERE list_id = 1 AND contact_id > 190`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				id := 201 + w*25 + i
				if _, err := db.Exec(ctx, `INSERT INTO subscriptions (contact_id, list_id, status) VALUES ($1, 1, 'unconfirmed')`, id); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	check := func(when string) {
		t.Helper()
		ls, err := st.ListLists(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			var c, u, x int64
			if err := db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'confirmed'), count(*) FILTER (WHERE status = 'unconfirmed'),
				count(*) FILTER (WHERE status = 'unsubscribed') FROM subscriptions WHERE list_id = $1`, l.ID).Scan(&c, &u, &x); err != nil {
				t.Fatal(err)
			}
			if l.Confirmed != c || l.Unconfirmed != u || l.Unsubscribed != x {
				t.Errorf("%s: list %s counts %d/%d/%d, want %d/%d/%d", when, l.Slug, l.Confirmed, l.Unconfirmed, l.Unsubscribed, c, u, x)
			}
		}
	}
	check("after changes")
	if ls, _ := st.ListLists(ctx, 0, 10); len(ls) != 2 || ls[0].Confirmed != 160 || ls[0].Unconfirmed != 40 || ls[0].Unsubscribed != 30 {
		t.Fatalf("list a: %+v", ls)
	}
	if err := st.DeleteList(ctx, 2); err != nil {
		t.Fatal(err)
	}
	check("after deleting a list")
}
