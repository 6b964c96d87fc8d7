package privacy

import (
	"testing"
	"time"

	"github.com/postbode/postbode/internal/db"
)

// TestReportLabelsCoverRegistry: every column of every registered table
// has a label in each language (or is marked internal) and is described by
// the export's JSON Schema; a new column fails here until it is labelled.
func TestReportLabelsCoverRegistry(t *testing.T) {
	labels := reportSections
	schema := ExportSchema()
	tables := schema["properties"].(map[string]any)["tables"].(map[string]any)["properties"].(map[string]any)
	for _, p := range db.PersonalTables {
		sec, ok := labels[p.Table]
		cols := sec.cols
		if !ok || sec.en == "" || sec.nl == "" {
			t.Errorf("table %s has no section in privacy/labels.go", p.Table)
			continue
		}
		props := tables[p.Table].(map[string]any)["items"].(map[string]any)["properties"].(map[string]any)
		all := append(append([]string{p.ContactColumn, p.EmailColumn}, p.Columns...), p.OtherColumns...)
		seen := map[string]bool{}
		for _, c := range all {
			if c == "" {
				continue
			}
			seen[c] = true
			l, ok := cols[c]
			if !ok {
				t.Errorf("%s.%s has no label in privacy/labels.go", p.Table, c)
			} else if l.kind != vInternal && (l.en == "" || l.nl == "") {
				t.Errorf("%s.%s lacks an English or Dutch label", p.Table, c)
			}
			if _, ok := props[c]; !ok {
				t.Errorf("export schema does not describe %s.%s", p.Table, c)
			}
		}
		for c := range cols {
			if !seen[c] {
				t.Errorf("privacy/labels.go labels %s.%s, which the registry does not list", p.Table, c)
			}
		}
	}
}

// TestReportDates: dates are written in the report's zone and language,
// the zone named and UTC beside it (humantime.Words).
func TestReportDates(t *testing.T) {
	at := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	for lang, want := range map[string]string{"nl": "1 januari 2027, 00:30 Europe/Amsterdam (31 december 2026, 23:30 UTC)",
		"en": "1 January 2027, 00:30 Europe/Amsterdam (31 December 2026, 23:30 UTC)"} {
		loc, _ := time.LoadLocation("Europe/Amsterdam")
		if got := (reportText{lang: lang, loc: loc}).date(at, true); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}
