package mta

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// testServer is a real go-smtp server on 127.0.0.1:0 that records what it
// receives and can refuse, drop connections, hide PIPELINING, require TLS
// or AUTH. It counts open connections to catch leaks.
type testServer struct {
	addr string
	port int
	opt  serverOptions

	mu       sync.Mutex
	received []received
	accepted atomic.Int32 // connections accepted
	open     atomic.Int32 // connections open now
	count    atomic.Int32 // messages whose DATA was read
	srv      *smtp.Server
}

type received struct {
	from, to string
	data     []byte
	tls      bool
	utf8     bool // MAIL FROM asked for SMTPUTF8 (RFC 6531)
}

type serverOptions struct {
	noPipelining bool
	// refuse decides per recipient: nil, or an *smtp.SMTPError.
	refuseRcpt func(to string) error
	refuseMail func(from string) error
	refuseData func(to string) error
	// dropAt closes the connection after reading message number dropAt
	// (1-based, counted over the server's life) instead of answering.
	dropAt int32
	tls    *tls.Config
	// implicitTLS serves TLS from the first byte.
	implicitTLS bool
	user, pass  string
	// smtputf8 offers SMTPUTF8 (RFC 6531).
	smtputf8 bool
}

func startServer(t testing.TB, opt serverOptions) *testServer {
	t.Helper()
	s := &testServer{opt: opt}
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &testSession{s: s, c: c}, nil })
	srv := smtp.NewServer(be)
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true
	srv.TLSConfig = opt.tls
	srv.ErrorLog = smtpDiscardLogger{}
	srv.EnableSMTPUTF8 = opt.smtputf8
	s.srv = srv
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var l net.Listener = &countingListener{Listener: ln, s: s}
	if opt.implicitTLS {
		l = tls.NewListener(l, opt.tls)
	}
	s.addr = ln.Addr().String()
	s.port = ln.Addr().(*net.TCPAddr).Port
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

type smtpDiscardLogger struct{}

func (smtpDiscardLogger) Printf(string, ...any) {}
func (smtpDiscardLogger) Println(...any)        {}

func (s *testServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

// waitClosed waits until every server-side connection is closed: the
// client leaked none.
func (s *testServer) waitClosed(t testing.TB) {
	t.Helper()
	for i := 0; s.open.Load() != 0; i++ {
		if i > 500 {
			t.Fatalf("%d connections still open after Close", s.open.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type countingListener struct {
	net.Listener
	s *testServer
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.s.accepted.Add(1)
	l.s.open.Add(1)
	return &serverConn{Conn: c, s: l.s}, nil
}

// serverConn hides PIPELINING when asked (same length, so the reply stays
// well-formed) and counts closes.
type serverConn struct {
	net.Conn
	s      *testServer
	closed atomic.Bool
}

func (c *serverConn) Write(b []byte) (int, error) {
	if c.s.opt.noPipelining && bytes.Contains(b, []byte("PIPELINING")) {
		b = bytes.ReplaceAll(b, []byte("PIPELINING"), []byte("XPIPELININ"))
	}
	return c.Conn.Write(b)
}

func (c *serverConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.s.open.Add(-1)
	}
	return c.Conn.Close()
}

type testSession struct {
	s      *testServer
	c      *smtp.Conn
	from   string
	to     []string
	authed bool
	utf8   bool
}

func (ts *testSession) AuthMechanisms() []string {
	if ts.s.opt.user == "" {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

func (ts *testSession) Auth(mech string) (sasl.Server, error) {
	check := func(u, p string) error {
		if u != ts.s.opt.user || p != ts.s.opt.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		ts.authed = true
		return nil
	}
	if mech == sasl.Login {
		return &loginServer{check: check}, nil
	}
	return sasl.NewPlainServer(func(identity, u, p string) error { return check(u, p) }), nil
}

// loginServer is the server side of AUTH LOGIN (go-sasl has only the client).
type loginServer struct {
	step  int
	user  string
	check func(u, p string) error
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(l.user, string(resp))
}

func (ts *testSession) Mail(from string, opts *smtp.MailOptions) error {
	if ts.s.opt.user != "" && !ts.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	if f := ts.s.opt.refuseMail; f != nil {
		if err := f(from); err != nil {
			return err
		}
	}
	ts.from, ts.utf8 = from, opts != nil && opts.UTF8
	return nil
}

func (ts *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if f := ts.s.opt.refuseRcpt; f != nil {
		if err := f(to); err != nil {
			return err
		}
	}
	ts.to = append(ts.to, to)
	return nil
}

func (ts *testSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	n := ts.s.countMessage()
	if ts.s.opt.dropAt > 0 && n == ts.s.opt.dropAt {
		ts.c.Conn().Close()
		return errors.New("dropped")
	}
	if f := ts.s.opt.refuseData; f != nil {
		if err := f(ts.to[0]); err != nil {
			return err
		}
	}
	_, isTLS := ts.c.TLSConnectionState()
	ts.s.mu.Lock()
	for _, to := range ts.to {
		ts.s.received = append(ts.s.received, received{from: ts.from, to: to, data: b, tls: isTLS, utf8: ts.utf8})
	}
	ts.s.mu.Unlock()
	return nil
}

func (s *testServer) countMessage() int32 { return s.count.Add(1) }

func (ts *testSession) Reset()        { ts.from, ts.to, ts.utf8 = "", nil, false }
func (ts *testSession) Logout() error { return nil }

// selfSigned returns a server TLS config for 127.0.0.1 and localhost and a
// pool trusting it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost", "mx.test"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func envelopes(n int, domain string) []Envelope {
	es := make([]Envelope, n)
	for i := range es {
		to := fmt.Sprintf("user%d@%s", i, domain)
		es[i] = Envelope{ID: fmt.Sprint(i), From: fmt.Sprintf("bounce+%d@bounce.example.org", i), To: to,
			Data: Compose(Header{From: "news@example.org", To: to, Subject: fmt.Sprint("msg ", i)},
				"<p>.leading dot\n.\nhello</p>", ".leading dot\n.\nhello\n")}
	}
	return es
}

func relayFor(t testing.TB, s *testServer, cfg RelayConfig) *Relay {
	t.Helper()
	cfg.Host, cfg.Port = "127.0.0.1", s.port
	if cfg.TLS == "" {
		cfg.TLS = "none"
	}
	tr, err := NewRelay(cfg, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr.(*Relay)
}

func TestRelayPipelinedAndPlain(t *testing.T) {
	t.Parallel()
	for _, noPipe := range []bool{false, true} {
		t.Run(fmt.Sprintf("noPipelining=%v", noPipe), func(t *testing.T) {
			t.Parallel()
			s := startServer(t, serverOptions{noPipelining: noPipe})
			tr := relayFor(t, s, RelayConfig{})
			batch := envelopes(25, "example.net")
			for round := 0; round < 2; round++ {
				rs := tr.Send(t.Context(), "example.net", batch)
				for i, r := range rs {
					if r.Outcome() != Sent || r.Code != 250 {
						t.Fatalf("round %d envelope %d: %v", round, i, r)
					}
				}
			}
			got := s.messages()
			if len(got) != 50 {
				t.Fatalf("server got %d messages", len(got))
			}
			for i, m := range got[:25] {
				if m.to != batch[i].To || m.from != batch[i].From {
					t.Errorf("message %d: %s -> %s", i, m.from, m.to)
				}
				if !bytes.Equal(bytes.ReplaceAll(m.data, []byte("\r\n"), []byte("\n")), bytes.ReplaceAll(batch[i].Data, []byte("\r\n"), []byte("\n"))) {
					t.Errorf("message %d body differs (dot-stuffing?)", i)
				}
			}
			if n := s.accepted.Load(); n != 1 {
				t.Errorf("%d connections for two batches, want 1 (reuse)", n)
			}
			tr.c.mu.Lock()
			for _, list := range tr.c.idle {
				for _, cn := range list {
					if cn.pipelining == noPipe {
						t.Errorf("client pipelining = %v against a server with noPipelining = %v", cn.pipelining, noPipe)
					}
				}
			}
			tr.c.mu.Unlock()
			if tr.c.open != nil && testutil.ToFloat64(tr.c.open) != 1 {
				t.Errorf("open connections gauge = %v", testutil.ToFloat64(tr.c.open))
			}
			tr.Close()
			s.waitClosed(t)
		})
	}
}

func TestRelayRefusals(t *testing.T) {
	t.Parallel()
	for _, noPipe := range []bool{false, true} {
		t.Run(fmt.Sprintf("noPipelining=%v", noPipe), func(t *testing.T) {
			t.Parallel()
			s := startServer(t, serverOptions{noPipelining: noPipe,
				refuseRcpt: func(to string) error {
					switch {
					case strings.HasPrefix(to, "user1@"):
						return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
					case strings.HasPrefix(to, "user2@"):
						return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "greylisted, try later"}
					}
					return nil
				},
				refuseMail: func(from string) error {
					if strings.HasPrefix(from, "bounce+3@") {
						return &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "sender refused"}
					}
					return nil
				},
				refuseData: func(to string) error {
					if strings.HasPrefix(to, "user4@") {
						return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "message looks like spam"}
					}
					return nil
				},
			})
			tr := relayFor(t, s, RelayConfig{})
			batch := envelopes(7, "example.net")
			batch[6].To = "bad address@example.net"
			rs := tr.Send(t.Context(), "example.net", batch)
			want := []struct {
				code     int
				enhanced string
				outcome  Outcome
				command  string // the command whose reply decided
			}{{250, "2.0.0", Sent, "DATA"}, {550, "5.1.1", Bounced, "RCPT"}, {451, "4.7.1", Deferred, "RCPT"},
				{553, "5.7.1", Bounced, "MAIL"}, {554, "5.7.1", Bounced, "DATA"}, {250, "2.0.0", Sent, "DATA"},
				{553, "5.1.3", Bounced, ""}}
			for i, w := range want {
				r := rs[i]
				if r.Code != w.code || r.Enhanced != w.enhanced || r.Outcome() != w.outcome || r.Command != w.command {
					t.Errorf("envelope %d: %v (err %v), want %d %s %s", i, r, r.Err, w.code, w.enhanced, w.command)
				}
			}
			if !strings.Contains(rs[1].Text, "no such user") {
				t.Errorf("text %q", rs[1].Text)
			}
			if n := len(s.messages()); n != 2 {
				t.Errorf("server stored %d messages, want 2", n)
			}
			// The connection is still usable after the refusals.
			if rs := tr.Send(t.Context(), "example.net", envelopes(1, "example.net")); rs[0].Outcome() != Sent {
				t.Errorf("after refusals: %v", rs[0])
			}
			if n := s.accepted.Load(); n != 1 {
				t.Errorf("%d connections, want 1", n)
			}
		})
	}
}

func TestRelayConnectionDropMidBatch(t *testing.T) {
	t.Parallel()
	for _, noPipe := range []bool{false, true} {
		t.Run(fmt.Sprintf("noPipelining=%v", noPipe), func(t *testing.T) {
			t.Parallel()
			s := startServer(t, serverOptions{noPipelining: noPipe, dropAt: 4})
			tr := relayFor(t, s, RelayConfig{})
			rs := tr.Send(t.Context(), "example.net", envelopes(10, "example.net"))
			for i, r := range rs {
				if i < 3 {
					if r.Outcome() != Sent {
						t.Errorf("envelope %d: %v, want sent", i, r)
					}
					continue
				}
				if r.Code != 0 || r.Err == nil || r.Outcome() != Deferred {
					t.Errorf("envelope %d: %v, want a network error (never a false 2xx)", i, r)
				}
			}
			if !strings.Contains(rs[5].Err.Error(), s.addr) {
				t.Errorf("error %q does not name %s", rs[5].Err, s.addr)
			}
			// The broken connection is not reused: the next batch goes out on a new one.
			rs = tr.Send(t.Context(), "example.net", envelopes(2, "example.net"))
			for i, r := range rs {
				if r.Outcome() != Sent {
					t.Errorf("after drop, envelope %d: %v", i, r)
				}
			}
			tr.Close()
			s.waitClosed(t)
		})
	}
}

func TestRelayStaleConnectionIsReplaced(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	tr := relayFor(t, s, RelayConfig{})
	if rs := tr.Send(t.Context(), "example.net", envelopes(1, "example.net")); rs[0].Outcome() != Sent {
		t.Fatal(rs[0])
	}
	// The server closes the idle connection (as servers do after a timeout).
	s.srv.Close()
	s2 := startServerOnPort(t, s.port)
	rs := tr.Send(t.Context(), "example.net", envelopes(3, "example.net"))
	for i, r := range rs {
		if r.Outcome() != Sent {
			t.Errorf("envelope %d: %v", i, r)
		}
	}
	if len(s2.messages()) != 3 {
		t.Errorf("new server got %d", len(s2.messages()))
	}
}

// startServerOnPort restarts a plain server on a port just freed.
func startServerOnPort(t testing.TB, port int) *testServer {
	t.Helper()
	s := &testServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &testSession{s: s, c: c}, nil }))
	srv.ErrorLog = smtpDiscardLogger{}
	var ln net.Listener
	var err error
	for i := 0; i < 100; i++ {
		if ln, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.srv, s.port = srv, port
	go srv.Serve(&countingListener{Listener: ln, s: s})
	t.Cleanup(func() { srv.Close() })
	return s
}

func TestRelayTLSAndAuth(t *testing.T) {
	t.Parallel()
	srvTLS, pool := selfSigned(t)
	cases := []struct {
		name string
		opt  serverOptions
		cfg  RelayConfig
	}{
		{"starttls plain auth", serverOptions{tls: srvTLS, user: "u", pass: "p"}, RelayConfig{TLS: "starttls", Username: "u", Password: "p"}},
		{"implicit tls", serverOptions{tls: srvTLS, implicitTLS: true}, RelayConfig{TLS: "implicit"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, c.opt)
			c.cfg.TLSConfig = &tls.Config{RootCAs: pool}
			tr := relayFor(t, s, c.cfg)
			if err := tr.Check(t.Context()); err != nil {
				t.Fatal(err)
			}
			rs := tr.Send(t.Context(), "example.net", envelopes(3, "example.net"))
			for i, r := range rs {
				if r.Outcome() != Sent {
					t.Fatalf("envelope %d: %v", i, r)
				}
			}
			if m := s.messages(); len(m) != 3 || !m[0].tls {
				t.Errorf("messages %d, tls %v", len(m), len(m) > 0 && m[0].tls)
			}
		})
	}
	t.Run("login auth, wrong password", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, serverOptions{user: "u", pass: "p"})
		tr := relayFor(t, s, RelayConfig{Username: "u", Password: "wrong"})
		rs := tr.Send(t.Context(), "example.net", envelopes(2, "example.net"))
		if rs[0].Err == nil || !strings.Contains(rs[0].Err.Error(), "535") || rs[0].Outcome() != Deferred {
			t.Errorf("result %v", rs[0])
		}
		tr2 := relayFor(t, s, RelayConfig{Username: "u", Password: "p"})
		if rs := tr2.Send(t.Context(), "example.net", envelopes(1, "example.net")); rs[0].Outcome() != Sent {
			t.Errorf("login: %v", rs[0])
		}
	})
	t.Run("starttls required but not offered", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, serverOptions{})
		tr := relayFor(t, s, RelayConfig{TLS: "starttls"})
		if err := tr.Check(t.Context()); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, serverOptions{tls: srvTLS})
		tr := relayFor(t, s, RelayConfig{TLS: "starttls"})
		if err := tr.Check(t.Context()); err == nil {
			t.Error("self-signed certificate accepted by a verifying relay client")
		}
	})
}

func TestRelayUnreachable(t *testing.T) {
	t.Parallel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	host, port, _ := net.SplitHostPort(addr)
	var p int
	fmt.Sscan(port, &p)
	reg := prometheus.NewRegistry()
	tr, err := NewRelay(RelayConfig{Host: host, Port: p, TLS: "none"}, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	rs := tr.Send(t.Context(), "example.net", envelopes(2, "example.net"))
	for _, r := range rs {
		if r.Outcome() != Deferred || r.Err == nil || !strings.Contains(r.Err.Error(), addr) {
			t.Errorf("result %v, want a network error naming %s", r, addr)
		}
	}
	if err := tr.(*Relay).Check(t.Context()); err == nil || !strings.Contains(err.Error(), addr) {
		t.Errorf("Check: %v", err)
	}
	if n := testutil.ToFloat64(tr.(*Relay).c.m.connsTotal.WithLabelValues("dial_error")); n != 2 {
		t.Errorf("dial_error count %v", n)
	}
	for _, bad := range []RelayConfig{{Port: 25}, {Host: "h", Port: 0}, {Host: "h", Port: 25, TLS: "ssl"}} {
		if _, err := NewRelay(bad, nil); err == nil {
			t.Errorf("config %+v accepted", bad)
		}
	}
}

func TestRelayContextCancel(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	tr := relayFor(t, s, RelayConfig{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	rs := tr.Send(ctx, "example.net", envelopes(3, "example.net"))
	for _, r := range rs {
		if r.Outcome() != Deferred || r.Err == nil {
			t.Errorf("cancelled: %v", r)
		}
	}
}

// TestSevenBitSignedOverSMTP sends signed 7bit messages whose lines start
// with dots (".", "..", ".x") through the relay: the server receives each
// message exactly as composed (dot-stuffing undone) and its DKIM
// signature verifies there.
func TestSevenBitSignedOverSMTP(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	tr := relayFor(t, s, RelayConfig{})
	d, err := NewDKIM([]DKIMKey{{Domain: "example.org", Selector: "s", PrivateKey: rsaKey(t)}})
	if err != nil {
		t.Fatal(err)
	}
	dns := dnsTXT{}
	dns.add(t, "s", "example.org", rsaKey(t).Public())
	text := ".\n..\n.x\nregel\n.\n"
	batch := make([]Envelope, 3)
	for i := range batch {
		to := fmt.Sprintf("u%d@example.net", i)
		msg := Compose(Header{From: "news@example.org", To: to, Subject: "dots"}, "<p>x</p>\n."+strings.Repeat("\n.", i), text)
		if !bytes.Contains(msg, []byte("Content-Transfer-Encoding: 7bit\r\n\r\n.\r\n..\r\n")) {
			t.Fatalf("message %d is not 7bit:\n%s", i, msg)
		}
		sig, err := d.AppendSignature(nil, msg)
		if err != nil {
			t.Fatal(err)
		}
		batch[i] = Envelope{ID: fmt.Sprint(i), From: "b@bounce.example.org", To: to, Signature: sig, Data: msg}
	}
	for i, r := range tr.Send(t.Context(), "example.net", batch) {
		if r.Outcome() != Sent {
			t.Fatalf("envelope %d: %v", i, r)
		}
	}
	got := s.messages()
	if len(got) != len(batch) {
		t.Fatalf("server got %d messages", len(got))
	}
	for i, m := range got {
		want := append(bytes.Clone(batch[i].Signature), batch[i].Data...)
		if !bytes.Equal(bytes.ReplaceAll(m.data, []byte("\r\n"), []byte("\n")), bytes.ReplaceAll(want, []byte("\r\n"), []byte("\n"))) {
			t.Errorf("message %d differs on arrival:\n%q\nwant\n%q", i, m.data, want)
		}
		if n := len(verify(t, dns, m.data)); n != 1 {
			t.Errorf("message %d: %d valid signatures on arrival", i, n)
		}
	}
}
