package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/staff"
)

// TestConsoleBrowserNarrow: on a phone (375 px wide) the screens with long
// names fit the width: a list named at length in unicode (the Lists
// screen, the contact filter's list menu), a contact with a long address,
// name and field (the contact's heading and fields). Nothing makes the
// page scroll sideways; a table may scroll inside its own frame.
func TestConsoleBrowserNarrow(t *testing.T) {
	_, dbURL := testenv.DBWithURL(t)
	d := startDaemon(t, "api", "POSTBODE_DATABASE_URL="+dbURL)
	pool, err := db.Open(context.Background(), dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	fx := &staffFixture{t: t, svc: staff.New(pool, e2eKey, staff.Options{}), cs: contacts.NewStore(pool, e2eKey, 3)}
	adminCode := fx.person("ada@example.org", access.DefaultDepartment, access.RoleAdmin)
	b := newChrome(t, "http://"+d.admin)
	b.login("ada@example.org", consolePassword, adminCode())

	name := "Nieuwsbrief — Ünïcödé 😀 " + strings.Repeat("with a long name that goes on ", 4)
	b.open("/console/lists/new")
	b.do("list form", chromedp.SetValue(chromedp.ID("slug"), "nieuws"), chromedp.SetValue(chromedp.ID("name"), name),
		chromedp.SetValue(chromedp.ID("purpose"), "Maandelijks nieuws"))
	b.submit(`form[action="/console/lists"]`)
	b.open("/console/contacts/new")
	b.do("contact form",
		chromedp.SetValue(chromedp.ID("email"), "maximiliaan.alexander.van.der.berg@subdomain.of.a.very-long-domain-name.example.org"),
		chromedp.SetValue(chromedp.ID("name"), "Maximiliaan Alexander Ünïcödé van der Berg-Doornbosch tot Nijenrode 😀"),
		chromedp.SetValue(chromedp.ID("fields"), "city: Sint-Michielsgestel-aan-de-lange-weg-zonder-spaties-ertussen"))
	b.submit(`form[action="/console/contacts"]`)
	var id int64
	if _, err := fmt.Sscanf(eval[string](b, `location.pathname`), "/console/contacts/%d", &id); err != nil {
		t.Fatalf("no contact page after saving: %s\n%.2000s", eval[string](b, `location.href`), b.text("main"))
	}

	b.do("phone width", chromedp.EmulateViewport(375, 800))
	for _, path := range []string{"/console/lists", "/console/contacts?q=max", fmt.Sprintf("/console/contacts/%d", id)} {
		b.open(path)
		wide := eval[string](b, `document.documentElement.scrollWidth > window.innerWidth ?
			[...document.querySelectorAll("main *")].filter(e => !e.closest(".table-wrap") && e.getBoundingClientRect().right > window.innerWidth)
				.slice(0, 3).map(e => e.tagName + " " + Math.round(e.getBoundingClientRect().right) + "px").join(", ") || "?" : ""`)
		if wide != "" {
			t.Errorf("%s at 375 px scrolls sideways: %s", path, wide)
		}
	}
}
