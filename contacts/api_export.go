package contacts

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
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

// exportBatch is how many contacts an export reads per query.
const exportBatch = 1000

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
// JSON, or mails it to the department's main person when exports go by mail.
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
	var all []Contact
	for after := int64(0); ; {
		cs, err := a.Store.List(r.Context(), f, after, exportBatch)
		if err != nil {
			return err
		}
		if len(cs) > exportBatch {
			cs = cs[:exportBatch]
		}
		all = append(all, cs...)
		if len(cs) < exportBatch {
			break
		}
		after = cs[len(cs)-1].ID
	}
	ptrs := make([]*Contact, len(all))
	for i := range all {
		ptrs[i] = &all[i]
	}
	if err := a.Store.HideFor(r.Context(), ptrs...); err != nil {
		return err
	}
	data, ctype, err := encodeContacts(all, format)
	if err != nil {
		return err
	}
	if err := a.auditBulk(r, "bulk-export", f, len(all)); err != nil {
		return err
	}
	name := "contacts-" + time.Now().UTC().Format("20060102-150405") + "." + format
	if a.ExportMailer != nil {
		if err := a.ExportMailer.MailExport(r.Context(), name, ctype, data); err != nil {
			return err
		}
		httpapi.WriteJSON(w, http.StatusAccepted, map[string]any{"mailed": true, "count": len(all)})
		return nil
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(data)
	return err
}

func encodeContacts(cs []Contact, format string) ([]byte, string, error) {
	var buf bytes.Buffer
	if format == "json" {
		if cs == nil {
			cs = []Contact{}
		}
		err := json.NewEncoder(&buf).Encode(map[string]any{"items": cs})
		return buf.Bytes(), "application/json", err
	}
	rows := [][]string{ExportColumns()}
	for _, c := range cs {
		attrs, _ := json.Marshal(c.Attributes)
		rows = append(rows, httpapi.CSVRow([]string{strconv.FormatInt(c.ID, 10), c.Email, c.Name, c.Status,
			strconv.Itoa(c.Stars), c.Source, string(attrs), c.CreatedAt.UTC().Format(time.RFC3339),
			c.UpdatedAt.UTC().Format(time.RFC3339)}))
	}
	cw := csv.NewWriter(&buf)
	if err := cw.WriteAll(rows); err != nil {
		return nil, "", fmt.Errorf("contacts: export: %w", err)
	}
	return buf.Bytes(), "text/csv; charset=utf-8", nil
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
