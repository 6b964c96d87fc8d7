package pages_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/mta"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/optin/pages"
	"github.com/postbode/postbode/templates"
)

const testKey = "0123456789abcdef0123456789abcdef-pages-test"

// env is a public listener on 127.0.0.1 with its own database, Redis key
// space and loopback SMTP server.
type env struct {
	t       testing.TB
	db      *db.Pool
	cs      *contacts.Store
	store   *optin.Store
	rcp     *optin.Recipients
	actions *optin.ActionLog
	keys    *rtoken.Keys
	srv     *pages.Server
	url     string
	smtp    *smtpServer
	client  *http.Client
	priv    *testPrivacy
	rdb     redis.UniversalClient
	prefix  string               // of this env's Redis keys
	reg     *prometheus.Registry // the action log's metrics
}

type envOpt struct {
	trusted        []string
	approve        bool
	noPrivacy      bool
	privacy        func(*env) pages.PrivacyRequests // optional, default a test double
	editable       []string
	confirmExpiry  time.Duration
	maxFormBytes   int64
	formsPerWindow int64
	actionsPerDay  int64 // > 0: the action log is capped (optin.ActionCap)
	statement      string
	retentionDays  int
	metrics        *httpapi.HTTPMetrics // optional
	log            *slog.Logger         // optional, default testenv.Logger
}

func newEnv(t testing.TB, o envOpt) *env {
	t.Helper()
	db := testenv.DB(t)
	rdb, prefix := testenv.Redis(t)
	e := &env{t: t, db: db, cs: contacts.NewStore(db, testKey, 2), store: optin.NewStore(db),
		keys: rtoken.NewKeys(testKey), smtp: newSMTPServer(t), rdb: rdb, prefix: prefix}
	e.reg = prometheus.NewRegistry()
	e.actions = optin.NewActionLog(db, testenv.Logger(t), e.reg)
	if o.actionsPerDay > 0 {
		e.actions.SetCap(optin.NewActionCap(rdb, prefix, e.cs.CounterKey, o.actionsPerDay))
	}
	if o.editable == nil {
		o.editable = []string{"city"}
	}
	e.rcp = optin.NewRecipients(db, e.cs, e.actions, optin.RecipientOptions{EditableAttributes: o.editable, ApproveChanges: o.approve})
	if o.log == nil {
		o.log = testenv.Logger(t)
	}
	var proxies []netip.Prefix
	for _, p := range o.trusted {
		proxies = append(proxies, netip.MustParsePrefix(p))
	}
	opt := pages.Options{Recipients: e.rcp, Keys: e.keys, CSRFKey: testKey, BaseURL: "http://public.test",
		OrgName: "Stichting Test", PrimaryColor: "#1d4ed8", DefaultLang: "en", TrustedProxies: proxies,
		MaxFormBytes: o.maxFormBytes, ConfirmExpiry: o.confirmExpiry, StatementURL: o.statement, RetentionDays: o.retentionDays,
		Mailer: &smtpSender{addr: e.smtp.addr}, Nonces: pages.RedisNonces{RDB: rdb, Prefix: prefix + "public:"},
		Limiter: pages.RedisNonces{RDB: rdb, Prefix: prefix + "public:"}, FormsPerWindow: o.formsPerWindow,
		Log: o.log, Metrics: o.metrics,
		Viewer: e.rcp.NewViewer(templates.Style{OrgName: "Stichting Test", Primary: "#1d4ed8"}, rtoken.Links{Base: "http://public.test", Keys: e.keys})}
	if o.privacy != nil {
		opt.Privacy = o.privacy(e)
	} else if !o.noPrivacy {
		e.priv = &testPrivacy{keys: e.keys}
		opt.Privacy = e.priv
	}
	srv, err := pages.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	e.url = "http://" + ln.Addr().String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		srv.Wait()
		e.actions.Close(ctx)
	})
	e.client = e.newClient()
	return e
}

func (e *env) newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type resp struct {
	code int
	body string
	hdr  http.Header
}

func (e *env) do(c *http.Client, method, path string, body io.Reader, hdr map[string]string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("User-Agent", "pages-test/1.0")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	r, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{r.StatusCode, string(b), r.Header}
}

func (e *env) get(path string) resp { return e.do(e.client, "GET", path, nil, nil) }

func (e *env) post(path string, form url.Values) resp {
	return e.do(e.client, "POST", path, strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the form token in a page.
func csrf(t testing.TB, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field in page:\n%s", body)
	}
	return m[1]
}

// getForm GETs a page and returns its form token.
func (e *env) getForm(path string) string {
	e.t.Helper()
	r := e.get(path)
	if r.code != 200 {
		e.t.Fatalf("GET %s: %d\n%s", path, r.code, r.body)
	}
	return csrf(e.t, r.body)
}

func (e *env) flush() {
	e.t.Helper()
	if err := e.actions.Flush(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) mint(p rtoken.Purpose, contactID, campaignID int64) string {
	return rtoken.Path(p) + "/" + e.keys.Mint(rtoken.Claims{Purpose: p, ContactID: contactID, CampaignID: campaignID})
}

// contact creates a contact subscribed (confirmed) to the given lists.
func (e *env) contact(email, name string, attrs map[string]any, lists ...int64) int64 {
	e.t.Helper()
	ctx := context.Background()
	c, err := e.cs.Create(ctx, contacts.New{Email: email, Name: name, Attributes: attrs, Source: "api"})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(lists) > 0 {
		if _, err := e.store.Subscribe(ctx, c.ID, lists, optin.Consent{Source: "api"}, true); err != nil {
			e.t.Fatal(err)
		}
	}
	return c.ID
}

func (e *env) list(slug, mode string) int64 {
	e.t.Helper()
	name, purpose := "List "+slug, "News about "+slug
	l, err := e.store.CreateList(context.Background(), optin.ListInput{Slug: &slug, Name: &name, Purpose: &purpose, OptIn: &mode})
	if err != nil {
		e.t.Fatal(err)
	}
	return l.ID
}

// campaign inserts a campaign row (and its stats row) the way the campaigns
// package would, with a sent delivery for each contact.
func (e *env) campaign(kind, html string, lists []int64, contactIDs ...int64) int64 {
	e.t.Helper()
	ctx := context.Background()
	var id int64
	if err := e.db.QueryRow(ctx, `INSERT INTO campaigns (name, kind, status, subject, html, from_email, list_ids)
		VALUES ('c', $1, 'finished', 'Subject', $2, 'news@example.org', $3) RETURNING id`, kind, html, lists).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.Exec(ctx, `INSERT INTO campaign_stats (campaign_id, total, sent) VALUES ($1, $2, $2)`, id, len(contactIDs)); err != nil {
		e.t.Fatal(err)
	}
	for _, c := range contactIDs {
		if _, err := e.db.Exec(ctx, `INSERT INTO deliveries (campaign_id, contact_id, status, done_at) VALUES ($1, $2, 'sent', now())`, id, c); err != nil {
			e.t.Fatal(err)
		}
	}
	return id
}

func (e *env) scalar(q string, args ...any) any {
	e.t.Helper()
	var v any
	if err := e.db.QueryRow(context.Background(), q, args...).Scan(&v); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return v
}

func (e *env) subStatus(contactID, listID int64) string {
	e.t.Helper()
	var s string
	err := e.db.QueryRow(context.Background(), `SELECT status FROM subscriptions WHERE contact_id = $1 AND list_id = $2`, contactID, listID).Scan(&s)
	if err != nil {
		return "none"
	}
	return s
}

// ---- loopback SMTP

type smtpServer struct {
	addr string
	mu   sync.Mutex
	msgs []*mail.Message
	got  chan struct{}
}

func newSMTPServer(t testing.TB) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{addr: ln.Addr().String(), got: make(chan struct{}, 100)}
	srv := smtp.NewServer(s)
	srv.Domain = "mx.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }

type smtpSession struct{ s *smtpServer }

func (x *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (x *smtpSession) Reset()                               {}
func (x *smtpSession) Logout() error                        { return nil }
func (x *smtpSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(m.Body)
	m.Body = bytes.NewReader(body)
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, m)
	x.s.mu.Unlock()
	x.s.got <- struct{}{}
	return nil
}

// wait returns the next message that arrives within 10 s.
func (s *smtpServer) wait(t testing.TB) *mail.Message {
	t.Helper()
	select {
	case <-s.got:
	case <-time.After(10 * time.Second):
		t.Fatal("no mail arrived")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msgs[len(s.msgs)-1]
}

func (s *smtpServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// textPart returns the decoded text/plain part of a composed message.
func textPart(t testing.TB, m *mail.Message) string {
	t.Helper()
	return part(t, m, "text/plain")
}

// part returns the decoded part of a composed message with content type ct
// (the message can be read again).
func part(t testing.TB, m *mail.Message, ct string) string {
	t.Helper()
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	if sk, ok := m.Body.(io.Seeker); ok {
		sk.Seek(0, io.SeekStart)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no %s part: %v", ct, err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), ct) {
			b, _ := io.ReadAll(p) // multipart.Reader decodes quoted-printable
			return string(b)
		}
	}
}

// smtpSender composes with mta.Compose and delivers over SMTP to the
// loopback server, as the app's mailer does through its transport.
type smtpSender struct{ addr string }

func (s *smtpSender) Send(ctx context.Context, to, subject, html, text string) error {
	msg := mta.Compose(mta.Header{From: "Test <noreply@example.org>", To: to, Subject: subject}, html, text)
	c, err := smtp.Dial(s.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Mail("noreply@example.org", nil); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// ---- privacy requests test implementation

type testPrivacy struct {
	keys *rtoken.Keys
	mu   sync.Mutex
	log  []string
}

func (p *testPrivacy) add(s string) {
	p.mu.Lock()
	p.log = append(p.log, s)
	p.mu.Unlock()
}

func (p *testPrivacy) calls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

func (p *testPrivacy) RequestByEmail(ctx context.Context, email, kind, details, ip, ua, lang string) error {
	if details != "" {
		kind += " (" + details + ")"
	}
	p.add("email " + email + " " + kind + " " + ip + " " + lang)
	return nil
}

func (p *testPrivacy) ConfirmRequest(ctx context.Context, token, ip, ua string) (string, bool, error) {
	c, err := p.keys.Parse(token, rtoken.Verify)
	if err != nil {
		return "", false, err
	}
	kind := "access"
	if c.CampaignID == 2 {
		kind = "erasure"
	}
	p.add("confirm " + kind + " " + ip)
	return kind, true, nil
}

func (p *testPrivacy) PendingRequest(ctx context.Context, token string) (string, string, error) {
	c, err := p.keys.Parse(token, rtoken.Verify)
	switch {
	case err != nil:
		return "", "", err
	case c.CampaignID == 2:
		return "erasure", "", nil
	case c.CampaignID == 3:
		return "rectification", "My name is <b>Zoë</b>", nil
	}
	return "access", "", nil
}

func (p *testPrivacy) RequestForContact(ctx context.Context, contactID int64, kind, details, ip, ua, lang string) error {
	if kind != "access" && kind != "erasure" && kind != "objection" {
		return errors.New("bad kind")
	}
	p.add("contact " + kind + " " + ip)
	return nil
}
