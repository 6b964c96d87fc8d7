package contacts_test

import (
	"context"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/testenv"
)

// Filtering by stars returns exactly the contacts whose computed stars
// (StarsSQL, shown on each contact) are that number, for every number.
func TestListStarsFilterMatchesStars(t *testing.T) {
	pool := testenv.DB(t)
	cs := contacts.NewStore(pool, "stars-test-key-0123456789abcdef0", 2)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	if _, err := pool.Exec(ctx, `INSERT INTO contacts (email, name, source, updated_source, status, one_star_since, last_engaged_at)
		SELECT 'c' || i || '@example.org', '', 'import', 'import',
			CASE WHEN i % 7 = 0 THEN 'inactive' ELSE 'active' END,
			CASE WHEN i % 11 = 0 THEN now() END,
			CASE WHEN i % 5 = 0 THEN NULL ELSE now() - (i % 500) * interval '1 day' END
		FROM generate_series(1, 600) i`); err != nil {
		t.Fatal(err)
	}
	all, err := cs.List(ctx, contacts.Filter{}, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]int{}
	for _, c := range all {
		want[c.Stars]++
	}
	for n := 1; n <= 5; n++ {
		got, err := cs.List(ctx, contacts.Filter{Stars: n}, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got {
			if c.Stars != n {
				t.Errorf("stars=%d filter returned contact %d with %d stars", n, c.ID, c.Stars)
			}
		}
		if len(got) != want[n] || want[n] == 0 {
			t.Errorf("stars=%d: %d contacts, want %d (non-zero)", n, len(got), want[n])
		}
	}
}
