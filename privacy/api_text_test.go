package privacy_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/postbode/postbode/privacy"
)

// TestPrivacyRoutesRefuseInvalidText: the erasure body and the report and
// request filters name a field holding a NUL or bytes that are not UTF-8
// with a 422 (they were a 500), and a miscased field name is refused.
func TestPrivacyRoutesRefuseInvalidText(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t, privacy.Options{})
	for _, tc := range []struct {
		method, path string
		body         any
		field, code  string
	}{
		{"POST", "/api/v1/privacy/erasures", map[string]any{"email": "a\x00@example.org"}, "email", "invalid_field"},
		{"POST", "/api/v1/privacy/erasures", map[string]any{"Email": "a@example.org"}, "Email", "unknown_field"},
		{"POST", "/api/v1/privacy/erasures", map[string]any{"CONTACT_ID": 1}, "CONTACT_ID", "unknown_field"},
		{"GET", "/api/v1/privacy/reports/optin-origin?source=%00", nil, "source", "invalid_field"},
		{"GET", "/api/v1/privacy/reports/optin-origin/contacts?list=n%FFws", nil, "list", "invalid_field"},
		{"GET", "/api/v1/privacy/audit?action=%00", nil, "action", "invalid_field"},
		{"GET", "/api/v1/privacy/requests?status=%00", nil, "status", "invalid_field"},
	} {
		code, raw, _ := e.do("privacy", tc.method, tc.path, tc.body)
		var ae struct {
			Error struct{ Code, Field string } `json:"error"`
		}
		json.Unmarshal(raw, &ae)
		if code != 422 || ae.Error.Field != tc.field || ae.Error.Code != tc.code {
			t.Errorf("%s %s %v: %d %s, want 422 %s %q", tc.method, tc.path, tc.body, code, raw, tc.code, tc.field)
		}
	}
	// Every privacy route: a bad query parameter is a field error, never a 500.
	for _, rt := range e.rt.Routes() {
		if !strings.HasPrefix(rt.Path, "/api/v1/privacy/") {
			continue
		}
		path := strings.ReplaceAll(rt.Path, "{id}", "1") + "?probe=%00"
		code, raw, _ := e.do("admin", rt.Method, path, map[string]any{})
		if code != 422 || !strings.Contains(string(raw), `"field":"probe"`) {
			t.Errorf("%s %s: %d %s, want 422 naming probe", rt.Method, path, code, raw)
		}
	}
}
