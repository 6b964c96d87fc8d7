package httpapi

import (
	"encoding/csv"
	"net/http"
)

// StartCSV sets the headers of a CSV download (RFC 4180) named name.csv,
// never cached, and returns a writer on w for streaming rows.
func StartCSV(w http.ResponseWriter, name string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	return csv.NewWriter(w)
}

// WriteCSV writes a whole CSV download with a header row.
func WriteCSV(w http.ResponseWriter, name string, header []string, rows [][]string) error {
	cw := StartCSV(w, name)
	cw.Write(header)
	cw.WriteAll(rows)
	return cw.Error()
}
