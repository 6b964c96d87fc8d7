package console

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"testing"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/privacy"
)

// TestReminderNeedsCampaignsSend: a reminder is a new campaign (a draft
// copy of the update mailing), so the console asks for the permission
// POST /api/v1/update-mailings/{id}/reminders asks for, campaigns.send;
// contacts.write alone is refused before the campaign is looked at.
func TestReminderNeedsCampaignsSend(t *testing.T) {
	e := newAdminEnv(t)
	wantStatus(t, "create role", e.post("/console/admin/roles", url.Values{"name": {"desk"},
		"permissions": {"contacts.read", "contacts.write", "campaigns.read"}}), http.StatusSeeOther)
	_, c := e.login("desk@example.org", access.DefaultDepartment, "desk")
	form := url.Values{"criterion": {"no_response"}, "csrf": {e.csrfOf(c)}}
	wantStatus(t, "reminder by contacts.write", e.send("POST", "/console/campaigns/1/reminder", form, c), http.StatusForbidden)
}

// TestAccountAdminJobsArchivePermissions: the account's session and token
// routes need only a session (each acts on the person's own, see
// TestConsoleOwnSessions and TestConsoleOwnTokens); a person's sessions
// need users.manage, the Jobs screen campaigns.read, archiving campaigns.send
// (the permissions of the API routes they mirror). Without them: 403,
// before anything is looked up. Signed out: a GET goes to the login page,
// a POST is refused.
func TestAccountAdminJobsArchivePermissions(t *testing.T) {
	e := newAdminEnv(t)
	wantStatus(t, "create role", e.post("/console/admin/roles", url.Values{"name": {"desk"},
		"permissions": {"contacts.read"}}), http.StatusSeeOther)
	_, c := e.login("desk@example.org", access.DefaultDepartment, "desk")
	csrf := e.csrfOf(c)
	for _, r := range []struct{ method, path string }{
		{"GET", "/console/jobs"},
		{"GET", "/console/admin/people/1/sessions"},
		{"POST", "/console/admin/people/1/sessions/1/revoke"},
		{"POST", "/console/campaigns/1/archive"},
		{"POST", "/console/campaigns/1/unarchive"},
	} {
		var form url.Values
		if r.method == "POST" {
			form = url.Values{"csrf": {csrf}}
		}
		wantStatus(t, r.method+" "+r.path+" as desk", e.send(r.method, r.path, form, c), http.StatusForbidden)
	}
	wantStatus(t, "own account as desk", e.send("GET", "/console/account", nil, c), http.StatusOK)
	wantStatus(t, "own token as desk", e.send("POST", "/console/account/tokens", url.Values{"csrf": {csrf}, "name": {"mine"}, "expires": {"7"}}, c), http.StatusOK)
	out := &http.Cookie{Name: c.Name, Value: "pbs_nobody"}
	wantStatus(t, "account signed out", e.send("GET", "/console/account", nil, out), http.StatusSeeOther)
	wantStatus(t, "token signed out", e.send("POST", "/console/account/tokens", url.Values{"name": {"x"}}, out), http.StatusForbidden)
	wantStatus(t, "sign-out elsewhere signed out", e.send("POST", "/console/account/sessions/revoke-others", url.Values{}, out), http.StatusForbidden)
}

// TestBounceScreensNeedTheAPIsPermissions: the Bounces, unproven reports
// and Blocklist screens ask what their API routes ask: reading needs
// contacts.read (GET /api/v1/bounces, /bounces/unauthenticated,
// /blocklist), dismissing and changing the blocklist contacts.write (POST
// /api/v1/bounces/{id}/dismiss, POST and DELETE /api/v1/blocklist).
func TestBounceScreensNeedTheAPIsPermissions(t *testing.T) {
	e := newAdminEnv(t)
	_, viewer := e.login("viewer@example.org", access.DefaultDepartment, access.RoleViewer)
	for _, path := range []string{"/console/bounces", "/console/bounces/unauthenticated", "/console/bounces/1", "/console/blocklist"} {
		wantStatus(t, "GET "+path+" without contacts.read", e.send("GET", path, nil, viewer), http.StatusForbidden)
	}
	_, reader := e.login("reader@example.org", access.DefaultDepartment, access.RolePrivacy)
	for _, path := range []string{"/console/bounces", "/console/bounces/unauthenticated", "/console/blocklist"} {
		wantStatus(t, "GET "+path+" with contacts.read", e.send("GET", path, nil, reader), http.StatusOK)
	}
	csrf := e.csrfOf(reader)
	for _, r := range []struct{ method, path string }{
		{"GET", "/console/bounces/1/dismiss"}, {"POST", "/console/bounces/1/dismiss"}, {"POST", "/console/blocklist"},
		{"GET", "/console/blocklist/1/remove"}, {"POST", "/console/blocklist/1/remove"},
	} {
		var form url.Values
		if r.method == "POST" {
			form = url.Values{"csrf": {csrf}, "addresses": {"eve@example.org"}, "reason": {"request"}}
		}
		wantStatus(t, r.method+" "+r.path+" without contacts.write", e.send(r.method, r.path, form, reader), http.StatusForbidden)
	}
}

// TestPrivacyRegistersAskWhatTheAPIAsks: each screen of the privacy
// officer's registers asks for the permission of the API route doing the
// same (a form's GET that of its POST), read from both route tables.
func TestPrivacyRegistersAskWhatTheAPIAsks(t *testing.T) {
	h, err := New(context.Background(), Deps{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rt := httpapi.NewRouter(http.NewServeMux(), slog.New(slog.DiscardHandler), nil, httpapi.HTTPMetrics{})
	privacy.NewAPI(nil).Routes(rt)
	api := map[string]access.Permission{}
	for _, r := range rt.Routes() {
		api[r.Method+" "+r.Path] = r.Perm
	}
	const v1 = "/api/v1/privacy/"
	for screen, same := range map[string]string{
		"GET /console/privacy/erasures":                 "GET " + v1 + "audit",
		"GET /console/privacy/breaches":                 "GET " + v1 + "breaches",
		"GET /console/privacy/breaches/new":             "POST " + v1 + "breaches",
		"POST /console/privacy/breaches":                "POST " + v1 + "breaches",
		"GET /console/privacy/breaches/{id}":            "GET " + v1 + "breaches/{id}",
		"POST /console/privacy/breaches/{id}":           "PATCH " + v1 + "breaches/{id}",
		"GET /console/privacy/holds":                    "GET " + v1 + "holds",
		"POST /console/privacy/holds":                   "POST " + v1 + "holds",
		"GET /console/privacy/holds/{id}/release":       "POST " + v1 + "holds/{id}/release",
		"POST /console/privacy/holds/{id}/release":      "POST " + v1 + "holds/{id}/release",
		"GET /console/privacy/agreements":               "GET " + v1 + "processor-agreements",
		"POST /console/privacy/agreements":              "POST " + v1 + "processor-agreements",
		"GET /console/privacy/agreements/{id}/document": "GET " + v1 + "processor-agreements/{id}/document",
		"GET /console/privacy/attributes":               "GET " + v1 + "attributes/hidden",
		"POST /console/privacy/attributes/hide":         "POST " + v1 + "attributes/{key}/hide",
		"POST /console/privacy/attributes/show":         "POST " + v1 + "attributes/{key}/show",
		"GET /console/privacy/attributes/delete":        "POST " + v1 + "attributes/{key}/delete",
		"POST /console/privacy/attributes/delete":       "POST " + v1 + "attributes/{key}/delete",
		"POST /console/contacts/{id}/forget":            "POST " + v1 + "erasures",
	} {
		want, ok := api[same]
		if !ok {
			t.Errorf("no API route %s", same)
			continue
		}
		if got, ok := h.perms[screen]; !ok || got != want {
			t.Errorf("%s asks for %q, %s for %q", screen, got, same, want)
		}
	}
}
