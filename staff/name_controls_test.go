package staff_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/postbode/postbode/staff"
)

// TestStaffNamesThatSpoofAReaderAreRefused: over the API, an invitation's
// name, the department's name, its sender's name and an API token's name
// holding a text direction control or another invisible format character
// are refused with 422 naming the field; the service refuses the same for
// a person made on the command line. Names in any script pass.
func TestStaffNamesThatSpoofAReaderAreRefused(t *testing.T) {
	f := newFixture(t, staff.Options{})
	f.person("root@example.org", "admin")
	hs, _ := newAPI(t, f)
	root := signIn(t, f, "root@example.org")
	for _, c := range []struct{ method, path, body, field string }{
		{"POST", "/api/v1/invitations", `{"email":"ivy@example.org","name":"Ivy\u202e","role":"viewer"}`, "name"},
		{"PATCH", "/api/v1/departments/current", `{"name":"Sales\u200f"}`, "name"},
		{"PUT", "/api/v1/departments/current/identity", `{"org_name":"\u2068Acme"}`, "org_name"},
		{"POST", "/api/v1/auth/tokens", `{"name":"deploy\u2069"}`, "name"},
		{"POST", "/api/v1/departments", `{"slug":"north","name":"\u061cNorth"}`, "name"},
	} {
		r, b := call(t, hs, c.method, c.path, c.body, root)
		var out struct {
			Error struct{ Field, Message string }
		}
		json.Unmarshal([]byte(b), &out)
		if r.StatusCode != 422 || out.Error.Field != c.field || !strings.Contains(out.Error.Message, "text direction controls") {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.StatusCode, b)
		}
	}
	if r, b := call(t, hs, "POST", "/api/v1/invitations", `{"email":"ivy@example.org","name":"مریم می\u200cخواهد","role":"viewer"}`, root); r.StatusCode != 201 {
		t.Errorf("a Persian name with its joiner: %d %s", r.StatusCode, b)
	}
	if _, err := f.svc.CreateActive(t.Context(), staff.NewPerson{Email: "cli@example.org", Name: "Root\u202d", DepartmentID: 1,
		Role: "admin", Password: "a long enough passphrase"}); err == nil || !strings.Contains(err.Error(), "name: ") {
		t.Errorf("a person with a direction control in the name: %v", err)
	}
}
