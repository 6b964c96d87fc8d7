package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-smtp"
)

// TestLifecycleEndToEnd runs every role in one `postbode serve` and follows
// an update mailing through its whole life over the real ports: it is sent
// through a relay that refuses one address (a synchronous hard bounce), a
// DSN for another comes back to the inbound listener at its VERP address, a
// recipient answers "take me off your list" on the update page, another
// unsubscribes with RFC 8058 one-click; the follow-up report, the bounce API
// and the contacts show the outcome, and /metrics tells the same story.
func TestLifecycleEndToEnd(t *testing.T) {
	s := newSink(t)
	relayHost, relayPort, _ := strings.Cut(s.addr, ":")
	pub, inbound := freeAddr(t), freeAddr(t)
	d := startDaemon(t, "api,public,inbound,scheduler,sender,janitor",
		"POSTBODE_SMTP_MODE=relay", "POSTBODE_SMTP_RELAY_HOST="+relayHost, "POSTBODE_SMTP_RELAY_PORT="+relayPort,
		"POSTBODE_SMTP_RELAY_TLS=none", "POSTBODE_INBOUND_DOMAINS=bounces.example.org",
		"POSTBODE_SENDING_BOUNCE_DOMAIN=bounces.example.org", "POSTBODE_PUBLIC_LISTEN="+pub,
		"POSTBODE_INBOUND_LISTEN="+inbound, "POSTBODE_PUBLIC_BASE_URL=http://"+pub)
	token := d.cli(t, "token", "create", "--role", "admin", "--name", "lifecycle")
	api := func(method, path, body string, want int) string {
		t.Helper()
		code, out := d.request(t, token, method, path, body)
		if code != want {
			t.Fatalf("%s %s: %d %s", method, path, code, out)
		}
		return out
	}
	api("POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`, 201)
	ids := map[string]int64{}
	for _, who := range []string{"stays", "dead", "dsn", "leaver", "oneclick"} {
		var c struct{ ID int64 }
		json.Unmarshal([]byte(api("POST", "/api/v1/contacts", fmt.Sprintf(`{"email":"%s@example.org","name":"%s",
			"lists":["news"],"consent":{"source":"api","purpose":"news"}}`, who, who), 201)), &c)
		ids[who] = c.ID
	}
	s.refuse("dead@example.org")

	var camp struct{ ID int64 }
	json.Unmarshal([]byte(api("POST", "/api/v1/campaigns", `{"name":"Check","kind":"update","subject":"Are your details still right?",
		"html":"<p>Hello {{.Contact.Name}}</p>{{template \"update-buttons\" .}}","from_email":"news@example.org","lists":["news"]}`, 201)), &camp)
	api("POST", fmt.Sprintf("/api/v1/campaigns/%d/start", camp.ID), "", 200)
	var st struct {
		Status        string
		Sent, Bounced int
	}
	waitFor(t, 30*time.Second, "campaign finished", func() bool {
		json.Unmarshal([]byte(api("GET", fmt.Sprintf("/api/v1/campaigns/%d/stats", camp.ID), "", 200)), &st)
		return st.Status == "finished"
	})
	if st.Sent != 4 || st.Bounced != 1 {
		t.Errorf("stats: sent %d bounced %d, want 4 and 1", st.Sent, st.Bounced)
	}

	// A DSN for dsn@ to the message's VERP return path.
	verp := s.returnPath("dsn@example.org")
	if !strings.HasSuffix(verp, "@bounces.example.org") {
		t.Fatalf("return path %q is not a VERP address at the bounce domain", verp)
	}
	dsn := "From: MAILER-DAEMON@mx.example.org\r\nTo: " + verp + "\r\nSubject: Undelivered Mail\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nGone.\r\n" +
		"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; dsn@example.org\r\n" +
		"Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n--b--\r\n"
	c, err := smtp.Dial(inbound)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("", []string{verp}, strings.NewReader(dsn)); err != nil {
		t.Fatalf("DSN to the inbound listener: %v", err)
	}
	c.Close()

	// "Take me off your list" on the update page: the GET shows the choice,
	// the POST (with the form's CSRF token) carries it out.
	links := mailText(t, s.message("leaver@example.org"))
	remove := regexp.MustCompile(`http://` + regexp.QuoteMeta(pub) + `/p/[A-Za-z0-9_.-]+\?answer=remove`).FindString(links)
	if remove == "" {
		t.Fatalf("no remove button link in the mail:\n%s", links)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar} // the form's CSRF token pairs with a cookie
	page := httpGet(t, browser, remove)
	var resp *http.Response
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if csrf == nil {
		t.Fatalf("update page has no form:\n%s", page)
	}
	if subs := api("GET", fmt.Sprintf("/api/v1/contacts/%d/subscriptions", ids["leaver"]), "", 200); !strings.Contains(subs, `"confirmed"`) {
		t.Fatalf("the GET changed the subscription: %s", subs)
	}
	u, _ := url.Parse(remove)
	resp, err = browser.PostForm(u.Scheme+"://"+u.Host+u.Path, url.Values{"csrf": {csrf[1]}, "answer": {"remove"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("remove answer: %d", resp.StatusCode)
	}

	// RFC 8058 one-click from the List-Unsubscribe header.
	hdr := string(s.message("oneclick@example.org"))
	oneClick := regexp.MustCompile(`<(http://[^>]+/u/[^>]+)>`).FindStringSubmatch(hdr)
	if oneClick == nil || !strings.Contains(hdr, "List-Unsubscribe-Post: List-Unsubscribe=One-Click") {
		t.Fatalf("no one-click List-Unsubscribe in:\n%.800s", hdr)
	}
	resp, err = http.Post(oneClick[1], "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("one-click: %d", resp.StatusCode)
	}

	// Outcomes through the API.
	waitFor(t, 20*time.Second, "the DSN processed", func() bool {
		return strings.Contains(api("GET", fmt.Sprintf("/api/v1/contacts/%d/bounces", ids["dsn"]), "", 200), `"hard"`)
	})
	for who, want := range map[string]string{"dead": `"hard_bounces":1`, "dsn": `"hard_bounces":1`, "stays": `"hard_bounces":0`} {
		if c := api("GET", fmt.Sprintf("/api/v1/contacts/%d", ids[who]), "", 200); !strings.Contains(c, want) {
			t.Errorf("%s: want %s in %s", who, want, c)
		}
	}
	for _, who := range []string{"leaver", "oneclick"} {
		if subs := api("GET", fmt.Sprintf("/api/v1/contacts/%d/subscriptions", ids[who]), "", 200); !strings.Contains(subs, `"unsubscribed"`) {
			t.Errorf("%s still subscribed: %s", who, subs)
		}
	}
	if rep := api("GET", fmt.Sprintf("/api/v1/update-mailings/%d/report", camp.ID), "", 200); !strings.Contains(rep, `"remove":1`) {
		t.Errorf("report: %s", rep)
	}

	// The metrics tell the same story.
	for _, m := range []struct{ name, filter string }{
		{"postbode_messages_total", `result="sent"`},
		{"postbode_messages_total", `result="bounced"`},
		{"postbode_bounces_total", `class="hard"`},
		{"postbode_inbound_messages_total", ""},
		{"postbode_recipient_actions_total", ""},
		{"postbode_http_requests_total", ""},
		{"postbode_send_duration_seconds_count", ""},
		{"postbode_smtp_connections_total", ""},
		{"postbode_pg_pool_acquires_total", ""},
	} {
		if v := metric(t, d, m.name, m.filter); v == 0 {
			t.Errorf("%s{%s} did not move", m.name, m.filter)
		}
	}
	for _, addr := range []string{"leaver@example.org", "dsn@example.org", "dead@example.org"} {
		if strings.Contains(d.logs.String(), addr) {
			t.Errorf("the logs carry the full address %s", addr)
		}
	}
}

// mailText returns the decoded text of every part of a message.
func mailText(t *testing.T, raw []byte) string {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	var out strings.Builder
	e.Walk(func(path []int, part *message.Entity, err error) error {
		if err != nil {
			return err
		}
		if mr := part.MultipartReader(); mr == nil {
			b, _ := io.ReadAll(part.Body)
			out.Write(b)
		}
		return nil
	})
	return out.String()
}

func httpGet(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d\n%s", u, resp.StatusCode, b)
	}
	return string(b)
}

func waitFor(t *testing.T, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
