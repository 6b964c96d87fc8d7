package optin_test

import (
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// contactsOf returns every contact's name and attributes by address.
func (e *env) contactsOf() map[string]string {
	e.t.Helper()
	rows, err := e.db.Query(e.t.Context(), `SELECT email, name, attributes FROM contacts`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var email, name string
		var attrs map[string]any
		if err := rows.Scan(&email, &name, &attrs); err != nil {
			e.t.Fatal(err)
		}
		b, _ := json.Marshal(attrs)
		out[email] = name + " " + string(b)
	}
	return out
}

// TestExportImportRoundTrip: the CSV export defuses every cell a
// spreadsheet would run as a formula (= + - @, tab, CR at the start) with a
// quote (OWASP), and importing the export into another database gives the
// same contacts: the quote is not read back as data, a name that starts
// with a quote of its own keeps it, the attributes column is read as the
// attributes and the store's own columns (id, status, ...) are not
// imported as attributes.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	from, to := newEnv(t), newEnv(t)
	for _, c := range []struct {
		email, name string
		attrs       map[string]any
	}{
		{"plain@example.org", "Plain", map[string]any{"city": "Delft"}},
		{"+tag@example.org", "=HYPERLINK(\"http://evil.example\",\"x\")", map[string]any{"phone": "+31 6 1234 5678"}},
		{"-dash@example.org", "@SUM(A1)", nil},
		{"quote@example.org", "'=already quoted", map[string]any{"n": 3.0, "ok": true}},
		{"minus@example.org", "-2", nil},
		{"pipe@example.org", "+cmd|' /C calc'!A0", map[string]any{"note": "=1+1"}},
	} {
		from.mustStatus(201, "marketer", "POST", "/api/v1/contacts", map[string]any{"email": c.email, "name": c.name, "attributes": c.attrs,
			"consent": map[string]any{"source": "api", "purpose": "news"}}, nil)
	}
	code, file := from.download("privacy", "/api/v1/contacts/export?format=csv")
	if code != 200 {
		t.Fatalf("export: %d %s", code, file)
	}
	cells, err := csv.NewReader(strings.NewReader(file)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range cells[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && cell != "-2" {
				t.Errorf("the export has a cell a spreadsheet runs as a formula: %q", cell)
			}
		}
	}
	j := to.upload("source=import&purpose=news&format=csv", "text/csv", strings.NewReader(file))
	if j.Status != "done" || j.Applied != 6 || j.Failed != 0 {
		t.Fatalf("import of the export: %+v", j)
	}
	if got, want := to.contactsOf(), from.contactsOf(); !reflect.DeepEqual(got, want) {
		t.Errorf("after export and import:\n got %v\nwant %v", got, want)
	}
}
