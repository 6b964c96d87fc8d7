package main

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/rtoken"
)

// TestTestSendLinks: a test send fills the merge fields from a real contact
// picked by address or id and goes to the test address only; its
// unsubscribe, update and privacy links land on a page that says it was a
// test, on GET and on a one-click POST, and change nothing.
func TestTestSendLinks(t *testing.T) {
	pub, outbox := freeAddr(t), t.TempDir()
	d := startDaemon(t, "api,public", "POSTBODE_PUBLIC_LISTEN="+pub, "POSTBODE_PUBLIC_BASE_URL=http://"+pub,
		"POSTBODE_SMTP_CAPTURE_DIR="+outbox, "POSTBODE_SENDING_BOUNCE_DOMAIN=bounce.example.org")
	token := d.cli(t, "token", "create", "--role", "admin", "--name", "test-send")
	d.request(t, token, "POST", "/api/v1/lists", `{"slug":"news","name":"News","purpose":"news","optin":"single"}`)
	code, body := d.request(t, token, "POST", "/api/v1/contacts",
		`{"email":"anna@example.org","name":"Anna","attributes":{"city":"Utrecht"},"lists":["news"],"consent":{"source":"api","purpose":"news"}}`)
	if code != 201 {
		t.Fatalf("contact: %d %s", code, body)
	}
	contactID := regexp.MustCompile(`"id":(\d+)`).FindStringSubmatch(body)[1]
	code, body = d.request(t, token, "POST", "/api/v1/campaigns", `{"name":"March","subject":"News for {{.Contact.Name}}",
		"html":"<p>Hi {{.Contact.Name}} in {{.Contact.Attributes.city}}</p><p><a href=\"{{.Links.Update}}\">update</a> <a href=\"{{.Links.Privacy}}\">privacy</a></p>",
		"from_email":"news@example.org","lists":["news"]}`)
	if code != 201 {
		t.Fatalf("campaign: %d %s", code, body)
	}
	campaign := regexp.MustCompile(`"id":(\d+)`).FindStringSubmatch(body)[1]
	testPath := "/api/v1/campaigns/" + campaign + "/test"

	code, body = d.request(t, token, "POST", testPath, `{"addresses":["me@example.net"],"contact_email":"Anna@example.org"}`)
	if code != 200 || !strings.Contains(body, `"result":"sent"`) {
		t.Fatalf("test send: %d %s", code, body)
	}
	msg := onlyCapture(t, outbox)
	for _, want := range []string{"Delivered-To: me@example.net", "Subject: [Test] News for Anna", "Hi Anna in Utrecht"} {
		if !strings.Contains(msg, want) {
			t.Errorf("test mail lacks %q:\n%.2000s", want, msg)
		}
	}
	if to := regexp.MustCompile(`(?m)^To: .*$`).FindString(msg); !strings.Contains(to, "me@example.net") {
		t.Errorf("To header %q, want the test address", to)
	}
	// Return path, Message-ID and X-Postbode-Ref name no contact and carry
	// the test mark: a bounce or complaint of a test mail touches nobody.
	keys := rtoken.NewKeys("e2e-secret-0123456789abcdef0123456789")
	header := func(name string) string {
		return strings.TrimSpace(regexp.MustCompile(`(?m)^` + name + `: (.*)\r?$`).FindStringSubmatch(msg)[1])
	}
	verp, err1 := keys.ParseAddress(strings.Trim(header("Return-Path"), "<>"))
	mid, err2 := keys.ParseMessageID(header("Message-ID"))
	ref, err3 := keys.Parse(header("X-Postbode-Ref"), rtoken.Bounce)
	for i, c := range []rtoken.Claims{verp, mid, ref} {
		if err := []error{err1, err2, err3}[i]; err != nil || !c.Test || c.ContactID != 0 {
			t.Errorf("token %d of the test mail: %+v %v", i, c, err)
		}
	}

	links := map[string]string{}
	for _, m := range regexp.MustCompile(`http://`+regexp.QuoteMeta(pub)+`/([upr])/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+`).FindAllStringSubmatch(msg, -1) {
		links[m[1]] = m[0]
	}
	if len(links) != 3 {
		t.Fatalf("links in the test mail: %v", links)
	}
	for kind, link := range links {
		if page := httpGet(t, http.DefaultClient, link); !strings.Contains(page, "This was a test mail") {
			t.Errorf("GET %s link: %.300s", kind, page)
		}
	}
	resp, err := http.PostForm(links["u"], url.Values{"List-Unsubscribe": {"One-Click"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "This was a test mail") {
		t.Errorf("one-click POST of a test link: %d %.300s", resp.StatusCode, page)
	}
	// Nothing changed: Anna is still on the list.
	if _, body := d.request(t, token, "GET", "/api/v1/contacts?list=news", ""); !strings.Contains(body, "anna@example.org") {
		t.Errorf("the test link unsubscribed the contact: %s", body)
	}

	// By id; an unknown contact names the field.
	os.RemoveAll(outbox)
	if code, body := d.request(t, token, "POST", testPath, `{"addresses":["me@example.net"],"contact_id":`+contactID+`}`); code != 200 {
		t.Errorf("test send by contact id: %d %s", code, body)
	}
	if code, body := d.request(t, token, "POST", testPath, `{"addresses":["me@example.net"],"contact_id":999999}`); code != 422 || !strings.Contains(body, `"field":"contact_id"`) {
		t.Errorf("unknown contact id: %d %s", code, body)
	}
	if code, body := d.request(t, token, "POST", testPath, `{"addresses":["me@example.net"],"contact_email":"nobody@example.org"}`); code != 422 || !strings.Contains(body, `"field":"contact_email"`) {
		t.Errorf("unknown contact address: %d %s", code, body)
	}
}

// onlyCapture returns the one captured message in dir, soft line breaks
// and =3D of quoted-printable undone.
func onlyCapture(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("captured %d messages, want 1", len(files))
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("=\r\n"), nil), []byte("=3D"), []byte("="))
	return string(b)
}
