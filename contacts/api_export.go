package contacts

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/httpapi"
)

// ExportMailer mails a bulk export to the main person of the department of
// ctx instead of handing it to the browser (people.mail_exports).
type ExportMailer interface {
	MailExport(ctx context.Context, name, contentType string, data []byte) error
}

// ExportColumns are the columns of the CSV export, in order. A CSV import
// with this header reads the file back: address, name and the attributes
// column (JSON); the other columns are the store's own and are not
// imported.
func ExportColumns() []string {
	return []string{"id", "email", "name", "status", "stars", "source", "attributes", "created_at", "updated_at"}
}

// auditBulk records a bulk read or export of contacts: who (from the
// context), the filter (field names and non-personal values, never an
// address) and how many contacts.
func (a *API) auditBulk(r *http.Request, action string, f Filter, n int) error {
	var parts []string
	if f.ListID != 0 {
		parts = append(parts, "list="+strconv.FormatInt(f.ListID, 10))
	}
	if f.Status != "" {
		parts = append(parts, "status="+f.Status)
	}
	if f.Stars != 0 {
		parts = append(parts, "stars="+strconv.Itoa(f.Stars))
	}
	if f.Source != "" {
		parts = append(parts, "source="+f.Source)
	}
	if f.Email != "" {
		parts = append(parts, "email") // the value is personal data
	}
	if format := r.URL.Query().Get("format"); format != "" {
		parts = append(parts, "format="+format)
	}
	return audit.Write(r.Context(), a.DB, audit.Entry{Action: action, TargetKind: "contacts", Count: int64(n),
		Cause: strings.Join(parts, ",")})
}

// exportContacts downloads every contact matching the filter as CSV or
// JSON, or mails it to the department's main person when exports go by
// mail. A download is streamed: contacts are written as they are read.
func (a *API) exportContacts(w http.ResponseWriter, r *http.Request) error {
	f, err := a.contactFilter(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "json" {
		return httpapi.Invalid("format", "must be csv or json")
	}
	name := "contacts-" + time.Now().UTC().Format("20060102-150405") + "." + format
	if a.ExportMailer != nil {
		// A mail carries the whole file: it is built in memory.
		var buf bytes.Buffer
		n, err := a.writeExport(r, f, format, &buf, func() {})
		if err != nil {
			return err
		}
		if err := a.ExportMailer.MailExport(r.Context(), name, exportType(format), buf.Bytes()); err != nil {
			return err
		}
		httpapi.WriteJSON(w, http.StatusAccepted, map[string]any{"mailed": true, "count": n})
		return nil
	}
	_, err = a.writeExport(r, f, format, w, func() {
		w.Header().Set("Content-Type", exportType(format))
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.Header().Set("Cache-Control", "no-store")
	})
	return err
}

// writeExport writes the contacts matching f to out as format, as they are
// read (Store.Each). The export is audited with its count before its first
// byte, and begin runs then (a download sets its headers); it returns the
// count.
func (a *API) writeExport(r *http.Request, f Filter, format string, out io.Writer, begin func()) (int, error) {
	enc := newExportEncoder(out, format)
	var count int
	err := a.Store.Each(r.Context(), f, func(n int64) error {
		count = int(n)
		if err := a.auditBulk(r, "bulk-export", f, count); err != nil {
			return err
		}
		begin()
		return enc.begin()
	}, enc.contact)
	if err == nil {
		err = enc.end()
	}
	return count, err
}

func exportType(format string) string {
	if format == "json" {
		return "application/json"
	}
	return "text/csv; charset=utf-8"
}

// exportEncoder writes an export one contact at a time.
type exportEncoder interface {
	begin() error
	contact(c *Contact) error
	end() error
}

func newExportEncoder(w io.Writer, format string) exportEncoder {
	if format == "json" {
		return &jsonExport{w: w}
	}
	return &csvExport{cw: csv.NewWriter(w)}
}

// csvExport writes a CSV (RFC 4180) with the ExportColumns, every cell
// through httpapi.CSVCell.
type csvExport struct{ cw *csv.Writer }

func (e *csvExport) begin() error { return e.cw.Write(ExportColumns()) }

func (e *csvExport) contact(c *Contact) error {
	attrs, _ := json.Marshal(c.Attributes)
	return e.cw.Write(httpapi.CSVRow([]string{strconv.FormatInt(c.ID, 10), c.Email, c.Name, c.Status,
		strconv.Itoa(c.Stars), c.Source, string(attrs), c.CreatedAt.UTC().Format(time.RFC3339),
		c.UpdatedAt.UTC().Format(time.RFC3339)}))
}

func (e *csvExport) end() error {
	e.cw.Flush()
	if err := e.cw.Error(); err != nil {
		return fmt.Errorf("contacts: export: %w", err)
	}
	return nil
}

// jsonExport writes {"items": [contact, ...]} and a line break, as
// json.Encoder writes the whole list.
type jsonExport struct {
	w io.Writer
	n int
}

func (e *jsonExport) begin() error {
	_, err := io.WriteString(e.w, `{"items":[`)
	return err
}

func (e *jsonExport) contact(c *Contact) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("contacts: export: %w", err)
	}
	if e.n > 0 {
		b = append([]byte{','}, b...)
	}
	e.n++
	_, err = e.w.Write(b)
	return err
}

func (e *jsonExport) end() error {
	_, err := io.WriteString(e.w, "]}\n")
	return err
}

func (a *API) getHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	hs, err := a.Store.History(r.Context(), id, 200)
	if err != nil {
		return err
	}
	if hs == nil {
		hs = []Change{}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": hs})
	return nil
}
