package campaigns_test

import (
	"context"
	"strings"
	"testing"
)

// TestTestSendLeavesHiddenAttributesOut: a hidden attribute (data
// minimisation) never reaches a mail template, so a test send with a real
// contact's merge fields, by id or by address, must not carry it either;
// otherwise a marketer reads it by mailing the campaign to themselves.
func TestTestSendLeavesHiddenAttributesOut(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	l := e.list("news")
	ids := e.contacts("hid", 1, "confirmed", l)
	if _, err := e.db.Exec(ctx, `UPDATE contacts SET attributes = '{"bsn": "123456782", "city": "Delft"}' WHERE id = $1`, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Exec(ctx, `INSERT INTO hidden_attributes (key, hidden_by) VALUES ('bsn', 'test')`); err != nil {
		t.Fatal(err)
	}
	code, out := e.do("marketer", "POST", "/api/v1/campaigns", map[string]any{"name": "Leak",
		"subject": "s", "html": `<p>{{range $k, $v := .Contact.Attributes}}[{{$k}}:{{$v}}]{{end}}</p>`,
		"from_name": "News", "from_email": "news@news.example.com", "lists": []string{"news"}})
	if code != 201 {
		t.Fatalf("create: %d %v", code, out)
	}
	id := itoa(int64(out["id"].(float64)))
	for i, as := range []map[string]any{{"contact_id": ids[0]}, {"contact_email": email("hid", 1)}} {
		to := "me" + itoa(int64(i)) + "@example.net"
		as["addresses"] = []string{to}
		if code, out := e.do("marketer", "POST", "/api/v1/campaigns/"+id+"/test", as); code != 200 {
			t.Fatalf("test send %v: %d %v", as, code, out)
		}
		msg, _ := e.sink.message(to)
		if !strings.Contains(string(msg), "[city:Delft]") {
			t.Fatalf("test send %v: the visible attribute is missing:\n%s", as, msg)
		}
		if strings.Contains(string(msg), "123456782") || strings.Contains(string(msg), "[bsn:") {
			t.Errorf("test send %v carries the hidden attribute", as)
		}
	}
}
