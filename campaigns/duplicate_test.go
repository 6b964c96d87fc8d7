package campaigns_test

import (
	"testing"
	"time"
)

// TestDuplicateAndUnschedule: duplicate copies a campaign (even a
// cancelled one) as a new draft with its content, sender and lists;
// unschedule takes a scheduled campaign back to draft and refuses any
// other state; a viewer may do neither.
func TestDuplicateAndUnschedule(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	l := e.list("dup")
	code, src := e.do("marketer", "POST", "/api/v1/campaigns", map[string]any{"name": "April", "subject": "Hi {{.Contact.Name}}",
		"html": "<p>April</p>", "text": "April", "from_name": "News", "from_email": "news@news.example.com",
		"reply_to": "desk@news.example.com", "list_ids": []int64{l}})
	if code != 201 {
		t.Fatalf("create: %d %v", code, src)
	}
	id := itoa(int64(src["id"].(float64)))
	if code, _ := e.do("viewer", "POST", "/api/v1/campaigns/"+id+"/duplicate", nil); code != 403 {
		t.Errorf("viewer duplicate: %d, want 403", code)
	}
	if code, out := e.do("marketer", "POST", "/api/v1/campaigns/"+id+"/unschedule", nil); code != 409 {
		t.Errorf("unschedule a draft: %d %v, want 409", code, out)
	}
	sendAt := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	if code, out := e.do("marketer", "POST", "/api/v1/campaigns/"+id+"/schedule", map[string]any{"send_at": sendAt}); code != 200 {
		t.Fatalf("schedule: %d %v", code, out)
	}
	code, out := e.do("marketer", "POST", "/api/v1/campaigns/"+id+"/unschedule", nil)
	if code != 200 || out["status"] != "draft" || out["send_at"] != nil {
		t.Fatalf("unschedule: %d %v", code, out)
	}
	if code, out := e.do("marketer", "POST", "/api/v1/campaigns/"+id+"/cancel", nil); code != 200 {
		t.Fatalf("cancel: %d %v", code, out)
	}
	code, dup := e.do("marketer", "POST", "/api/v1/campaigns/"+id+"/duplicate", nil)
	if code != 201 {
		t.Fatalf("duplicate: %d %v", code, dup)
	}
	if dup["id"] == src["id"] || dup["status"] != "draft" || dup["name"] != "Copy of April" || dup["send_at"] != nil {
		t.Errorf("duplicate: %v", dup)
	}
	for _, k := range []string{"subject", "html", "text", "from_name", "from_email", "reply_to", "kind"} {
		if dup[k] != src[k] {
			t.Errorf("duplicate %s = %v, want %v", k, dup[k], src[k])
		}
	}
	if jsonString(dup["list_ids"]) != jsonString(src["list_ids"]) {
		t.Errorf("duplicate lists %v, want %v", dup["list_ids"], src["list_ids"])
	}
	if code, _ := e.do("marketer", "POST", "/api/v1/campaigns/999999/duplicate", nil); code != 404 {
		t.Errorf("duplicate of no campaign: %d, want 404", code)
	}
}
