package optin_test

import (
	"strconv"
	"strings"
	"testing"
)

// TestNamesThatSpoofAReaderAreRefused: a list's and a contact's name
// holding a text direction control or another invisible format character
// is refused over the API with 422 naming the field, and an import reports
// each such row with its number and the field name, keeping the good rows,
// in CSV and in NDJSON alike.
func TestNamesThatSpoofAReaderAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	news := e.createList("news", "single")
	for _, c := range []struct {
		method, path string
		body         map[string]any
	}{
		{"POST", "/api/v1/lists", map[string]any{"slug": "spoof", "name": "News\u202e", "purpose": "p", "optin": "single"}},
		{"PATCH", "/api/v1/lists/" + strconv.FormatInt(news, 10), map[string]any{"name": "\u2067News"}},
		{"POST", "/api/v1/contacts", map[string]any{"email": "mo@example.org", "name": "Mo\u200bhammed"}},
	} {
		var out apiError
		if code := e.do("admin", c.method, c.path, c.body, &out); code != 422 || out.Error.Field != "name" ||
			!strings.Contains(out.Error.Message, "text direction controls") {
			t.Errorf("%s %s: %d %+v", c.method, c.path, code, out)
		}
	}
	csv := "email,name\n" +
		"anna@example.org,Anna\n" + // row 2 ok
		"bob@example.org,Invoice\u202efdp.exe\n" + // row 3
		"cas@example.org,\ufeffCas\n" + // row 4
		"dirk@example.org,Dirk \u200fvan Dam\n" // row 5
	j := e.upload("source=import&purpose=newsletter&lists=news&confirmed=true&format=csv", "text/csv", strings.NewReader(csv))
	nd := `{"email":"eva@example.org","name":"Eva"}
{"email":"fay@example.org","name":"Fay\u2066"}
{"email":"gus@example.org","name":"Gus\u061c"}
`
	k := e.upload("source=api&purpose=crm", "application/x-ndjson", strings.NewReader(nd))
	type rowErr = struct {
		row           int64
		field, reason string
	}
	check := func(what string, rows []int64, got []rowErr) {
		t.Helper()
		if len(got) != len(rows) {
			t.Fatalf("%s: row errors %+v, want rows %v", what, got, rows)
		}
		for i, re := range got {
			if re.row != rows[i] || re.field != "name" || !strings.Contains(re.reason, "text direction controls") {
				t.Errorf("%s: row error %+v, want row %d on name", what, re, rows[i])
			}
		}
	}
	var csvErrs, ndErrs []rowErr
	for _, re := range j.Errors {
		csvErrs = append(csvErrs, rowErr{re.Row, re.Field, re.Reason})
	}
	for _, re := range k.Errors {
		ndErrs = append(ndErrs, rowErr{re.Row, re.Field, re.Reason})
	}
	if j.Applied != 1 || k.Applied != 1 {
		t.Errorf("applied: csv %d, ndjson %d; want 1 each", j.Applied, k.Applied)
	}
	check("csv", []int64{3, 4, 5}, csvErrs)
	check("ndjson", []int64{2, 3}, ndErrs)
}
