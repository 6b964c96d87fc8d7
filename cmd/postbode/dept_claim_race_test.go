package main

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postbode/postbode/staff"
)

// raced is a request sent together with others and its answer.
type raced struct {
	token, method, path, body string
	code                      int
	answer                    string
	err                       error
}

// race sends every request at once (each from its own goroutine, released
// together) and fills in their answers.
func (w *routeWorld) race(reqs []*raced) {
	w.t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, q := range reqs {
		req, err := http.NewRequest(q.method, w.url+q.path, strings.NewReader(q.body))
		if err != nil {
			w.t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+q.token)
		req.Header.Set("Content-Type", "application/json")
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				q.err = err
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			q.code, q.answer = resp.StatusCode, string(b)
		}()
	}
	close(start)
	wg.Wait()
	for _, q := range reqs {
		if q.err != nil {
			w.t.Fatalf("%s %s: %v", q.method, q.path, q.err)
		}
	}
}

// owners lists the departments owning domain d.
func (w *routeWorld) owners(d string) []int64 {
	w.t.Helper()
	rows, err := w.a.db.Query(w.t.Context(), `SELECT department_id FROM department_domains WHERE domain = $1`, d)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

const identityPath = "/api/v1/departments/current/identity"

// TestConcurrentClaimsOfOneDomain: the administrators of several
// departments claim one unowned From domain at the same moment. Exactly
// one claim succeeds and that department owns the domain; every other
// answers 409 domain_taken naming domains, and believes nothing.
func TestConcurrentClaimsOfOneDomain(t *testing.T) {
	w := newRouteWorld(t)
	type dept struct {
		id    int64
		token string
	}
	var depts []dept
	for i := range 6 {
		d, err := w.a.staff().SaveDepartment(t.Context(), staff.Department{Slug: fmt.Sprintf("claim-%d", i), Name: fmt.Sprintf("Claim %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		_, tok := w.person(fmt.Sprintf("admin%d@claim.example.org", i), "admin", d.ID)
		depts = append(depts, dept{d.ID, tok})
	}
	for round := range 8 {
		domain := fmt.Sprintf("race%d.example.org", round)
		reqs := make([]*raced, len(depts))
		for i, d := range depts {
			reqs[i] = &raced{token: d.token, method: "PUT", path: identityPath, body: `{"domains":["` + domain + `"]}`}
		}
		w.race(reqs)
		var winners []int64
		for i, q := range reqs {
			switch {
			case q.code == http.StatusOK:
				winners = append(winners, depts[i].id)
			case q.code == http.StatusConflict && strings.Contains(q.answer, `"code":"domain_taken"`) && strings.Contains(q.answer, `"field":"domains"`):
			default:
				t.Errorf("round %d: department %d claims %s: %d %s", round, depts[i].id, domain, q.code, q.answer)
			}
		}
		if owners := w.owners(domain); len(winners) != 1 || len(owners) != 1 || owners[0] != winners[0] {
			t.Fatalf("round %d: %d claims of %s succeeded (%v); owners %v", round, len(winners), domain, winners, owners)
		}
	}
}

// TestClaimRacesACampaign: department B claims a From domain at the moment
// department A (owning none) saves a new campaign from it, or schedules a
// draft from it that had not counted as in use (changed more than
// identity.ClaimQuiet ago). Exactly one side wins: the campaign (B's claim
// answers 409 domain_in_use) or the claim (A's campaign answers 422 naming
// from_email); never both, so B never owns a domain A has a live campaign
// from.
func TestClaimRacesACampaign(t *testing.T) {
	w := newRouteWorld(t)
	_, bAdmin := w.person("claim@b.example.org", "admin", w.b["dept"])
	if code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`); code != http.StatusCreated {
		t.Fatalf("A's list: %d %s", code, body)
	}
	campaign := func(from string) string {
		return `{"name":"c","subject":"s","html":"<p>hi</p>","from_email":"news@` + from + `","lists":["news"]}`
	}
	sendAt := `{"send_at":"` + time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339) + `"}`
	wins := map[string]int{}
	for round := range 16 {
		domain := fmt.Sprintf("race%d.example.org", round)
		schedule := round%2 == 1
		a := &raced{token: w.tokens["marketer"], method: "POST", path: "/api/v1/campaigns", body: campaign(domain)}
		if schedule {
			code, body := w.do(w.tokens["marketer"], "POST", "/api/v1/campaigns", campaign(domain))
			if code != http.StatusCreated {
				t.Fatalf("A's draft from %s: %d %s", domain, code, body)
			}
			id := campaignID(t, body)
			if _, err := w.a.db.Exec(t.Context(), `UPDATE campaigns SET updated_at = now() - interval '100 days' WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			a = &raced{token: w.tokens["marketer"], method: "POST", path: "/api/v1/campaigns/" + strconv.FormatInt(id, 10) + "/schedule", body: sendAt}
		}
		b := &raced{token: bAdmin, method: "PUT", path: identityPath, body: `{"domains":["` + domain + `"]}`}
		w.race([]*raced{a, b})
		campaignWon := a.code == http.StatusOK || a.code == http.StatusCreated
		switch {
		case campaignWon && b.code == http.StatusConflict && strings.Contains(b.answer, `"code":"domain_in_use"`):
			wins["campaign"]++
			if o := w.owners(domain); len(o) != 0 {
				t.Fatalf("round %d: %s refused to B, yet owned by %v", round, domain, o)
			}
		case b.code == http.StatusOK && a.code == http.StatusUnprocessableEntity && strings.Contains(a.answer, `"from_email"`) &&
			strings.Contains(a.answer, "another department"):
			wins["claim"]++
			if o := w.owners(domain); len(o) != 1 || o[0] != w.b["dept"] {
				t.Fatalf("round %d: B's claim of %s succeeded, owners %v", round, domain, o)
			}
		default:
			t.Fatalf("round %d (schedule %v): A's campaign from %s: %d %s; B's claim: %d %s", round, schedule, domain,
				a.code, a.answer, b.code, b.answer)
		}
	}
	t.Logf("winners: %v", wins)
}
