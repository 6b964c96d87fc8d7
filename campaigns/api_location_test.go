package campaigns_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/httpapi"
)

// TestCreatedLocationIsDocumented: every 201 of the campaigns document
// (create, duplicate) declares the Location the route sends, and the
// Location names the new campaign.
func TestCreatedLocationIsDocumented(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.list("news")
	with, without, err := httpapi.Declared(campaigns.NewAPI(e.svc).OpenAPI(), "Location", "201")
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string, body any) (string, int64) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", e.url+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+e.tokens["marketer"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var c struct{ ID int64 }
		json.NewDecoder(resp.Body).Decode(&c)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
		return resp.Header.Get("Location"), c.ID
	}
	loc, id := post("/api/v1/campaigns", map[string]any{"name": "March", "subject": "Hello", "html": "<p>Hi</p>",
		"from_email": "news@news.example.com", "lists": []string{"news"}})
	copyLoc, copyID := post("/api/v1/campaigns/"+strconv.FormatInt(id, 10)+"/duplicate", nil)
	sent := map[string]string{"POST /api/v1/campaigns 201": loc, "POST /api/v1/campaigns/{id}/duplicate 201": copyLoc}
	want := map[string]string{"POST /api/v1/campaigns 201": "/api/v1/campaigns/" + strconv.FormatInt(id, 10),
		"POST /api/v1/campaigns/{id}/duplicate 201": "/api/v1/campaigns/" + strconv.FormatInt(copyID, 10)}
	for k, got := range sent {
		if got != want[k] {
			t.Errorf("%s sends Location %q, want %q", k, got, want[k])
		}
		if !with[k] {
			t.Errorf("%s does not declare the Location it sends", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(without)) {
		t.Errorf("%s declares no Location", k)
	}
	for _, k := range slices.Sorted(maps.Keys(with)) {
		if _, ok := sent[k]; !ok {
			t.Errorf("%s is in the document but not made here: add it", k)
		}
	}
}
