package privacy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"
	"github.com/jackc/pgx/v5"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
)

// Export is everything held on one contact: per registered personal-data
// table (db.PersonalTables) the contact's rows with their registered columns.
type Export struct {
	ContactID   int64                      `json:"contact_id"`
	GeneratedAt time.Time                  `json:"generated_at"`
	Tables      map[string]json.RawMessage `json:"tables"`
}

// exportColumns are the columns exported for a table, in registry order.
func exportColumns(p db.PersonalTable) []string {
	var cols []string
	seen := map[string]bool{}
	for _, c := range append(append([]string{p.ContactColumn, p.EmailColumn}, p.Columns...), p.OtherColumns...) {
		if c != "" && !seen[c] {
			seen[c] = true
			cols = append(cols, c)
		}
	}
	return cols
}

// Export reads every registered table's rows of the contact (one repeatable
// read snapshot) and writes an audit entry for actor.
func (s *Service) Export(ctx context.Context, contactID int64, actor, format string) (Export, error) {
	ex := Export{ContactID: contactID, GeneratedAt: time.Now().UTC(), Tables: map[string]json.RawMessage{}}
	err := pgx.BeginTxFunc(ctx, s.reads, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var email string
		if err := tx.QueryRow(ctx, `SELECT email FROM contacts WHERE id = $1`, contactID).Scan(&email); err != nil {
			if err == pgx.ErrNoRows {
				return contacts.ErrNotFound
			}
			return fmt.Errorf("privacy: export: %w", err)
		}
		for _, p := range db.PersonalTables {
			cols := exportColumns(p)
			args := make([]string, 0, 2*len(cols))
			for _, c := range cols {
				args = append(args, "'"+c+"'", "t."+ident(c))
			}
			order := ""
			if p.ContactColumn == "id" {
				order = " ORDER BY t.id"
			}
			where, margs := matchSQL(p, []int64{contactID}, []string{strings.ToLower(email)}, [][]byte{s.opt.Contacts.Hash(email)})
			q := `SELECT coalesce(json_agg(json_build_object(` + strings.Join(args, ", ") + `)` + order + `), '[]'::json)
				FROM ` + ident(p.Table) + ` t WHERE ` + where
			var raw []byte
			if err := tx.QueryRow(ctx, q, margs...).Scan(&raw); err != nil {
				return fmt.Errorf("privacy: export: table %s: %w", p.Table, err)
			}
			ex.Tables[p.Table] = raw
		}
		return nil
	})
	if err != nil {
		return ex, err
	}
	id := contactID
	if err := s.Audit(ctx, Entry{Actor: actor, Action: ActionExport, TargetKind: "contact", TargetID: &id, Count: 1, Cause: format}); err != nil {
		return ex, err
	}
	return ex, nil
}

// PDF renders an export as a readable report: a section per table, each row
// as column/value lines. Text is encoded for the PDF core fonts (cp1252);
// characters outside it are transliterated (diacritics dropped) or shown as "?".
func (ex Export) PDF() ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Personal data export", true)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AliasNbPages("")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "I", 8)
		pdf.CellFormat(0, 8, fmt.Sprintf("Page %d/{nb}", pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 10, "Personal data export", "", 1, "", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(0, 6, fmt.Sprintf("Contact %d, generated %s", ex.ContactID, ex.GeneratedAt.Format(time.RFC3339)), "", 1, "", false, 0, "")
	pdf.Ln(4)
	for _, p := range db.PersonalTables {
		raw, ok := ex.Tables[p.Table]
		if !ok {
			continue
		}
		var rows []map[string]any
		if err := json.Unmarshal(raw, &rows); err != nil {
			return nil, fmt.Errorf("privacy: pdf: table %s: %w", p.Table, err)
		}
		pdf.SetFont("Helvetica", "B", 13)
		pdf.CellFormat(0, 9, cp1252(fmt.Sprintf("%s (%d)", p.Table, len(rows))), "B", 1, "", false, 0, "")
		pdf.Ln(1)
		if len(rows) == 0 {
			pdf.SetFont("Helvetica", "I", 9)
			pdf.CellFormat(0, 5, "nothing held", "", 1, "", false, 0, "")
		}
		cols := exportColumns(p)
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = cp1252(c)
		}
		left, _, right, _ := pdf.GetMargins()
		pageW, _ := pdf.GetPageSize()
		valueW := pageW - right - 15 - 40
		if len(rows) > compactRows {
			// Event tables (deliveries, consent records, actions) can hold
			// thousands of rows: one paragraph per row keeps the report
			// readable and a few hundred pages long.
			pdf.SetFont("Helvetica", "", 8)
			var b strings.Builder
			for i, r := range rows {
				b.Reset()
				fmt.Fprintf(&b, "#%d", i+1)
				for j, c := range cols {
					b.WriteString("   " + names[j] + ": " + cp1252(pdfValue(r[c])))
				}
				pdf.MultiCell(0, 4, b.String(), "", "", false)
			}
			pdf.Ln(3)
			continue
		}
		for i, r := range rows {
			pdf.SetFont("Helvetica", "B", 9)
			pdf.CellFormat(0, 5, fmt.Sprintf("#%d", i+1), "", 1, "", false, 0, "")
			pdf.SetFont("Helvetica", "", 9)
			for j, c := range cols {
				pdf.SetX(15)
				pdf.CellFormat(40, 5, names[j], "", 0, "", false, 0, "")
				v := cp1252(pdfValue(r[c]))
				// A short one-line value is one cell; MultiCell (line
				// breaking) only for the rest: most values are short.
				if len(v) < 60 && !strings.ContainsRune(v, '\n') && pdf.GetStringWidth(v) < valueW {
					pdf.CellFormat(0, 5, v, "", 1, "", false, 0, "")
				} else {
					pdf.MultiCell(0, 5, v, "", "", false)
				}
			}
		}
		pdf.SetX(left)
		pdf.Ln(3)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("privacy: pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// compactRows: a table with more rows is printed one paragraph per row.
const compactRows = 20

func pdfValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		return x
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for i, k := range keys {
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString(k + ": " + pdfValue(x[k]))
		}
		if len(keys) == 0 {
			return "{}"
		}
		return b.String()
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// cp1252 encodes s for the PDF core fonts: runes in Windows-1252 as such,
// others without their diacritics when that makes them fit, else "?".
func cp1252(s string) string {
	var out []byte
	for _, r := range s {
		if b, ok := charmap.Windows1252.EncodeRune(r); ok {
			out = append(out, b)
			continue
		}
		if t, ok := translit[r]; ok {
			out = append(out, t...)
			continue
		}
		fit := false
		for _, d := range norm.NFD.String(string(r)) {
			if unicode.Is(unicode.Mn, d) {
				continue
			}
			if b, ok := charmap.Windows1252.EncodeRune(d); ok {
				out = append(out, b)
				fit = true
			}
		}
		if !fit {
			out = append(out, '?')
		}
	}
	return string(out)
}

// translit spells letters that have no decomposition in plain Latin.
var translit = map[rune]string{
	'Ħ': "H", 'ħ': "h", 'Ł': "L", 'ł': "l", 'Đ': "D", 'đ': "d", 'ı': "i", 'Ŀ': "L", 'ŀ': "l",
	'ſ': "s", 'Ŧ': "T", 'ŧ': "t", 'ĸ': "k", 'ŉ': "'n", 'Ŋ': "N", 'ŋ': "n", 'ǀ': "|",
	'‐': "-", '‑': "-", '−': "-", '…': "...", '≠': "!=", '≤': "<=", '≥': ">=",
}
