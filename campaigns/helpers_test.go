package campaigns_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/internal/testenv"
	"github.com/postbode/postbode/mta"
	"github.com/postbode/postbode/templates"
)

const testSecret = "campaigns-test-secret-0123456789abcdef"

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testKey(t testing.TB) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaKey
}

// sink is a loopback SMTP server (go-smtp) standing in for the relay: it
// records every accepted message per recipient and answers per recipient
// what reply decides (nil = accept).
type sink struct {
	addr string
	port int

	mu    sync.Mutex
	got   map[string]int
	data  map[string][]byte
	from  map[string]string
	tries map[string]int
	reply func(rcpt string, try int) error
	// onData runs before a message is answered 250; optional.
	onData func(from string, rcpts []string, data []byte)
	delay  time.Duration
	open   int
	srv    *smtp.Server
}

func newSink(t testing.TB) *sink {
	t.Helper()
	s := &sink{got: map[string]int{}, data: map[string][]byte{}, from: map[string]string{}, tries: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.open++
		s.mu.Unlock()
		return &sinkSession{s: s}, nil
	}))
	srv.Domain = "sink.test"
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.MaxRecipients = 1000
	srv.ErrorLog = discardLogger{}
	s.srv = srv
	s.addr = ln.Addr().String()
	s.port = ln.Addr().(*net.TCPAddr).Port
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

func (s *sink) set(reply func(rcpt string, try int) error, delay time.Duration) {
	s.mu.Lock()
	s.reply, s.delay = reply, delay
	s.mu.Unlock()
}

func (s *sink) counts() (total, distinct, dup int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.got {
		total += n
		distinct++
		if n > 1 {
			dup += n - 1
		}
	}
	return
}

func (s *sink) count(rcpt string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got[rcpt]
}

func (s *sink) message(rcpt string) ([]byte, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data[rcpt], s.from[rcpt]
}

type sinkSession struct {
	s    *sink
	from string
	rcpt []string
}

func (x *sinkSession) Mail(from string, opts *smtp.MailOptions) error { x.from = from; return nil }
func (x *sinkSession) Rcpt(to string, opts *smtp.RcptOptions) error {
	to = strings.ToLower(to)
	x.s.mu.Lock()
	x.s.tries[to]++
	try, reply := x.s.tries[to], x.s.reply
	x.s.mu.Unlock()
	if reply != nil {
		if err := reply(to, try); err != nil {
			return err
		}
	}
	x.rcpt = append(x.rcpt, to)
	return nil
}
func (x *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	delay := x.s.delay
	x.s.mu.Unlock()
	time.Sleep(delay)
	if len(x.rcpt) == 0 {
		return errors.New("no recipients")
	}
	x.s.mu.Lock()
	for _, rc := range x.rcpt {
		x.s.got[rc]++
		x.s.data[rc] = b
		x.s.from[rc] = x.from
	}
	onData := x.s.onData
	x.s.mu.Unlock()
	if onData != nil {
		onData(x.from, x.rcpt, b)
	}
	return nil
}
func (x *sinkSession) Reset()        { x.rcpt, x.from = nil, "" }
func (x *sinkSession) Logout() error { return nil }

// bounceLog records BounceRecorder calls.
type bounceLog struct {
	mu    sync.Mutex
	calls []string
}

func (b *bounceLog) RecordSMTP(ctx context.Context, campaignID, contactID int64, command string, code int, enhanced, text string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, fmt.Sprintf("%d/%d %d %s", campaignID, contactID, code, enhanced))
	return nil
}

func (b *bounceLog) list() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.calls...)
}

// fixture is a campaigns service on its own database, Redis prefix and sink.
type fixture struct {
	t      testing.TB
	db     *db.Pool
	rdb    redis.UniversalClient
	prefix string
	keys   *rtoken.Keys
	sink   *sink
	dkim   *mta.DKIM
	dns    map[string]string
	svc    *campaigns.Service
	reg    *prometheus.Registry
	opt    campaigns.Options
	bl     *bounceLog
}

func newFixture(t testing.TB, mod func(*campaigns.Options)) *fixture {
	t.Helper()
	f := &fixture{t: t, db: testenv.DB(t), sink: newSink(t), keys: rtoken.NewKeys(testSecret),
		reg: prometheus.NewRegistry(), dns: map[string]string{}, bl: &bounceLog{}}
	f.rdb, f.prefix = testenv.Redis(t)
	key := testKey(t)
	d, err := mta.NewDKIM([]mta.DKIMKey{{Domain: "news.example.com", Selector: "s1", PrivateKey: key}})
	if err != nil {
		t.Fatal(err)
	}
	f.dkim = d
	rec, err := mta.DKIMRecord(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	f.dns["s1._domainkey.news.example.com"] = rec
	tr, err := mta.NewRelay(mta.RelayConfig{Host: "127.0.0.1", Port: f.sink.port, TLS: "none"}, f.reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	f.opt = campaigns.Options{DB: f.db, Redis: f.rdb, KeyPrefix: f.prefix, Log: testenv.Logger(t), Reg: f.reg,
		Contacts: contacts.NewStore(f.db, testSecret, 2), Style: templates.Style{OrgName: "Example"},
		Keys: f.keys, BaseURL: "https://pb.example.com", BounceDomain: "bounce.example.com",
		DKIM: d, RequireDKIM: true, Transport: tr, Tracking: true,
		Limiter: mta.NewLimiter(f.rdb, f.prefix, mta.Limits{DomainConcurrency: 8}, f.reg),
		Bounces: f.bl, Workers: 4, BatchSize: 20, Tick: 50 * time.Millisecond, ClaimIdle: time.Minute,
		RetryBase: time.Minute, GiveUpAfter: time.Hour}
	if mod != nil {
		mod(&f.opt)
	}
	f.svc = campaigns.New(f.opt)
	return f
}

func (f *fixture) lookupTXT(name string) ([]string, error) {
	if r, ok := f.dns[name]; ok {
		return []string{r}, nil
	}
	return nil, fmt.Errorf("no TXT for %s", name)
}

// list creates a list and returns its id.
func (f *fixture) list(slug string) int64 {
	f.t.Helper()
	var id int64
	err := f.db.QueryRow(context.Background(), `INSERT INTO lists (slug, name, purpose, optin)
		VALUES ($1, $2, 'news', 'single') RETURNING id`, slug, "List "+slug).Scan(&id)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// contacts creates n contacts named prefix<i>@example.org, subscribed with
// subStatus to the lists, and returns their ids.
func (f *fixture) contacts(prefix string, n int, subStatus string, lists ...int64) []int64 {
	f.t.Helper()
	ctx := context.Background()
	rows, err := f.db.Query(ctx, `INSERT INTO contacts (email, name, source, updated_source)
		SELECT $1 || g || '@example.org', 'Name ' || g, 'import', 'import' FROM generate_series(1, $2) g RETURNING id`, prefix, n)
	if err != nil {
		f.t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		f.t.Fatal(err)
	}
	for _, l := range lists {
		if _, err := f.db.Exec(ctx, `INSERT INTO subscriptions (contact_id, list_id, status)
			SELECT unnest($1::bigint[]), $2, $3`, ids, l, subStatus); err != nil {
			f.t.Fatal(err)
		}
	}
	return ids
}

func email(prefix string, i int) string { return prefix + strconv.Itoa(i) + "@example.org" }

func ptr[T any](v T) *T { return &v }

// create makes a valid draft campaign on lists.
func (f *fixture) create(subject string, lists ...int64) campaigns.Campaign {
	f.t.Helper()
	c, err := f.svc.Create(context.Background(), campaigns.Input{Name: ptr("Test"), Subject: ptr(subject),
		HTML:     ptr("<p>Hello {{.Contact.Name}}, see <a href=\"https://example.org/x\">this</a>.</p>"),
		FromName: ptr("Nieuwsbrief"), FromEmail: ptr("news@news.example.com"), ListIDs: &lists}, "test")
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// runScheduler and runSender run the roles until the test ends; the
// returned func stops (and waits for) the sender.
func (f *fixture) runScheduler() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.svc.RunScheduler(ctx); close(done) }()
	f.t.Cleanup(func() { cancel(); <-done })
}

func (f *fixture) runSender(svc *campaigns.Service) (kill func()) {
	ctx, cancel := context.WithCancel(context.Background())
	x := svc.NewSender()
	done := make(chan struct{})
	go func() { x.Run(ctx); close(done) }()
	var once sync.Once
	kill = func() { once.Do(func() { cancel(); <-done }) }
	f.t.Cleanup(kill)
	return kill
}

// waitStatus waits until the campaign has the status (and, for cancelled,
// its cleanup is done).
func (f *fixture) waitStatus(id int64, status string, within time.Duration) campaigns.Campaign {
	f.t.Helper()
	deadline := time.Now().Add(within)
	for {
		c, err := f.svc.Get(context.Background(), id)
		if err != nil {
			f.t.Fatal(err)
		}
		if c.Status == status && (status != campaigns.StateCancelled || c.FinishedAt != nil) {
			return c
		}
		if time.Now().After(deadline) {
			st, _ := f.svc.Stats(context.Background(), id)
			total, _, _ := f.sink.counts()
			f.t.Fatalf("campaign %d is %s after %s, want %s; stats %+v; sink got %d", id, c.Status, within, status, st, total)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *fixture) stats(id int64) campaigns.Stats {
	f.t.Helper()
	st, err := f.svc.Stats(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}
