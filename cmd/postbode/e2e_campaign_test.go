package main

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// TestServeSendsCampaign: `postbode serve` with a relay pointing at a
// loopback sink sends a campaign created and started through the API.
func TestServeSendsCampaign(t *testing.T) {
	s := newSink(t)
	host, port, _ := net.SplitHostPort(s.addr)
	d := startDaemon(t, "api,scheduler,sender", "POSTBODE_SMTP_MODE=relay", "POSTBODE_SMTP_RELAY_HOST="+host,
		"POSTBODE_SMTP_RELAY_PORT="+port, "POSTBODE_SMTP_RELAY_TLS=none", "POSTBODE_SENDING_BOUNCE_DOMAIN=bounce.example.org",
		"POSTBODE_PUBLIC_BASE_URL=https://pb.example.org")
	token := d.cli(t, "token", "create", "--role", "marketer", "--name", "e2e")
	if code, body := d.request(t, token, "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`); code != 201 {
		t.Fatalf("create list: %d %s", code, body)
	}
	const n = 5
	for i := 1; i <= n; i++ {
		code, body := d.request(t, token, "POST", "/api/v1/contacts",
			fmt.Sprintf(`{"email":"r%d@example.org","name":"R%d","lists":["news"],"consent":{"source":"api","purpose":"news"}}`, i, i))
		if code != 201 {
			t.Fatalf("create contact: %d %s", code, body)
		}
	}
	code, body := d.request(t, token, "POST", "/api/v1/campaigns", `{"name":"E2E","subject":"Hello {{.Contact.Name}}",
		"html":"<p>Hi {{.Contact.Name}}</p>","from_name":"News","from_email":"news@example.org","lists":["news"]}`)
	if code != 201 {
		t.Fatalf("create campaign: %d %s", code, body)
	}
	var c struct{ ID int64 }
	json.Unmarshal([]byte(body), &c)
	if code, body := d.request(t, token, "POST", fmt.Sprintf("/api/v1/campaigns/%d/start", c.ID), ""); code != 200 {
		t.Fatalf("start: %d %s", code, body)
	}
	var st struct {
		Status string
		Sent   int
		Total  int
	}
	deadline := time.Now().Add(30 * time.Second)
	for st.Status != "finished" {
		if time.Now().After(deadline) {
			t.Fatalf("campaign not finished: %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
		_, body = d.request(t, token, "GET", fmt.Sprintf("/api/v1/campaigns/%d/stats", c.ID), "")
		json.Unmarshal([]byte(body), &st)
	}
	if st.Sent != n || st.Total != n {
		t.Errorf("stats %s", body)
	}
	if total, distinct, dup := s.counts(); total != n || distinct != n || dup != 0 {
		t.Errorf("sink got %d messages to %d recipients (%d duplicates), want %d", total, distinct, dup, n)
	}
	msg := string(s.message("r2@example.org"))
	for _, want := range []string{"Subject: Hello R2", "List-Unsubscribe:\r\n <https://pb.example.org/u/", "@bounce.example.org?subject=unsubscribe>", "X-Postbode-Ref: "} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%.600s", want, msg)
		}
	}
	_, metrics := d.request(t, "", "GET", "/metrics", "")
	if !strings.Contains(metrics, fmt.Sprintf(`postbode_messages_total{result="sent"} %d`, n)) {
		t.Errorf("metrics lack the sent messages")
	}
	if strings.Contains(d.logs.String(), "r2@example.org") {
		t.Errorf("a full address reached the logs")
	}
}
