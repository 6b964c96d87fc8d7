package console

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/postbode/postbode/internal/access"
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
