package main

import (
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/staff"
)

// browser is one staff member's client: a cookie jar and the CSRF token of
// the session.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
	// last holds the headers of the last answer.
	last http.Header
}

// newBrowser is a client of the admin listener through the https proxy
// in front of it (tlsProxy), with a cookie jar of its own.
func newBrowser(t *testing.T, proxy *httptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	c := *proxy.Client()
	c.Jar = jar
	return &browser{t: t, base: proxy.URL, c: &c}
}

// tlsProxy is an https reverse proxy in front of the daemon's admin
// listener, as staff reach it at an https people.admin_url.
func tlsProxy(t *testing.T, d *daemon) *httptest.Server {
	p := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: d.admin}))
	t.Cleanup(p.Close)
	return p
}

func (b *browser) do(method, path string, body any) (int, map[string]any) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = strings.NewReader(string(j))
	}
	req, _ := http.NewRequest(method, b.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	b.last = resp.Header
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func (b *browser) must(want int, method, path string, body any) map[string]any {
	b.t.Helper()
	code, out := b.do(method, path, body)
	if code != want {
		b.t.Fatalf("%s %s: %d, want %d: %v", method, path, code, want, out)
	}
	return out
}

func (b *browser) login(email, password, code string) map[string]any {
	b.t.Helper()
	b.csrf = ""
	out := b.must(200, "POST", "/api/v1/auth/login", map[string]any{"email": email, "password": password, "code": code})
	b.csrf = out["csrf_token"].(string)
	return out
}

// inviteLink finds the invitation link mailed to rcpt in the capture dir.
func inviteLink(t *testing.T, dir, rcpt string) string {
	t.Helper()
	re := regexp.MustCompile(`/console/invite\?token=([A-Za-z0-9_\-]+)`)
	for i := 0; i < 100; i++ {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		for _, f := range files {
			raw, _ := os.ReadFile(f)
			if !strings.Contains(string(raw), "To: "+rcpt) && !strings.Contains(string(raw), "<"+rcpt+">") {
				continue
			}
			dec, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(string(raw))))
			if m := re.FindSubmatch(dec); m != nil {
				return string(m[1])
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no invitation mail to %s in %s", rcpt, dir)
	return ""
}

// TestPeopleEndToEnd drives the real binary: the first administrator is
// created on the command line, invites a marketer by mail, the marketer
// accepts, sets up and logs in with TOTP, works, and the administrator
// revokes the session; the audit log names each step's person.
func TestPeopleEndToEnd(t *testing.T) {
	outbox := t.TempDir()
	d := startDaemon(t, "api", "POSTBODE_SMTP_CAPTURE_DIR="+outbox, "POSTBODE_PEOPLE_ADMIN_URL=https://admin.example.org")
	const rootPW, annPW = "chief passphrase for e2e", "my own passphrase 2026"
	cmd := exec.Command(binPath, "user", "create", "--email", "root@example.org", "--role", "admin", "--account", "default", "--password-stdin")
	cmd.Env, cmd.Stdin = d.env, strings.NewReader(rootPW+"\n")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "created") {
		t.Fatalf("user create: %v %s", err, out)
	}
	// Staff reach the daemon through an https proxy at people.admin_url:
	// the session cookie is Secure, never sent over plain http.
	proxy := tlsProxy(t, d)
	root := newBrowser(t, proxy)
	me := root.login("root@example.org", rootPW, "")
	if c := root.last.Get("Set-Cookie"); !strings.Contains(c, "; Secure") || !strings.Contains(c, "HttpOnly") {
		t.Fatalf("session cookie behind an https admin_url: %q", c)
	}
	rootID := int64(me["person"].(map[string]any)["id"].(float64))
	// A request without the CSRF token is refused.
	csrf := root.csrf
	root.csrf = ""
	root.must(403, "POST", "/api/v1/persons", map[string]any{"email": "x@example.org", "role": "viewer"})
	root.csrf = csrf
	inv := root.must(201, "POST", "/api/v1/persons", map[string]any{"email": "ann@example.org", "name": "Ann", "role": "marketer"})
	if inv["mailed"] != true {
		t.Fatalf("invitation not mailed: %v", inv)
	}
	if _, ok := inv["person"]; ok || inv["invitation"] == nil {
		t.Fatalf("the invitation's answer: %v", inv)
	}
	token := inviteLink(t, outbox, "ann@example.org")

	ann := newBrowser(t, proxy)
	ann.must(422, "POST", "/api/v1/auth/accept", map[string]any{"token": token, "password": "password1234"})
	annID := int64(ann.must(200, "POST", "/api/v1/auth/accept", map[string]any{"token": token, "password": annPW})["id"].(float64))
	ann.must(422, "POST", "/api/v1/auth/accept", map[string]any{"token": token, "password": annPW})
	ann.login("ann@example.org", annPW, "")
	// Starting a second factor takes the current password, as turning it on does.
	ann.must(422, "POST", "/api/v1/auth/totp", map[string]any{"current_password": "not the password"})
	setup := ann.must(200, "POST", "/api/v1/auth/totp", map[string]any{"current_password": annPW})
	code, _ := staff.TOTPCode(setup["secret"].(string), time.Now())
	// Turning the second factor on takes the current password as well.
	ann.must(422, "POST", "/api/v1/auth/totp/confirm", map[string]any{"code": code})
	ann.must(422, "POST", "/api/v1/auth/totp/confirm", map[string]any{"current_password": "not the password", "code": code})
	ann.must(204, "POST", "/api/v1/auth/totp/confirm", map[string]any{"current_password": annPW, "code": code})
	ann.must(204, "POST", "/api/v1/auth/logout", nil)
	if c, _ := ann.do("POST", "/api/v1/auth/login", map[string]any{"email": "ann@example.org", "password": annPW}); c != 403 {
		t.Fatalf("login without the second factor: %d", c)
	}
	if c, _ := ann.do("POST", "/api/v1/auth/login", map[string]any{"email": "ann@example.org", "password": annPW, "code": code}); c != 403 {
		t.Fatalf("replayed code: %d", c)
	}
	next, _ := staff.TOTPCode(setup["secret"].(string), time.Now().Add(30*time.Second))
	ann.login("ann@example.org", annPW, next)

	ann.must(201, "POST", "/api/v1/lists", map[string]any{"slug": "news", "name": "News", "purpose": "news", "optin": "single"})
	c := ann.must(201, "POST", "/api/v1/contacts", map[string]any{"email": "zoe@example.net", "name": "Zoë"})
	if c["created_by"] != "person:"+strconv.FormatInt(annID, 10) {
		t.Fatalf("created_by: %v", c["created_by"])
	}
	ann.must(200, "GET", "/api/v1/contacts", nil)
	ann.must(403, "GET", "/api/v1/contacts/export", nil)

	sessions := root.must(200, "GET", "/api/v1/persons/"+strconv.FormatInt(annID, 10)+"/sessions", nil)["items"].([]any)
	if len(sessions) != 1 {
		t.Fatalf("ann's sessions: %v", sessions)
	}
	sid := strconv.FormatInt(int64(sessions[0].(map[string]any)["id"].(float64)), 10)
	root.must(204, "DELETE", "/api/v1/persons/"+strconv.FormatInt(annID, 10)+"/sessions/"+sid, nil)
	ann.must(401, "GET", "/api/v1/contacts", nil)

	audit := root.must(200, "GET", "/api/v1/privacy/audit?limit=100", nil)["items"].([]any)
	var got []string
	for _, e := range audit {
		m := e.(map[string]any)
		got = append(got, m["action"].(string)+" by "+m["actor"].(string))
	}
	r, a := "person:"+strconv.FormatInt(rootID, 10), "person:"+strconv.FormatInt(annID, 10)
	want := []string{"person-create by system", "login by " + r, "person-invite by " + r, "person-activate by " + a, "invitation-accept by " + a,
		"login by " + a, "login-failed by " + a, "login-failed by " + a, "login-failed by " + a, "totp-enable by " + a, "logout by " + a, "login-failed by anonymous", "login by " + a,
		"list-change by " + a, "contact-create by " + a, "bulk-read by " + a, "session-revoke by " + r}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(d.logs.String(), "ann@example.org") || strings.Contains(d.logs.String(), "zoe@example.net") {
		t.Error("a full address reached the logs")
	}
}
