package optin_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// concretePath fills a route's {wildcards} so the request reaches it.
func concretePath(p string) string {
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, "{") {
			v := "1"
			if seg == "{email}" {
				v = "a@example.org"
			}
			p = strings.Replace(p, seg, v, 1)
		}
	}
	return p
}

// TestEveryRouteRefusesInvalidQueryText walks every registered route: a query
// parameter holding a NUL or bytes that are not UTF-8 is a 422 naming it,
// never a 500, whatever the route does with it.
func TestEveryRouteRefusesInvalidQueryText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	routes := e.router.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, rt := range routes {
		for _, bad := range []string{"%00", "a%FFb"} {
			var ae apiError
			path := concretePath(rt.Path) + "?probe=" + bad
			got := e.do("admin", rt.Method, path, "{}", &ae)
			if got != 422 || ae.Error.Field != "probe" {
				t.Errorf("%s %s: status %d field %q, want 422 naming probe (%s)", rt.Method, path, got, ae.Error.Field, ae.Error.Message)
			}
		}
	}
}

// TestInvalidTextIsAFieldError: a NUL or invalid UTF-8 in any text field of
// the lists, contacts, tokens, blocklist and import routes, and a field name
// in the wrong case, is a 422 naming the field; nothing is stored.
func TestInvalidTextIsAFieldError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createList("news", "single")
	var c struct{ ID int64 }
	e.mustStatus(201, "marketer", "POST", "/api/v1/contacts", map[string]any{"email": "known@example.org"}, &c)
	cp := fmt.Sprintf("/api/v1/contacts/%d", c.ID)
	for _, tc := range []struct {
		method, path, body, field, code string
	}{
		{"POST", "/api/v1/lists", `{"slug":"x","name":"N\u0000","purpose":"p","optin":"single"}`, "name", "invalid_field"},
		{"POST", "/api/v1/lists", "{\"slug\":\"x\",\"name\":\"N\xff\",\"purpose\":\"p\",\"optin\":\"single\"}", "name", "invalid_field"},
		{"PATCH", "/api/v1/lists/1", `{"purpose":"\u0000"}`, "purpose", "invalid_field"},
		{"POST", "/api/v1/lists", `{"Slug":"x","name":"N","purpose":"p","optin":"single"}`, "Slug", "unknown_field"},
		{"POST", "/api/v1/contacts", `{"email":"a@example.org","attributes":{"city":"Ut\u0000recht"}}`, "attributes.city", "invalid_field"},
		{"POST", "/api/v1/contacts", `{"EMAIL":"a@example.org"}`, "EMAIL", "unknown_field"},
		{"POST", "/api/v1/contacts", `{"email":"a@example.org","lists":["news"],"consent":{"source":"api","Purpose":"x"}}`, "consent.Purpose", "unknown_field"},
		{"POST", "/api/v1/contacts", `{"email":"a\u0000@example.org"}`, "email", "invalid_field"},
		{"PATCH", cp, `{"attributes":{"k\u0000":"v"}}`, `attributes.k\0`, "invalid_field"},
		{"PATCH", cp, `{"Name":"X"}`, "Name", "unknown_field"},
		{"POST", cp + "/subscriptions", `{"lists":["news"],"source":"api","purpose":"\u0000"}`, "purpose", "invalid_field"},
		{"POST", cp + "/subscriptions", `{"lists":["ne\u0000ws"],"source":"api","purpose":"x"}`, "lists[0]", "invalid_field"},
		{"POST", cp + "/unsubscribe", `{"evidence":"\u0000"}`, "evidence", "invalid_field"},
		{"POST", "/api/v1/tokens", `{"name":"t\u0000","role":"viewer"}`, "name", "invalid_field"},
		{"POST", "/api/v1/tokens", `{"name":"t","Role":"viewer"}`, "Role", "unknown_field"},
		{"POST", "/api/v1/blocklist", "{\"email\":\"b@example.org\",\"note\":\"\xc3\"}", "note", "invalid_field"},
		{"DELETE", "/api/v1/blocklist/a%00b@example.org", "", "email", "invalid_field"},
		{"GET", "/api/v1/contacts?email=%00", "", "email", "invalid_field"},
		{"GET", "/api/v1/contacts?email=a%FF", "", "email", "invalid_field"},
		{"GET", "/api/v1/contacts?source=%00", "", "source", "invalid_field"},
		{"GET", "/api/v1/jobs?kind=%00", "", "kind", "invalid_field"},
		{"GET", "/api/v1/jobs?kind=imports", "", "kind", "invalid_field"},
		{"POST", "/api/v1/imports?source=import&format=csv&purpose=x%00", "email\na@example.org\n", "purpose", "invalid_field"},
		{"POST", "/api/v1/imports?source=import&format=csv&purpose=x&evidence=%FF", "email\na@example.org\n", "evidence", "invalid_field"},
	} {
		var ae apiError
		var body any
		if tc.body != "" {
			body = tc.body
		}
		got := e.do("admin", tc.method, tc.path, body, &ae)
		if got != 422 || ae.Error.Field != tc.field || ae.Error.Code != tc.code {
			t.Errorf("%s %s %q: status %d %s field %q, want 422 %s %q", tc.method, tc.path, tc.body, got, ae.Error.Code, ae.Error.Field, tc.code, tc.field)
		}
	}
	var n int
	e.db.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM lists) + (SELECT count(*) FROM jobs)
		+ (SELECT count(*) FROM blocklist) + (SELECT count(*) FROM api_tokens WHERE name NOT LIKE '% test')`).Scan(&n)
	if n != 2 {
		t.Errorf("%d rows stored besides the list and the contact", n-2)
	}
}

// TestImportReportsInvalidTextAndDuplicatesByRow: a NUL in one row's
// attribute (CSV and NDJSON) fails that row, named with its field, and keeps
// the good rows; a repeated address is "duplicate of row N" wherever it is in
// the file; the counts add up.
func TestImportReportsInvalidTextAndDuplicatesByRow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const rows = 12_000
	var csv strings.Builder
	csv.WriteString("email,name,city\n")
	for i := range rows {
		switch i {
		case 5000: // line 5002
			csv.WriteString("nul@example.org,Nul,Ut\x00recht\n")
		case 11000: // line 11002 repeats line 2, in another batch
			csv.WriteString("USER0@example.org,Again,X\n")
		default:
			fmt.Fprintf(&csv, "user%d@example.org,User,City\n", i)
		}
	}
	j := e.upload("source=import&purpose=bulk&format=csv", "text/csv", strings.NewReader(csv.String()))
	if j.Status != "done" || j.Processed != rows || j.Failed != 2 || j.Applied != rows-2 || j.Processed != j.Applied+j.Failed {
		t.Fatalf("csv job %+v", j)
	}
	wantErrs := map[int64]string{5002: "attributes.city/must not contain a NUL character", 11002: "email/duplicate of row 2"}
	for _, re := range j.Errors {
		if wantErrs[re.Row] != re.Field+"/"+re.Reason {
			t.Errorf("row error %+v", re)
		}
	}
	var n, keys int
	e.db.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM job_keys)`).Scan(&n, &keys)
	if n != rows-2 || keys != 0 {
		t.Errorf("%d contacts, want %d; %d job keys left, want none", n, rows-2, keys)
	}

	nd := `{"email":"a@example.org","attributes":{"city":"x\u0000"}}
{"EMAIL":"b@example.org"}
{"email":"c@example.org","name":"C"}
{"email":"C@EXAMPLE.org","name":"C again"}
` + "{\"email\":\"d@example.org\",\"name\":\"D\xff\"}\n" +
		`{"email":"e@example.org","attributes":{"k\u0000":"v"}}` + "\n"
	j = e.upload("source=api&purpose=crm", "application/x-ndjson", strings.NewReader(nd))
	if j.Status != "done" || j.Processed != 6 || j.Applied != 1 || j.Failed != 5 {
		t.Fatalf("ndjson job %+v", j)
	}
	wantErrs = map[int64]string{1: "attributes.city/must not contain a NUL character", 2: "EMAIL/", 4: "email/duplicate of row 3", 5: "name/is not valid UTF-8", 6: `attributes.k\0/must not contain a NUL`}
	for _, re := range j.Errors {
		want, ok := wantErrs[re.Row]
		if !ok || !strings.HasPrefix(re.Field+"/"+re.Reason, want) {
			t.Errorf("ndjson row error %+v", re)
		}
	}
}

// TestImportNDJSONTypeErrorsNameTheField: an NDJSON line with a value of
// the wrong JSON type fails that row naming the field and the JSON types, in
// the API's words, never a Go type name; the other rows are imported.
func TestImportNDJSONTypeErrorsNameTheField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	nd := `{"email":123}
[1]
{"email":"a@example.org","name":["A"]}
{"email":"b@example.org","attributes":"x"}
"c@example.org"
{"email":"d@example.org","name":"D"}
`
	j := e.upload("source=api&purpose=crm", "application/x-ndjson", strings.NewReader(nd))
	if j.Status != "done" || j.Processed != 6 || j.Applied != 1 || j.Failed != 5 {
		t.Fatalf("ndjson job %+v", j)
	}
	want := map[int64]string{
		1: "email/must be a string, not a number",
		2: "/the line must be an object, not an array",
		3: "name/must be a string, not an array",
		4: "attributes/must be an object, not a string",
		5: "/the line must be an object, not a string",
	}
	for _, re := range j.Errors {
		if got := re.Field + "/" + re.Reason; got != want[re.Row] {
			t.Errorf("row %d: %q, want %q", re.Row, got, want[re.Row])
		}
	}
	if len(j.Errors) != len(want) {
		t.Errorf("%d row errors, want %d", len(j.Errors), len(want))
	}
}

// TestImportDeletesItsSpoolFile: the upload spooled for an import is gone
// once the job has ended.
func TestImportDeletesItsSpoolFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	j := e.upload("source=import&purpose=x&format=csv", "text/csv", strings.NewReader("email\na@example.org\n"))
	if j.Status != "done" || j.Applied != 1 {
		t.Fatalf("job %+v", j)
	}
	var spooled string
	e.db.QueryRow(t.Context(), `SELECT spool_file FROM jobs WHERE id = $1`, j.ID).Scan(&spooled)
	if filepath.Dir(spooled) != e.spool {
		t.Fatalf("job spooled its upload at %q, not in %s", spooled, e.spool)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		left, _ := os.ReadDir(e.spool)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("spool files left after the import: %v", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
