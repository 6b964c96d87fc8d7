package main

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/testenv"
)

// TestOpsCommands: `queue stats` shows a campaign waiting for a sender node,
// `campaigns list` lists it, and `campaigns watch` follows it to the end once
// a sender node joins.
func TestOpsCommands(t *testing.T) {
	s := newSink(t)
	host, port, _ := net.SplitHostPort(s.addr)
	_, dbURL := testenv.DBWithURL(t)
	_, prefix := testenv.Redis(t)
	env := append(envWithout("POSTBODE_"),
		"POSTBODE_DATABASE_URL="+dbURL, "POSTBODE_REDIS_URL="+testenv.RedisURL(), "POSTBODE_REDIS_KEY_PREFIX="+prefix,
		"POSTBODE_SECRETS_KEY=e2e-secret-0123456789abcdef0123456789", "POSTBODE_LOG_FORMAT=json",
		"POSTBODE_SMTP_MODE=relay", "POSTBODE_SMTP_RELAY_HOST="+host, "POSTBODE_SMTP_RELAY_PORT="+port,
		"POSTBODE_SMTP_RELAY_TLS=none", "POSTBODE_SENDING_BOUNCE_DOMAIN=bounce.example.org")
	ctl := startNode(t, "api,scheduler", env)
	token := ctl.cli(t, "token", "create", "--role", "marketer", "--name", "ops")
	ctl.request(t, token, "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`)
	const n = 20
	for i := range n {
		if code, body := ctl.request(t, token, "POST", "/api/v1/contacts",
			fmt.Sprintf(`{"email":"o%d@example.org","lists":["news"],"consent":{"source":"api","purpose":"news"}}`, i)); code != 201 {
			t.Fatalf("contact: %d %s", code, body)
		}
	}
	_, body := ctl.request(t, token, "POST", "/api/v1/campaigns", `{"name":"Ops run","subject":"Hi","html":"<p>Hi</p>",
		"from_email":"news@example.org","lists":["news"]}`)
	var c struct{ ID int64 }
	json.Unmarshal([]byte(body), &c)
	if code, body := ctl.request(t, token, "POST", fmt.Sprintf("/api/v1/campaigns/%d/start", c.ID), ""); code != 200 {
		t.Fatalf("start: %d %s", code, body)
	}

	// No sender node yet: the recipients wait in the queue.
	want := fmt.Sprintf("%d  running  %d", c.ID, n)
	deadline := time.Now().Add(20 * time.Second)
	var out string
	for !strings.Contains(squeeze(out), want) {
		if time.Now().After(deadline) {
			t.Fatalf("queue stats never showed %q:\n%s", want, out)
		}
		time.Sleep(100 * time.Millisecond)
		out = ctl.cli(t, "queue", "stats")
	}
	if out := ctl.cli(t, "campaigns", "list"); !strings.Contains(out, "Ops run") || !strings.Contains(out, "running") {
		t.Errorf("campaigns list:\n%s", out)
	}

	startNode(t, "sender", env)
	watch := ctl.cli(t, "campaigns", "watch", fmt.Sprint(c.ID), "--interval", "100ms")
	lines := strings.Split(strings.TrimSpace(watch), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, "100.0%") || !strings.Contains(last, "finished") || !strings.Contains(last, fmt.Sprintf("sent %d/%d", n, n)) {
		t.Errorf("watch ended with %q", last)
	}
	if out := ctl.cli(t, "campaigns", "list", "--status", "finished"); !strings.Contains(out, "100.0%") {
		t.Errorf("campaigns list --status finished:\n%s", out)
	}
	if _, distinct, _ := s.counts(); distinct != n {
		t.Errorf("relay got %d recipients, want %d", distinct, n)
	}
}

// squeeze collapses runs of spaces to two, so tabwriter columns compare simply.
func squeeze(s string) string {
	for strings.Contains(s, "   ") {
		s = strings.ReplaceAll(s, "   ", "  ")
	}
	return s
}
