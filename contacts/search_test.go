package contacts_test

import (
	"context"
	"slices"
	"testing"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/testenv"
)

// The search query matches the start of the address or the name, in any
// case, as a literal (no wildcards), within the department only.
func TestListQueryMatchesPrefix(t *testing.T) {
	pool := testenv.DB(t)
	cs := contacts.NewStore(pool, "search-test-key-0123456789abcdef", 2)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	ids := map[string]int64{}
	for _, c := range []contacts.New{
		{Email: "Anna@example.org", Name: "Anna de Vries"},
		{Email: "joris@example.org", Name: "Joris Annema"},
		{Email: "annabel@example.org", Name: "Bel"},
		{Email: "piet@example.org", Name: "Piet 100% Zeker"},
		{Email: "x_y@example.org", Name: "Xavier"},
	} {
		c.Source = "manual"
		got, err := cs.Create(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		ids[c.Name] = got.ID
	}
	for q, want := range map[string][]string{
		"anna":     {"Anna de Vries", "Bel"},
		"ANNA@":    {"Anna de Vries"},
		"joris a":  {"Joris Annema"},
		"piet 100": {"Piet 100% Zeker"},
		"piet 1%":  nil,
		"x_":       {"Xavier"},
		"_":        nil,
		"Zeker":    nil,
	} {
		cs2, err := cs.List(ctx, contacts.Filter{Query: q}, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, c := range cs2 {
			got = append(got, c.ID)
		}
		var wantIDs []int64
		for _, n := range want {
			wantIDs = append(wantIDs, ids[n])
		}
		slices.Sort(wantIDs)
		if !slices.Equal(got, wantIDs) {
			t.Errorf("query %q: got %v, want %v", q, got, wantIDs)
		}
	}
}
