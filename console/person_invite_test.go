package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestConsoleInviteKeepsWhatWasTyped: an invitation the staff service
// refuses (an address that is not one) brings the admin screen back with
// 422, the address, name and role as typed and the error beside the
// address field and in the summary (in Dutch too), not an error page that
// loses the form.
func TestConsoleInviteKeepsWhatWasTyped(t *testing.T) {
	e := newAdminEnv(t)
	form := url.Values{"email": {"bob@"}, "name": {"Bob Ünïcode"}, "role": {"marketer"}}
	body := wantStatus(t, "bad invite", e.post("/console/admin/people", form), http.StatusUnprocessableEntity)
	for _, want := range []string{`id="invite-email" name="email" required value="bob@"`, `value="Bob Ünïcode"`,
		`<option value="marketer" selected>`, `id="invite-email-error"`, `<a href="#invite-email">Email address `} {
		if !strings.Contains(body, want) {
			t.Errorf("the invite form lacks %q:\n%.6000s", want, body[strings.Index(body, "<main"):])
		}
	}
	body = wantStatus(t, "no address", e.post("/console/admin/people", url.Values{"name": {"Bob"}, "role": {"viewer"}}), http.StatusUnprocessableEntity)
	if !strings.Contains(body, `id="invite-email-error"`) || !strings.Contains(body, `<option value="viewer" selected>`) {
		t.Errorf("an invite without an address does not name the field:\n%.6000s", body[strings.Index(body, "<main"):])
	}
	e.post("/console/language", url.Values{"lang": {"nl"}})
	body = wantStatus(t, "bad invite in Dutch", e.post("/console/admin/people", form), http.StatusUnprocessableEntity)
	if !strings.Contains(body, `<a href="#invite-email">E-mailadres `) {
		t.Errorf("the Dutch summary does not name the address field:\n%.3000s", body[strings.Index(body, "<main"):])
	}
}
