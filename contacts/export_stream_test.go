package contacts_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/testenv"
)

// TestExportCutOnFailure: the bulk export is streamed, so a failure after
// its first bytes (here a row the store cannot read, late in the file)
// cannot be answered with an error status. The download is cut off: the
// client's read fails, where ending the answer normally would have handed
// it a file that looks complete, or one with an error appended.
func TestExportCutOnFailure(t *testing.T) {
	pool := testenv.DB(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	if _, err := pool.Exec(ctx, `INSERT INTO contacts (email, name, source, updated_source)
		SELECT 'user' || i || '@example.org', 'User ' || i, 'import', 'import' FROM generate_series(1, 3000) i`); err != nil {
		t.Fatal(err)
	}
	// Attributes that are not an object: the export's scan of this last row fails.
	if _, err := pool.Exec(context.Background(), `UPDATE contacts SET attributes = '[1]' WHERE email = 'user3000@example.org'`); err != nil {
		t.Fatal(err)
	}
	cs := contacts.NewStore(pool, "api-test-key-0123456789abcdef0123", 2)
	mux := http.NewServeMux()
	rt := httpapi.NewRouter(mux, testenv.Logger(t), customRole{access.NewSet(access.ContactsRead, access.ContactsExport)},
		httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
	httpapi.Mount(rt, &contacts.API{Store: cs, DB: pool})
	hs := httptest.NewServer(mux)
	defer hs.Close()
	for _, format := range []string{"csv", "json"} {
		req, _ := http.NewRequest("GET", hs.URL+"/api/v1/contacts/export?format="+format, nil)
		req.Header.Set("Authorization", "Bearer custom")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "user1@example.org") {
			t.Fatalf("%s: %d, want the download begun: %.200s", format, resp.StatusCode, body)
		}
		if err == nil {
			t.Errorf("%s: the failed download read as complete (%d bytes, ending %q)", format, len(body), body[max(0, len(body)-120):])
		}
	}
}

// mailbox keeps the exports handed to it (contacts.ExportMailer).
type mailbox struct {
	name, contentType string
	data              []byte
}

func (m *mailbox) MailExport(_ context.Context, name, contentType string, data []byte) error {
	m.name, m.contentType, m.data = name, contentType, data
	return nil
}

// TestExportMailedIsTheDownload: an export that goes by mail carries the
// file a download gives, and the answer counts the contacts in it.
func TestExportMailedIsTheDownload(t *testing.T) {
	pool := testenv.DB(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	if _, err := pool.Exec(ctx, `INSERT INTO contacts (email, name, source, updated_source)
		SELECT 'user' || i || '@example.org', '=User ' || i, 'import', 'import' FROM generate_series(1, 1500) i`); err != nil {
		t.Fatal(err)
	}
	cs := contacts.NewStore(pool, "api-test-key-0123456789abcdef0123", 2)
	box := &mailbox{}
	get := func(api *contacts.API, format string) (int, string) {
		mux := http.NewServeMux()
		rt := httpapi.NewRouter(mux, testenv.Logger(t), customRole{access.NewSet(access.ContactsRead, access.ContactsExport)},
			httpapi.NewHTTPMetrics(prometheus.NewRegistry()))
		httpapi.Mount(rt, api)
		hs := httptest.NewServer(mux)
		defer hs.Close()
		req, _ := http.NewRequest("GET", hs.URL+"/api/v1/contacts/export?format="+format, nil)
		req.Header.Set("Authorization", "Bearer custom")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	for _, format := range []string{"csv", "json"} {
		code, download := get(&contacts.API{Store: cs, DB: pool}, format)
		if code != 200 {
			t.Fatalf("%s download: %d", format, code)
		}
		code, answer := get(&contacts.API{Store: cs, DB: pool, ExportMailer: box}, format)
		if code != 202 || strings.TrimSpace(answer) != `{"count":1500,"mailed":true}` {
			t.Errorf("%s mailed: %d %s", format, code, answer)
		}
		if string(box.data) != download || !strings.HasSuffix(box.name, "."+format) {
			t.Errorf("%s: the mail carries %s, %d bytes; the download is %d bytes", format, box.name, len(box.data), len(download))
		}
	}
}
