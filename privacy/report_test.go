package privacy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/privacy"
)

// pdfText reads a PDF back with poppler's pdftotext, whitespace folded.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin := testenv.Tool(t, "pdftotext", "poppler-utils")
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext cannot read the PDF: %v: %s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// TestAccessReportPDF renders the access report of a contact seeded in
// every registered table, in Dutch and English, and reads it back: plain
// labels in the language, list and mailing names, local dates, the
// controller and processors, no raw column or table names, and Unicode
// names (Latin with diacritics and Chinese) intact.
func TestAccessReportPDF(t *testing.T) {
	t.Parallel()
	f := newFixture(t, privacy.Options{OneStarDays: 365, BaseURL: "https://mail.example.org", ContactEmail: "Privacy <privacy@example.org>",
		Controller: privacy.Controller{Organisation: "Stichting Ångström", StatementURL: "https://example.org/privacyverklaring",
			TimeZone: "Europe/Amsterdam", Processors: []privacy.Processor{{Name: "Relay BV", Purpose: "delivers our mail", Location: "Netherlands"}}}})
	campaignID, listID := seedCampaign(t, f)
	f.exec(t, `UPDATE campaigns SET name = 'Lente-nieuwsbrief 2026', started_at = '2026-03-21 10:00+01' WHERE id = $1`, campaignID)
	f.exec(t, `UPDATE lists SET name = 'Nieuws van Zoë', purpose = 'Maandelijks nieuws over ons werk' WHERE id = $1`, listID)
	s := seedSubject(t, f, "report", campaignID, listID)
	f.exec(t, `UPDATE contacts SET name = 'Zoë Ångström', attributes = attributes || '{"nickname": "李小龍"}', created_at = '2025-12-31 23:30+00' WHERE id = $1`, s.ID)

	ex, err := f.svc.Export(t.Context(), s.ID, "test", "pdf")
	if err != nil {
		t.Fatal(err)
	}
	common := []string{"Zoë Ångström", "李小龍", s.Email, s.IP, s.UA, "Stichting Ångström", "privacy@example.org",
		"https://example.org/privacyverklaring", "Nieuws van Zoë", "Maandelijks nieuws over ons werk",
		"Lente-nieuwsbrief 2026", "Relay BV: delivers our mail (Netherlands)", "https://mail.example.org/privacy",
		"form v3 signed by", "city-of-report"}
	langs := map[string]struct{ want, not []string }{
		"nl": {want: []string{"Uw persoonsgegevens", "Wie uw gegevens bewaart", "Waarom wij uw gegevens bewaren",
			"Rechtsgrond: uw toestemming (AVG art. 6 lid 1 sub a)", "na 365 dagen", "Waar uw gegevens vandaan komen",
			"Tekst waarmee u instemde", "Vanaf internetadres (IP)", "gaf toestemming", "Mails die wij u stuurden", "bezorgd",
			"Lente-nieuwsbrief 2026 (21 maart 2026)", "Toegevoegd op: 1 januari 2026, 00:30 Europe/Amsterdam (31 december 2025, 23:30 UTC)", "Uw rechten", "Autoriteit Persoonsgegevens",
			"Wij antwoorden binnen een maand."},
			not: []string{"Legal basis", "Your rights", "Added on"}},
		"en": {want: []string{"Your personal data", "Who holds your data", "Why we hold your data",
			"Legal basis: your consent (GDPR art. 6(1)(a))", "after 365 days", "Where your data came from",
			"Text you agreed to", "From internet address (IP)", "gave consent", "Mails we sent you", "delivered",
			"Lente-nieuwsbrief 2026 (21 March 2026)", "Added on: 1 January 2026, 00:30 Europe/Amsterdam (31 December 2025, 23:30 UTC)", "Your rights", "We answer within one month."},
			not: []string{"Rechtsgrond", "Uw rechten", "Toegevoegd op"}},
	}
	for lang, tc := range langs {
		t.Run(lang, func(t *testing.T) {
			pdf, err := ex.PDF(lang)
			if err != nil {
				t.Fatal(err)
			}
			text := pdfText(t, pdf)
			for _, w := range append(append([]string{}, common...), tc.want...) {
				if !strings.Contains(text, w) {
					t.Errorf("%s report lacks %q", lang, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(text, w) {
					t.Errorf("%s report holds %q of the other language", lang, w)
				}
			}
			for _, p := range db.PersonalTables {
				names := append([]string{p.Table}, append(append([]string{p.ContactColumn, p.EmailColumn}, p.Columns...), p.OtherColumns...)...)
				for _, n := range names {
					if strings.Contains(n, "_") && strings.Contains(text, n) {
						t.Errorf("%s report shows the raw name %q", lang, n)
					}
				}
			}
			if strings.Contains(text, `\x`) {
				t.Errorf("%s report shows hex-encoded bytes", lang)
			}
		})
	}
}
