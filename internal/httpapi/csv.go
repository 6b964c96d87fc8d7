package httpapi

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// StartCSV sets the headers of a CSV download (RFC 4180) named name.csv,
// never cached, and returns a writer on w for streaming rows. Write rows
// with CSVRow, so no cell runs as a formula.
func StartCSV(w http.ResponseWriter, name string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	return csv.NewWriter(w)
}

// WriteCSV writes a whole CSV download with a header row; every cell goes
// through CSVCell.
func WriteCSV(w http.ResponseWriter, name string, header []string, rows [][]string) error {
	cw := StartCSV(w, name)
	cw.Write(header)
	for _, r := range rows {
		cw.Write(CSVRow(r))
	}
	cw.Flush()
	return cw.Error()
}

// CSVRow returns row with every cell through CSVCell.
func CSVRow(row []string) []string {
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = CSVCell(v)
	}
	return out
}

// CSVCell defuses a value a spreadsheet would run as a formula (one that
// starts with = + - @, a tab or a carriage return, or with the full-width
// ＝ ＋ － ＠ that spreadsheets in East Asian locales read as the same) by
// prefixing a quote, as OWASP's CSV injection guidance has it; a number
// ("-3") is left as it is. Names, addresses and other text staff typed in can reach every CSV
// download, and the person who opens it is often not the one who typed
// them. A value that already starts with a quote before such a character
// gets one more, so CSVValue reads every cell back as the value written.
func CSVCell(v string) string {
	if defused(v) {
		return "'" + v
	}
	return v
}

// CSVValue is the value a cell written by CSVCell holds: the cell without
// the quote CSVCell put before it. An import reads cells through it, so a
// file exported here imports back as it was.
func CSVValue(cell string) string {
	if rest, ok := strings.CutPrefix(cell, "'"); ok && defused(rest) {
		return rest
	}
	return cell
}

// formulaStarts are the characters a cell a spreadsheet runs as a formula
// starts with: = + - @, tab and carriage return, and their full-width forms
// (U+FF1D, U+FF0B, U+FF0D, U+FF20).
const formulaStarts = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"

// defused says whether CSVCell puts a quote before v.
func defused(v string) bool {
	switch {
	case v == "":
		return false
	case v[0] == '\'':
		return defused(v[1:])
	}
	if r, _ := utf8.DecodeRuneInString(v); !strings.ContainsRune(formulaStarts, r) {
		return false
	}
	_, err := strconv.ParseFloat(v, 64)
	return err != nil
}
