package main

import (
	"encoding/json"
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

// TestClaimOfADomainInUse: department A (the zero-config default, owning
// no domain) sends from shared.example.org without claiming it. B's
// administrator cannot claim it, nor its parent, while A has campaigns
// from it (409 domain_in_use naming domains, never A's name or ids); the
// refusal changes nothing, is audited in B's log, and A keeps sending from
// it. Once A's last campaign from it ended more than identity.ClaimQuiet
// ago, B claims it, and A no longer sends from it.
func TestClaimOfADomainInUse(t *testing.T) {
	w := newRouteWorld(t)
	_, bAdmin := w.person("claim@b.example.org", "admin", w.b["dept"])
	const path = "/api/v1/departments/current/identity"
	if code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`); code != http.StatusCreated {
		t.Fatalf("A's list: %d %s", code, body)
	}
	campaign := `{"name":"A monthly","subject":"s","html":"<p>hi</p>","from_email":"news@mail.shared.example.org","lists":["news"]}`
	code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/campaigns", campaign)
	if code != http.StatusCreated {
		t.Fatalf("A's campaign: %d %s", code, body)
	}
	first := campaignID(t, body)
	refusals := func() (n int) {
		t.Helper()
		if err := w.a.db.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'domain-claim-refused'
			AND department_id = $1 AND target_id = $1 AND cause = 'domain_in_use'`, w.b["dept"]).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i, domains := range []string{`["b.example.org","mail.shared.example.org"]`, `["shared.example.org"]`, `["MAIL.Shared.example.org."]`} {
		code, body := w.do(bAdmin, "PUT", path, `{"domains":`+domains+`,"org_name":"B claims"}`)
		if code != http.StatusConflict || !strings.Contains(body, `"code":"domain_in_use"`) || !strings.Contains(body, `"field":"domains"`) ||
			!strings.Contains(body, "another department has campaigns from") {
			t.Fatalf("B claims %s, which A sends from: %d %s", domains, code, body)
		}
		for _, secret := range []string{"default", "Default", `"department_id"`, "A monthly", strconv.FormatInt(first, 10) + ","} {
			if strings.Contains(body, secret) {
				t.Errorf("the refusal shows A's %q: %s", secret, body)
			}
		}
		if n := refusals(); n != i+1 {
			t.Errorf("after refusal %d: %d audit entries", i+1, n)
		}
	}
	if code, body := w.do(bAdmin, "GET", path, ""); code != http.StatusOK || strings.Contains(body, "shared") || strings.Contains(body, "B claims") {
		t.Fatalf("B's identity after the refusals: %d %s", code, body)
	}
	// Unrelated domains, and saving them again, are not refused.
	for range 2 {
		if code, body := w.do(bAdmin, "PUT", path, `{"domains":["b.example.org","other.example.org"]}`); code != http.StatusOK {
			t.Fatalf("B claims domains nobody sends from: %d %s", code, body)
		}
	}

	// A keeps sending from it: a new campaign, and its draft starts.
	if code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/campaigns", strings.Replace(campaign, "A monthly", "A extra", 1)); code != http.StatusCreated {
		t.Fatalf("A's second campaign after B's refused claim: %d %s", code, body)
	}
	if code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/campaigns/"+strconv.FormatInt(first, 10)+"/start", `{}`); code != http.StatusOK || !strings.Contains(body, `"status":"running"`) {
		t.Fatalf("A starts its campaign after B's refused claim: %d %s", code, body)
	}

	// Sent within the window, it still holds the domain; past it, not.
	for _, c := range []struct {
		ago  string
		want int
	}{{"10 days", http.StatusConflict}, {"91 days", http.StatusOK}} {
		if _, err := w.a.db.Exec(t.Context(), `UPDATE campaigns SET status = CASE WHEN id = $2 THEN 'finished' ELSE 'cancelled' END,
			started_at = now() - $1::interval, finished_at = now() - $1::interval, updated_at = now() - $1::interval
			WHERE department_id = 1`, c.ago, first); err != nil {
			t.Fatal(err)
		}
		if code, body := w.do(bAdmin, "PUT", path, `{"domains":["b.example.org","shared.example.org"]}`); code != c.want {
			t.Fatalf("B claims shared.example.org %s after A's last campaign: %d %s, want %d", c.ago, code, body, c.want)
		}
	}
	code, body = w.do(w.tokens["marketer"], "POST", "/api/v1/campaigns", campaign)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `"from_email"`) || !strings.Contains(body, "another department") {
		t.Fatalf("A sends from B's claimed domain: %d %s", code, body)
	}
}

// campaignID is the id in a campaign's JSON.
func campaignID(t *testing.T, body string) int64 {
	t.Helper()
	var c struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil || c.ID == 0 {
		t.Fatalf("no campaign id in %s (%v)", body, err)
	}
	return c.ID
}

// TestInternationalisedFromDomains: a From address is stored with its
// domain in Unicode (contacts.NormalizeEmail), a department's domains in
// their ASCII (xn--) form; both are one domain. So department A (owning
// none) cannot send from B's bücher.example.org in either spelling, and B
// cannot claim xn--shp-tna.example.org while A sends from shöp.example.org.
func TestInternationalisedFromDomains(t *testing.T) {
	w := newRouteWorld(t)
	_, bAdmin := w.person("idn@b.example.org", "admin", w.b["dept"])
	const path = "/api/v1/departments/current/identity"
	if code, body := w.do(bAdmin, "PUT", path, `{"domains":["xn--bcher-kva.example.org"]}`); code != http.StatusOK {
		t.Fatalf("B claims xn--bcher-kva.example.org: %d %s", code, body)
	}
	if code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`); code != http.StatusCreated {
		t.Fatalf("A's list: %d %s", code, body)
	}
	campaign := func(from string) string {
		return `{"name":"c","subject":"s","html":"<p>hi</p>","from_email":"` + from + `","lists":["news"]}`
	}
	for _, from := range []string{"news@bücher.example.org", "news@xn--bcher-kva.example.org", "news@mail.BÜCHER.example.org"} {
		code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/campaigns", campaign(from))
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "another department") {
			t.Errorf("A (owning none) sends From %s, under B's domain: %d %s", from, code, body)
		}
	}
	if code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/campaigns", campaign("news@shöp.example.org")); code != http.StatusCreated {
		t.Fatalf("A's campaign from shöp.example.org: %d %s", code, body)
	}
	code, body := w.do(bAdmin, "PUT", path, `{"domains":["xn--bcher-kva.example.org","xn--shp-tna.example.org"]}`)
	if code != http.StatusConflict || !strings.Contains(body, `"code":"domain_in_use"`) {
		t.Errorf("B claims xn--shp-tna.example.org while A sends from shöp.example.org: %d %s", code, body)
	}
}
