package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestPublicSuffixCannotBeClaimed: a department owns the From domains it
// claims and every subdomain of them, so a claim of a public suffix (co.uk,
// a registry's; github.io, a hosting provider's) would give it every
// organisation's domain under it: no other department could send from, or
// claim, any .co.uk domain. Such a claim is refused naming the domain; the
// registrable domain under it (acme.co.uk) stays claimable, and another
// department still sends from a domain under the suffix.
func TestPublicSuffixCannotBeClaimed(t *testing.T) {
	w := newRouteWorld(t)
	_, bAdmin := w.person("suffix@b.example.org", "admin", w.b["dept"])
	const path = "/api/v1/departments/current/identity"
	for _, d := range []string{"co.uk", "CO.UK.", "github.io", "com.au"} {
		code, body := w.do(bAdmin, "PUT", path, `{"domains":["b.example.org",`+strconv.Quote(d)+`]}`)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"domains[1]"`) || !strings.Contains(body, "public suffix") {
			t.Errorf("B claims %s: %d %s, want 422 naming domains[1] as a public suffix", d, code, body)
		}
	}
	if code, body := w.do(bAdmin, "PUT", path, `{"domains":["b-acme.co.uk"]}`); code != http.StatusOK {
		t.Fatalf("B claims a registrable domain under co.uk: %d %s", code, body)
	}
	if code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`); code != http.StatusCreated {
		t.Fatalf("A's list: %d %s", code, body)
	}
	code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/campaigns",
		`{"name":"c","subject":"s","html":"<p>hi</p>","from_email":"news@a-acme.co.uk","lists":["news"]}`)
	if code != http.StatusCreated {
		t.Fatalf("A sends from its own .co.uk domain: %d %s", code, body)
	}
}
