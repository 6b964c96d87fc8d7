package optin_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestImportUpdateKeepsAttributeCap: an import with update_existing merges
// a row's attributes into the contact's, and the merge may not outgrow the
// 100 keys a contact holds (as PATCH /api/v1/contacts/{id} refuses it): a
// row that would is a row error naming its row and the limit, the contact
// keeps its attributes, and the other rows are imported. Before, each
// import added up to 100 more keys, so a contact grew without bound.
func TestImportUpdateKeepsAttributeCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	file := func(round int) string {
		var keys, vals []string
		for i := range 60 {
			keys = append(keys, fmt.Sprintf("k%d_%d", round, i))
			vals = append(vals, "v")
		}
		return "email,name," + strings.Join(keys, ",") + "\n" +
			"anna@example.org,Anna," + strings.Join(vals, ",") + "\n" +
			fmt.Sprintf("other%d@example.org,Other,", round) + strings.Join(vals, ",") + "\n"
	}
	if j := e.upload("source=import&purpose=news&format=csv&update_existing=true", "text/csv", strings.NewReader(file(1))); j.Status != "done" || j.Applied != 2 {
		t.Fatalf("first import: %+v", j)
	}
	j := e.upload("source=import&purpose=news&format=csv&update_existing=true", "text/csv", strings.NewReader(file(2)))
	if j.Status != "done" || j.Applied != 1 || j.Failed != 1 {
		t.Fatalf("second import: %+v, want anna's row refused and the other applied", j)
	}
	if re, ok := rowErrors(j)[2]; !ok || re.Field != "attributes" || !strings.Contains(re.Reason, "100 keys") {
		t.Errorf("row 2: %+v, want a row error on attributes naming the limit of 100 keys", re)
	}
	var n int
	if err := e.db.QueryRow(t.Context(), `SELECT count(*) FROM contacts c, jsonb_object_keys(c.attributes)
		WHERE c.email = 'anna@example.org'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 60 {
		t.Errorf("anna has %d attributes, want the 60 of the first import", n)
	}
	// A row that only sets keys the contact has stays within the limit.
	if j := e.upload("source=import&purpose=news&format=csv&update_existing=true", "text/csv", strings.NewReader(file(1))); j.Status != "done" || j.Applied != 2 || j.Failed != 0 {
		t.Errorf("third import (the same keys again): %+v", j)
	}
}
