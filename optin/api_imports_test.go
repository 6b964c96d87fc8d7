package optin_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/jobs"
)

// upload posts an import file and waits for its job.
func (e *env) upload(query, contentType string, body io.Reader) jobs.Job {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url+"/api/v1/imports?"+query, body)
	req.Header.Set("Authorization", "Bearer "+e.tokens["marketer"])
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		raw, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("import: status %d: %s", resp.StatusCode, raw)
	}
	var j jobs.Job
	decodeBody(e.t, resp.Body, &j)
	return e.waitJob(j.ID)
}

func TestImportCSVKeepsGoodRowsReportsBad(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createList("news", "double")
	e.mustStatus(201, "marketer", "POST", "/api/v1/blocklist", map[string]any{"email": "blocked@example.org"}, nil)
	csv := "\xEF\xBB\xBFEmail,Name,City\n" + // BOM and mixed-case header
		"jan@example.org,Jan,Utrecht\n" + // row 2 ok
		"not-an-address,X,Y\n" + // row 3 bad email
		"\"broken@example.org,B,Z\n" + // row 4 quote not closed (column 1, email): costs this row only
		"piet@example.org,Piet\n" + // row 5 wrong field count
		"kees@exam\xE9ple.org,Kees,Zwolle\n" + // row 6 latin-1 byte
		"blocked@example.org,Blocked,\n" + // row 7 blocklisted
		"JAN@example.org,Jan Again,Amersfoort\n" + // row 8 duplicate of row 2 (the first row wins)
		"søren@exämple.dk,Søren,København\n" // row 9 IDN + UTF-8 local part
	j := e.upload("source=import&purpose=newsletter&lists=news&confirmed=true&format=csv", "text/csv", strings.NewReader(csv))
	if j.Status != "done" {
		t.Fatalf("job %+v", j)
	}
	if j.Processed != 8 || j.Failed != 6 || j.Applied != 2 {
		t.Errorf("processed %d failed %d applied %d; want 8, 6, 2", j.Processed, j.Failed, j.Applied)
	}
	want := map[int64]string{3: "email", 4: "email", 5: "", 6: "email", 7: "email", 8: "email"}
	for _, re := range j.Errors {
		f, ok := want[re.Row]
		if !ok || f != re.Field || re.Reason == "" {
			t.Errorf("unexpected row error %+v", re)
		}
		delete(want, re.Row)
	}
	if len(want) != 0 {
		t.Errorf("rows not reported: %v (errors %+v)", want, j.Errors)
	}
	var page struct {
		Items []struct {
			Email      string
			Name       string
			Attributes map[string]any
			Source     string
		}
	}
	e.mustStatus(200, "marketer", "GET", "/api/v1/contacts?list=news", nil, &page)
	got := map[string]string{}
	for _, c := range page.Items {
		got[c.Email] = c.Name + "/" + fmt.Sprint(c.Attributes["city"]) + "/" + c.Source
	}
	if len(got) != 2 || got["jan@example.org"] != "Jan/Utrecht/import" || got["søren@exämple.dk"] != "Søren/København/import" {
		t.Errorf("imported contacts = %v", got)
	}
	var n int
	e.db.QueryRow(t.Context(), `SELECT count(*) FROM consent_records WHERE action = 'confirm' AND source = 'import' AND purpose = 'newsletter'`).Scan(&n)
	if n != 2 {
		t.Errorf("%d consent records, want 2", n)
	}
}

func TestImportRespectsExistingAndUnsubscribed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createList("news", "single")
	var c struct{ ID int64 }
	e.mustStatus(201, "marketer", "POST", "/api/v1/contacts", map[string]any{"email": "left@example.org", "name": "Original",
		"lists": []string{"news"}, "consent": map[string]any{"source": "api", "purpose": "x"}}, &c)
	e.mustStatus(200, "marketer", "POST", fmt.Sprintf("/api/v1/contacts/%d/unsubscribe", c.ID), map[string]any{}, nil)
	j := e.upload("source=import&purpose=news&lists=news", "text/csv", strings.NewReader("email,name\nleft@example.org,Overwritten\n"))
	if j.Status != "done" || j.Applied != 1 {
		t.Fatalf("job %+v", j)
	}
	var got struct {
		Name          string
		Subscriptions []struct{ Status string }
	}
	e.mustStatus(200, "marketer", "GET", fmt.Sprintf("/api/v1/contacts/%d", c.ID), nil, &got)
	if got.Name != "Original" || got.Subscriptions[0].Status != "unsubscribed" {
		t.Errorf("after import: %+v; want name kept and still unsubscribed", got)
	}
	j = e.upload("source=import&purpose=news&update_existing=true", "text/csv", strings.NewReader("email,name\nleft@example.org,Updated\n"))
	e.mustStatus(200, "marketer", "GET", fmt.Sprintf("/api/v1/contacts/%d", c.ID), nil, &got)
	if got.Name != "Updated" {
		t.Errorf("update_existing: name %q", got.Name)
	}
}

func TestImportNDJSONAndFileErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	nd := `{"email":"a@example.org","name":"A","attributes":{"plan":"pro"}}
{"email":"b@example.org","nme":"typo"}
{"email":"c@example.org"
not json

{"email":"d@example.org","attributes":{"bad key":1}}
`
	j := e.upload("source=api&purpose=crm", "application/x-ndjson", strings.NewReader(nd))
	if j.Status != "done" || j.Applied != 1 || j.Failed != 4 {
		t.Errorf("ndjson job %+v", j)
	}
	// A UTF-16 file fails as a whole, naming the problem, and writes nothing.
	utf16 := []byte{0xFF, 0xFE, 'e', 0, 'm', 0}
	j = e.upload("source=import&purpose=x&format=csv", "text/csv", bytes.NewReader(utf16))
	if j.Status != "failed" || !strings.Contains(j.Message, "UTF-16") {
		t.Errorf("utf-16 job %+v", j)
	}
	j = e.upload("source=import&purpose=x&format=csv", "text/csv", strings.NewReader("name,city\nA,B\n"))
	if j.Status != "failed" || !strings.Contains(j.Message, "email column") {
		t.Errorf("no email column: job %+v", j)
	}
	// A header naming a column twice (email also as e-mail) fails as a
	// whole: either column could be meant.
	for _, head := range []string{"email,email,name", "e-mail,name,email", "email,city,City"} {
		j = e.upload("source=import&purpose=x&format=csv", "text/csv", strings.NewReader(head+"\nx1@example.org,B,y1@example.org\n"))
		if j.Status != "failed" || !strings.Contains(j.Message, "repeats column") || j.Applied != 0 {
			t.Errorf("header %q: job %+v", head, j)
		}
	}
	// Parameters are validated before anything is stored.
	for q, field := range map[string]string{"purpose=x&format=csv": "source", "source=import&format=csv": "purpose",
		"source=import&purpose=x": "format", "source=import&purpose=x&format=csv&lists=nope": "lists[0]",
		"source=import&purpose=x&format=csv&confirmed=maybe": "confirmed"} {
		req, _ := http.NewRequest("POST", e.url+"/api/v1/imports?"+q, strings.NewReader("email\na@example.org\n"))
		req.Header.Set("Authorization", "Bearer "+e.tokens["marketer"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ae apiError
		decodeBody(t, resp.Body, &ae)
		resp.Body.Close()
		if resp.StatusCode != 422 || ae.Error.Field != field {
			t.Errorf("import ?%s: status %d field %q, want 422 %q", q, resp.StatusCode, ae.Error.Field, field)
		}
	}
}

// TestImport100k imports 100,000 rows (every 1000th bad) through the API.
func TestImport100k(t *testing.T) {
	if testing.Short() {
		t.Skip("large import skipped in -short mode")
	}
	t.Parallel()
	e := newEnv(t)
	e.createList("big", "single")
	const rows = 100_000
	pr, pw := io.Pipe()
	go func() {
		fmt.Fprintln(pw, "email,name,segment")
		for i := range rows {
			if i%1000 == 999 {
				fmt.Fprintf(pw, "broken-%d,Bad,x\n", i)
				continue
			}
			fmt.Fprintf(pw, "user%d@example.org,User %d,s%d\n", i, i, i%7)
		}
		pw.Close()
	}()
	j := e.upload("source=import&purpose=bulk&lists=big", "text/csv", pr)
	if j.Status != "done" || j.Processed != rows || j.Failed != rows/1000 || j.Applied != rows-rows/1000 {
		t.Fatalf("job %+v", j)
	}
	var contacts, subs, consents int
	e.db.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM subscriptions WHERE status = 'confirmed'),
		(SELECT count(*) FROM consent_records)`).Scan(&contacts, &subs, &consents)
	if contacts != rows-rows/1000 || subs != contacts || consents != contacts {
		t.Errorf("contacts %d subscriptions %d consents %d", contacts, subs, consents)
	}
}
