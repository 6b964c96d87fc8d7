package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestSendingIdentityPerDepartment: a department's From domains and house
// style are its own. A person of department A neither sees B's identity nor
// claims B's domain nor sends From it; B sends only from its domains.
func TestSendingIdentityPerDepartment(t *testing.T) {
	w := newRouteWorld(t)
	_, bAdmin := w.person("identity@b.example.org", "admin", w.b["dept"])
	const path = "/api/v1/departments/current/identity"
	if code, body := w.do(bAdmin, "PUT", path, `{"domains":["B.example.org","b.example.org."],"org_name":"B House","primary_color":"#aa0000"}`); code != http.StatusOK ||
		!strings.Contains(body, `"domains":["b.example.org"]`) {
		t.Fatalf("B sets its identity: %d %s", code, body)
	}
	code, body := w.do(w.tokens["admin"], "GET", path, "")
	if code != http.StatusOK || strings.Contains(body, "b.example.org") || strings.Contains(body, "B House") {
		t.Fatalf("A reads its identity: %d %s", code, body)
	}
	if code, body := w.do(w.tokens["admin"], "PUT", path, `{"domains":["b.example.org"]}`); code != http.StatusConflict || !strings.Contains(body, "domains") {
		t.Fatalf("A claims B's domain: %d %s", code, body)
	}
	if code, _ := w.do(w.tokens["marketer"], "PUT", path, `{"domains":["a.example.org"]}`); code != http.StatusForbidden {
		t.Fatalf("A's marketer changes the identity: %d, want 403", code)
	}
	if code, body := w.do(w.tokens["admin"], "PUT", path, `{"domains":["not a domain"]}`); code != http.StatusUnprocessableEntity || !strings.Contains(body, "domains[0]") {
		t.Fatalf("bad domain: %d %s", code, body)
	}

	if code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`); code != http.StatusCreated {
		t.Fatalf("A's list: %d %s", code, body)
	}
	campaign := func(from, lists string) string {
		return `{"name":"c","subject":"s","html":"<p>hi</p>","from_email":"` + from + `",` + lists + `}`
	}
	code, body = w.do(w.tokens["marketer"], "POST", "/api/v1/campaigns", campaign("news@b.example.org", `"lists":["news"]`))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `"from_email"`) || !strings.Contains(body, "another department") {
		t.Fatalf("A sends From B's domain: %d %s", code, body)
	}
	if code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/campaigns", campaign("news@a.example.org", `"lists":["news"]`)); code != http.StatusCreated {
		t.Fatalf("A sends From a domain nobody owns: %d %s", code, body)
	}
	bList := `"list_ids":[` + strconv.FormatInt(w.b["list"], 10) + `]`
	if code, body := w.do(bAdmin, "POST", "/api/v1/campaigns", campaign("news@b.example.org", bList)); code != http.StatusCreated {
		t.Fatalf("B sends From its domain: %d %s", code, body)
	}
	code, body = w.do(bAdmin, "POST", "/api/v1/campaigns", campaign("news@a.example.org", bList))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `"from_email"`) {
		t.Fatalf("B sends From a domain it does not own: %d %s", code, body)
	}
}

// TestSubdomainsBelongToTheDomainsOwner: DKIM signs a subdomain with its
// parent domain's key, so a subdomain of B's domain is B's: A neither
// claims it nor sends From it (which would send A's mail under B's
// signature), whether A owns domains or none; B sends from it.
func TestSubdomainsBelongToTheDomainsOwner(t *testing.T) {
	w := newRouteWorld(t)
	_, bAdmin := w.person("identity@b.example.org", "admin", w.b["dept"])
	const path = "/api/v1/departments/current/identity"
	if code, body := w.do(bAdmin, "PUT", path, `{"domains":["b.example.org"]}`); code != http.StatusOK {
		t.Fatalf("B sets its identity: %d %s", code, body)
	}
	if code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`); code != http.StatusCreated {
		t.Fatalf("A's list: %d %s", code, body)
	}
	campaign := func(from, lists string) string {
		return `{"name":"c","subject":"s","html":"<p>hi</p>","from_email":"` + from + `",` + lists + `}`
	}
	// A owns no domain yet.
	code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/campaigns", campaign("news@mail.b.example.org", `"lists":["news"]`))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `"from_email"`) || !strings.Contains(body, "another department") {
		t.Fatalf("A (owning none) sends From a subdomain of B's domain: %d %s", code, body)
	}
	code, body = w.do(w.tokens["admin"], "PUT", path, `{"domains":["a.example.org","mail.b.example.org"]}`)
	if code != http.StatusConflict || !strings.Contains(body, "mail.b.example.org") {
		t.Fatalf("A claims a subdomain of B's domain: %d %s", code, body)
	}
	// A parent of B's domain may be claimed; B's domain stays B's.
	if code, body := w.do(w.tokens["admin"], "PUT", path, `{"domains":["a.example.org","example.org"]}`); code != http.StatusOK {
		t.Fatalf("A claims example.org: %d %s", code, body)
	}
	code, body = w.do(w.tokens["marketer"], "POST", "/api/v1/campaigns", campaign("news@x.b.example.org", `"lists":["news"]`))
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "another department") {
		t.Fatalf("A (owning example.org) sends From under B's domain: %d %s", code, body)
	}
	if code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/campaigns", campaign("news@example.org", `"lists":["news"]`)); code != http.StatusCreated {
		t.Fatalf("A sends From its domain: %d %s", code, body)
	}
	bList := `"list_ids":[` + strconv.FormatInt(w.b["list"], 10) + `]`
	if code, body := w.do(bAdmin, "POST", "/api/v1/campaigns", campaign("news@mail.b.example.org", bList)); code != http.StatusCreated {
		t.Fatalf("B sends From a subdomain of its domain: %d %s", code, body)
	}
}
