package main

import (
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/identity"
	"github.com/postbode/postbode/mta"
)

// A single mail sent for a department's recipient names that department's
// organisation in From (the installation's address stays, so DKIM and SPF
// hold); without one, the installation's From is used as configured.
func TestMailerFromNamesTheDepartment(t *testing.T) {
	dir := t.TempDir()
	tr, err := mta.NewCapture(dir, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	m := &mailer{from: `"Stichting Test" <noreply@bounces.example.net>`, tr: tr}
	from := func(ctx context.Context) *mail.Address {
		t.Helper()
		before, _ := os.ReadDir(dir)
		if err := m.Send(ctx, "sam@example.org", "s", "<p>x</p>", "x"); err != nil {
			t.Fatal(err)
		}
		after, _ := os.ReadDir(dir)
		if len(after) != len(before)+1 {
			t.Fatalf("%d files captured, want %d", len(after), len(before)+1)
		}
		f, err := os.Open(filepath.Join(dir, after[len(after)-1].Name()))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		msg, err := mail.ReadMessage(f)
		if err != nil {
			t.Fatal(err)
		}
		a, err := mail.ParseAddress(msg.Header.Get("From"))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := from(context.Background()); a.Name != "Stichting Test" || a.Address != "noreply@bounces.example.net" {
		t.Errorf("installation's From: %+v", a)
	}
	ctx := identity.With(context.Background(), identity.Identity{DepartmentID: 2, OrgName: "Sales Hüs"})
	if a := from(ctx); a.Name != "Sales Hüs" || a.Address != "noreply@bounces.example.net" {
		t.Errorf("department's From: %+v", a)
	}
}
