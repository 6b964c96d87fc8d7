package campaigns

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/mta"
	"github.com/postbode/postbode/templates"
)

// orderSink is a loopback SMTP server (go-smtp) that records every message
// it accepts, in order, with the connection it came on.
type orderSink struct {
	port int
	mu   sync.Mutex
	conn int
	got  []sunk
}

type sunk struct {
	conn int
	rcpt string
	data []byte
}

func newOrderSink(t *testing.T) *orderSink {
	s := &orderSink{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.conn++
		return &orderSession{s: s, conn: s.conn}, nil
	}))
	srv.Domain = "sink.test"
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.ErrorLog = silentLog{}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s.port = ln.Addr().(*net.TCPAddr).Port
	return s
}

type silentLog struct{}

func (silentLog) Printf(string, ...any) {}
func (silentLog) Println(...any)        {}

func (s *orderSink) messages() []sunk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunk(nil), s.got...)
}

type orderSession struct {
	s    *orderSink
	conn int
	rcpt string
}

func (x *orderSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *orderSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.rcpt = to
	return nil
}
func (x *orderSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.got = append(x.s.got, sunk{conn: x.conn, rcpt: x.rcpt, data: b})
	x.s.mu.Unlock()
	return nil
}
func (x *orderSession) Reset()        { x.rcpt = "" }
func (x *orderSession) Logout() error { return nil }

// pipelineService is a service that builds and relays to sink without a
// database (deliver needs none), and the runtime of a campaign with a
// ~20 KB body, signed when signer is set.
func pipelineService(t *testing.T, tr mta.Transport, signer *mta.DKIM, lim Limiter) (*Service, *runtime) {
	t.Helper()
	opt := Options{Keys: rtoken.NewKeys("pipeline-test-secret-0123456789abcdef"), BaseURL: "https://pb.example.org",
		BounceDomain: "bounce.example.org", Transport: tr, Limiter: lim, Tracking: true}
	if signer != nil {
		opt.DKIM = signer
	}
	s := New(opt)
	s.now = func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }
	tpl, err := templates.Compile(context.Background(), "Nieuws voor {{.Contact.Name}}", body20K(), "",
		templates.Style{OrgName: "Stichting Voorbeeld", Address: "Postbus 1, Utrecht"})
	if err != nil {
		t.Fatal(err)
	}
	rt := &runtime{c: Campaign{ID: 7, Name: "Test", Kind: "news", FromEmail: "nieuws@example.org", TrackClicks: true},
		tpl: tpl, from: "Stichting Voorbeeld <nieuws@example.org>", fromAddr: "nieuws@example.org",
		listID: "Nieuws <news.bounce.example.org>", feedback: "7:news:news:postbode", signed: signer != nil}
	return s, rt
}

// pipelineTargets are n recipients spread over two domains (so chunks of
// two domains interleave with the build), in the order deliver sees them.
func pipelineTargets(n int) []*target {
	ts := make([]*target, n)
	for i := range ts {
		ts[i] = &target{recipient: recipient{ID: int64(i + 1), Email: fmt.Sprintf("r%03d@d%d.example.net", i, i%2), Name: fmt.Sprint("Lezer ", i)},
			eligible: true, queuedAt: time.Now()}
	}
	return ts
}

// wantOrder is the order deliver sends in: by domain in order of first
// appearance, then in target order.
func wantOrder(ts []*target) []string {
	var out []string
	for _, dom := range []string{"d0.example.net", "d1.example.net"} {
		for _, t := range ts {
			if strings.HasSuffix(t.Email, "@"+dom) {
				out = append(out, t.Email)
			}
		}
	}
	return out
}

func newRelay(t *testing.T, port int) mta.Transport {
	tr, err := mta.NewRelay(mta.RelayConfig{Host: "127.0.0.1", Port: port, TLS: "none"}, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// TestDeliverBuildAheadSendsEachOnceInOrder: with the next chunk built
// while the current one is sent, every message goes out exactly once, in
// the order it was built, on one reused connection, and comes out byte for
// byte as in the sequential order; signed, it verifies.
func TestDeliverBuildAheadSendsEachOnceInOrder(t *testing.T) {
	t.Parallel()
	const n = 3*sendChunk + 7
	got := map[bool][]sunk{}
	for _, ahead := range []bool{true, false} {
		sink := newOrderSink(t)
		s, rt := pipelineService(t, newRelay(t, sink.port), nil, nil)
		s.buildAhead = ahead
		ts := pipelineTargets(n)
		var st stageTimes
		s.deliver(t.Context(), rt, ts, &st)
		if n := len(s.ahead); n != 0 {
			t.Errorf("ahead %v: %d places for chunks built ahead still held", ahead, n)
		}
		for _, tg := range ts {
			if tg.status != "sent" || tg.buf != nil || tg.env.Data != nil {
				t.Fatalf("ahead %v: %s: status %q (%v), buffer kept %v", ahead, tg.Email, tg.status, tg.res, tg.buf != nil)
			}
		}
		msgs := sink.messages()
		var order []string
		for _, m := range msgs {
			order = append(order, m.rcpt)
			if m.conn != msgs[0].conn {
				t.Errorf("ahead %v: %s came on connection %d, not %d", ahead, m.rcpt, m.conn, msgs[0].conn)
			}
		}
		if want := wantOrder(ts); strings.Join(order, " ") != strings.Join(want, " ") {
			t.Errorf("ahead %v: order\n%v\nwant\n%v", ahead, order, want)
		}
		got[ahead] = msgs
	}
	for i := range got[true] {
		if a, b := got[true][i], got[false][i]; a.rcpt != b.rcpt || !bytes.Equal(a.data, b.data) {
			t.Fatalf("message %d (%s) differs with and without building ahead", i, a.rcpt)
		}
	}
	if len(got[true]) != n || !bytes.Contains(got[true][0].data, []byte("Lezer 0")) {
		t.Fatalf("%d messages, first %.200q", len(got[true]), got[true][0].data)
	}

	// Signed: every message carries a signature that verifies.
	key := rsaTestKey(t)
	signer, err := mta.NewDKIM([]mta.DKIMKey{{Domain: "example.org", Selector: "s1", PrivateKey: key}})
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := mta.DKIMRecord(key.Public())
	sink := newOrderSink(t)
	s, rt := pipelineService(t, newRelay(t, sink.port), signer, nil)
	ts := pipelineTargets(n)
	s.deliver(t.Context(), rt, ts, &stageTimes{})
	msgs := sink.messages()
	if len(msgs) != n {
		t.Fatalf("%d signed messages arrived, want %d", len(msgs), n)
	}
	for _, m := range msgs {
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(m.data), &dkim.VerifyOptions{
			LookupTXT: func(string) ([]string, error) { return []string{rec}, nil }})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Fatalf("%s: %v %+v", m.rcpt, err, vs)
		}
	}
}

// cancelAfter is the relay, with ctx cancelled once the first Send returns.
type cancelAfter struct {
	mta.Transport
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelAfter) Send(ctx context.Context, domain string, batch []mta.Envelope) []mta.Result {
	rs := c.Transport.Send(ctx, domain, batch)
	c.once.Do(c.cancel)
	return rs
}

// failingLimiter grants the first Acquire and fails the others.
type failingLimiter struct{ calls int }

func (l *failingLimiter) Acquire(ctx context.Context, domain string, n int) (int, func(), error) {
	if l.calls++; l.calls > 1 {
		return 0, nil, errors.New("throttle store unreachable")
	}
	return n, func() {}, nil
}

// TestDeliverBuildAheadStops: when ctx ends or sending fails, the builder
// stops and gives its place back, nothing is sent twice, what was sent
// counts as sent and every other message is deferred with the reason.
func TestDeliverBuildAheadStops(t *testing.T) {
	t.Parallel()
	const n = 6 * sendChunk
	check := func(name string, s *Service, sink *orderSink, ts []*target, why string) {
		t.Helper()
		if n := len(s.ahead); n != 0 {
			t.Errorf("%s: %d places for chunks built ahead still held", name, n)
		}
		seen := map[string]int{}
		for _, m := range sink.messages() {
			seen[m.rcpt]++
		}
		sent, deferred := 0, 0
		for _, tg := range ts {
			switch {
			case tg.buf != nil:
				t.Errorf("%s: %s: buffer kept", name, tg.Email)
			case tg.status == "sent" && seen[tg.Email] == 1:
				sent++
			case tg.status == "deferred" && seen[tg.Email] == 0 && strings.Contains(tg.errMsg, why):
				deferred++
			default:
				t.Errorf("%s: %s: status %q (%s), received %d times", name, tg.Email, tg.status, tg.errMsg, seen[tg.Email])
			}
		}
		if sent != sendChunk || deferred != n-sendChunk {
			t.Errorf("%s: %d sent, %d deferred; want %d sent (the first chunk) and the rest deferred", name, sent, deferred, sendChunk)
		}
	}

	sink := newOrderSink(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s, rt := pipelineService(t, &cancelAfter{Transport: newRelay(t, sink.port), cancel: cancel}, nil, nil)
	ts := pipelineTargets(n)
	s.deliver(ctx, rt, ts, &stageTimes{})
	check("cancel", s, sink, ts, "context canceled")

	sink = newOrderSink(t)
	s, rt = pipelineService(t, newRelay(t, sink.port), nil, &failingLimiter{})
	ts = pipelineTargets(n)
	s.deliver(t.Context(), rt, ts, &stageTimes{})
	check("throttle error", s, sink, ts, "throttle store unreachable")
}

func rsaTestKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
