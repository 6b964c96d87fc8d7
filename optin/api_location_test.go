package optin_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/httpapi"
)

// TestCreatedLocationIsDocumented: every 201 and 202 answer of the
// document is made here, and each sends a Location exactly when the
// document declares one; a Location names what was made (it can be read
// back). A new create in the document fails the test until it is added.
func TestCreatedLocationIsDocumented(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc, err := httpapi.OpenAPI(e.modules...)
	if err != nil {
		t.Fatal(err)
	}
	with, without, err := httpapi.Declared(doc, "Location", "201", "202")
	if err != nil {
		t.Fatal(err)
	}
	send := func(role, path, contentType string, body []byte) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", e.url+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	js := func(v any) []byte { b, _ := json.Marshal(v); return b }
	creates := []struct {
		route, role, path, contentType string
		body                           []byte
	}{
		{"POST /api/v1/lists 201", "marketer", "/api/v1/lists", "application/json",
			js(map[string]any{"slug": "news", "name": "News", "purpose": "news", "optin": "single"})},
		{"POST /api/v1/contacts 201", "marketer", "/api/v1/contacts", "application/json", js(map[string]any{"email": "anna@example.org"})},
		{"POST /api/v1/imports 202", "marketer", "/api/v1/imports?source=import&purpose=news&lists=news", "text/csv", []byte("email\nbram@example.org\n")},
		{"POST /api/v1/blocklist 201", "marketer", "/api/v1/blocklist", "application/json", js(map[string]any{"email": "blocked@example.org"})},
	}
	// Answers that name nothing to read back, made elsewhere.
	made := map[string]bool{
		"POST /api/v1/tokens 201":         true, // needs a signed-in person; the secret is shown once, there is nothing to GET
		"GET /api/v1/contacts/export 202": true, // the export is mailed, nothing is kept to name
	}
	for _, c := range creates {
		made[c.route] = true
		resp := send(c.role, c.path, c.contentType, c.body)
		status := c.route[strings.LastIndexByte(c.route, ' ')+1:]
		if got := resp.Status[:3]; got != status {
			t.Errorf("%s: status %s", c.route, resp.Status)
			continue
		}
		loc := resp.Header.Get("Location")
		switch {
		case with[c.route] && loc == "":
			t.Errorf("%s declares a Location, the route sends none", c.route)
		case without[c.route] && loc != "":
			t.Errorf("%s sends Location %s, the document does not declare it", c.route, loc)
		case loc != "":
			if code := e.do(c.role, "GET", loc, nil, nil); code != http.StatusOK {
				t.Errorf("%s: GET %s (its Location): %d", c.route, loc, code)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(with)) {
		if !made[k] {
			t.Errorf("%s is in the document but not made here: add it", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(without)) {
		if !made[k] {
			t.Errorf("%s is in the document but not made here: add it", k)
		}
	}
	for _, k := range []string{"POST /api/v1/lists 201", "POST /api/v1/contacts 201", "POST /api/v1/imports 202"} {
		if !with[k] {
			t.Errorf("%s does not declare the Location it sends", k)
		}
	}
}
