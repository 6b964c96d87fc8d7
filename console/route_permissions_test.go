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
