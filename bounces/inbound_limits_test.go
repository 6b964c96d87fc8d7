package bounces

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/postbode/postbode/internal/redisconn"
	"github.com/postbode/postbode/internal/testenv"
)

// rawClient is a hand-driven SMTP client, for what a well-behaved library
// would not send.
type rawClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

// dialFrom connects to addr from the given loopback source address.
func dialFrom(t *testing.T, addr, source string) *rawClient {
	t.Helper()
	d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{t: t, conn: conn, r: bufio.NewReader(conn)}
}

// reply reads one (possibly multi-line) reply within wait; "" on timeout or EOF.
func (c *rawClient) reply(wait time.Duration) string {
	c.conn.SetReadDeadline(time.Now().Add(wait))
	var all string
	for {
		line, err := c.r.ReadString('\n')
		all += line
		if err != nil || len(line) < 4 || line[3] != '-' {
			return all
		}
	}
}

func (c *rawClient) write(s string) {
	c.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.conn.Write([]byte(s)); err != nil {
		c.t.Fatalf("write %q: %v", s, err)
	}
}

// cmd sends one command line and returns the reply.
func (c *rawClient) cmd(line string) string {
	c.write(line + "\r\n")
	return c.reply(3 * time.Second)
}

// open greets and starts a transaction up to the 354 of DATA.
func (c *rawClient) open(rcpt string) {
	c.t.Helper()
	for _, step := range []struct{ line, want string }{{"", "220"}, {"EHLO slow.test", "250"}, {"MAIL FROM:<>", "250"},
		{"RCPT TO:<" + rcpt + ">", "250"}, {"DATA", "354"}} {
		var got string
		if step.line == "" {
			got = c.reply(3 * time.Second)
		} else {
			got = c.cmd(step.line)
		}
		if !strings.HasPrefix(got, step.want) {
			c.t.Fatalf("%q: got %q, want %s", step.line, got, step.want)
		}
	}
}

// Slow clients hold at most their per-IP share of the slots; a new client
// from another address is served at once; a trickling DATA is cut off at
// the DATA deadline with a reply, and its slot freed.
func TestSlowClientsCannotStarve(t *testing.T) {
	e := newEnv(t)
	const dataTimeout = 4 * time.Second
	e.listen(ListenerOptions{MaxConnections: 4, MaxConnectionsPerIP: 3, DataTimeout: dataTimeout, SessionTimeout: 20 * time.Second})
	var slow []*rawClient
	for range 3 {
		c := dialFrom(t, e.smtp, "127.0.0.1")
		c.open("postmaster@" + bounceDomain)
		slow = append(slow, c)
	}
	stop := make(chan struct{})
	defer close(stop)
	for _, c := range slow {
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(200 * time.Millisecond):
					c.conn.Write([]byte("x"))
				}
			}
		}()
	}
	if got := dialFrom(t, e.smtp, "127.0.0.1").reply(3 * time.Second); !strings.HasPrefix(got, "421 ") {
		t.Errorf("a fourth connection from the slow address got %q, want 421", got)
	}
	start := time.Now()
	fresh := dialFrom(t, e.smtp, "127.0.0.2")
	fresh.open("postmaster@" + bounceDomain)
	fresh.write("Subject: hi\r\n\r\nok\r\n.\r\n")
	if got := fresh.reply(3 * time.Second); !strings.HasPrefix(got, "250") {
		t.Fatalf("new client: %q, want 250", got)
	}
	// Served while the slow clients still hold their slots, not after
	// their DATA deadline freed them.
	if d := time.Since(start); d >= dataTimeout {
		t.Errorf("new client served after %s, the slow clients' DATA deadline", d)
	}
	fresh.cmd("QUIT")
	for i, c := range slow {
		if got := c.reply(dataTimeout + 3*time.Second); !strings.HasPrefix(got, "421 4.4.2") {
			t.Errorf("slow client %d: got %q, want 421 4.4.2 at the DATA deadline", i, got)
		}
	}
	e.waitFor("the slots to be free", func() bool { return e.lst.active.Load() == 0 })
	if d := time.Since(start); d > 2*dataTimeout+2*time.Second {
		t.Errorf("slow clients held their slots for %s", d)
	}
}

// A message sent in BDAT chunks, a chunk now and then, ends at the DATA
// deadline like one that trickles in after DATA: the session ends with a
// 421 and nothing is stored.
func TestTricklingChunksEndAtTheDataDeadline(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{DataTimeout: 2 * time.Second, SessionTimeout: time.Minute})
	c := dialFrom(t, e.smtp, "127.0.0.1")
	c.reply(3 * time.Second)
	for _, line := range []string{"EHLO slow.test", "MAIL FROM:<>", "RCPT TO:<postmaster@" + bounceDomain + ">"} {
		if got := c.cmd(line); !strings.HasPrefix(got, "250") {
			t.Fatalf("%s: %q", line, got)
		}
	}
	start := time.Now()
	var last string
	for time.Since(start) < 8*time.Second {
		c.conn.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := c.conn.Write([]byte("BDAT 1\r\nx")); err != nil {
			break
		}
		if last = c.reply(3 * time.Second); !strings.HasPrefix(last, "250") {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if !strings.HasPrefix(last, "421 4.4.2") {
		t.Errorf("chunks for %s: last reply %q, want 421 4.4.2 at the DATA deadline", time.Since(start).Round(time.Second), last)
	}
	c.conn.Write([]byte("BDAT 0 LAST\r\n")) // the connection may be closed already
	if got := c.reply(3 * time.Second); strings.HasPrefix(got, "250") {
		t.Errorf("the message was completed after the deadline: %q", got)
	}
	var n int
	if err := e.db.QueryRow(t.Context(), `SELECT count(*) FROM inbound_messages`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d messages stored, want none", n)
	}
	e.waitFor("the slot to be free", func() bool { return e.lst.active.Load() == 0 })
}

// A busy session ends at the session deadline, with a reply.
func TestSessionDeadline(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{SessionTimeout: 2 * time.Second})
	c := dialFrom(t, e.smtp, "127.0.0.1")
	c.reply(3 * time.Second)
	start := time.Now()
	for time.Since(start) < 6*time.Second {
		c.conn.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := c.conn.Write([]byte("NOOP\r\n")); err != nil {
			break
		}
		got := c.reply(3 * time.Second)
		if got == "" {
			break
		}
		if strings.HasPrefix(got, "421") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if d := time.Since(start); d < 1500*time.Millisecond || d > 4*time.Second {
		t.Errorf("session ended after %s, want about 2s", d)
	}
	e.waitFor("the slot to be free", func() bool { return e.lst.active.Load() == 0 })
}

// A bare CR before the end of data does not hang the session: the message
// is answered and stored as sent; RCPT TO:<postmaster> without a domain is
// accepted (RFC 5321 §4.5.1).
func TestBareCRAndBarePostmaster(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{})
	c := dialFrom(t, e.smtp, "127.0.0.1")
	c.open("postmaster")
	c.write("abc\r\r\n.\r\n")
	if got := c.reply(3 * time.Second); !strings.HasPrefix(got, "250") {
		t.Fatalf("after a bare CR: %q, want 250", got)
	}
	if got := c.cmd("NOOP"); !strings.HasPrefix(got, "250") {
		t.Errorf("session after the message: %q", got)
	}
	var raw []byte
	var rcpts []string
	if err := e.db.QueryRow(t.Context(), `SELECT raw, rcpts FROM inbound_messages`).Scan(&raw, &rcpts); err != nil {
		t.Fatal(err)
	}
	if string(raw) != "abc\r\r\n" || len(rcpts) != 1 || rcpts[0] != "postmaster" {
		t.Errorf("stored %q for %v", raw, rcpts)
	}
	// Dot-stuffing and ordinary bare CRs still pass as before.
	c.cmd("MAIL FROM:<>")
	c.cmd("RCPT TO:<Postmaster>")
	c.cmd("DATA")
	c.write("a\rb\r\n..x\r\n.\r\n")
	if got := c.reply(3 * time.Second); !strings.HasPrefix(got, "250") {
		t.Fatalf("second message: %q", got)
	}
	if n := e.count(`SELECT count(*) FROM inbound_messages WHERE raw = $1`, []byte("a\rb\r\n.x\r\n")); n != 1 {
		t.Errorf("second message not stored as sent")
	}
}

// An envelope address that is not storable text (a NUL, bytes that are not
// UTF-8) is refused for good at MAIL or RCPT (501), not with a 451 after
// DATA that the sender would retry for days; the session goes on, and a
// message whose header and body hold such bytes is stored as sent.
func TestUnstorableEnvelopeRefusedForGood(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{})
	c := dialFrom(t, e.smtp, "127.0.0.1")
	c.reply(3 * time.Second)
	c.cmd("EHLO nul.test")
	for _, bad := range []string{"a\x00b@example.org", "\xff\xfe@example.org"} {
		if got := c.cmd("MAIL FROM:<" + bad + ">"); !strings.HasPrefix(got, "501 5.1.7") {
			t.Errorf("MAIL FROM %q: %q, want 501 5.1.7", bad, got)
		}
	}
	if got := c.cmd("MAIL FROM:<>"); !strings.HasPrefix(got, "250") {
		t.Fatalf("MAIL FROM:<> after the refusals: %q", got)
	}
	for _, bad := range []string{"b\x00@" + bounceDomain, "\xff\xfe@" + bounceDomain} {
		if got := c.cmd("RCPT TO:<" + bad + ">"); !strings.HasPrefix(got, "501 5.1.3") {
			t.Errorf("RCPT TO %q: %q, want 501 5.1.3", bad, got)
		}
	}
	if got := c.cmd("RCPT TO:<postmaster@" + bounceDomain + ">"); !strings.HasPrefix(got, "250") {
		t.Fatalf("RCPT postmaster: %q", got)
	}
	if got := c.cmd("DATA"); !strings.HasPrefix(got, "354") {
		t.Fatalf("DATA: %q", got)
	}
	c.write("Subject: a\x00b\xff\r\n\r\nbody\x00\r\n.\r\n")
	if got := c.reply(3 * time.Second); !strings.HasPrefix(got, "250") {
		t.Fatalf("message with NUL and non-UTF-8 in it: %q, want 250", got)
	}
	if n := e.count(`SELECT count(*) FROM inbound_messages WHERE raw = $1`, []byte("Subject: a\x00b\xff\r\n\r\nbody\x00\r\n")); n != 1 {
		t.Errorf("message not stored as sent")
	}
	if v := testutil.ToFloat64(e.m.Inbound.WithLabelValues("bad_address")); v != 4 {
		t.Errorf("bad_address = %v, want 4", v)
	}
}

// Bare CRs anywhere in the data — before a dot line, after one, in a
// row, split across TCP segments — never hide the end of data from the
// listener, in a plain session or after STARTTLS: each message is answered
// at once (not after data_timeout) and stored as RFC 5321 §4.1.1.4 reads
// it: dot-unstuffed, bare CRs and NULs kept.
func TestBareCREndsDataPromptly(t *testing.T) {
	cases := []struct {
		name   string
		chunks []string
		stored string
	}{
		{"dot line with a bare CR", []string{"abc\r\n.\r\r\n.\r\n"}, "abc\r\n\r\r\n"},
		{"bare CR before CRLF", []string{"abc\r\r\n.\r\n"}, "abc\r\r\n"},
		{"bare CR mid-line and a stuffed dot", []string{"a\rb\r\n..x\r\n.\r\n"}, "a\rb\r\n.x\r\n"},
		{"dot then bare CR then text", []string{".\rx\r\n.\r\n"}, "\rx\r\n"},
		{"three CRs on a dot line", []string{"\r\n.\r\r\r\n.\r\n"}, "\r\n\r\r\r\n"},
		{"NULs and what looks like an escape", []string{"n\x00r\x00\x00\r\n.\r\n"}, "n\x00r\x00\x00\r\n"},
		{"NUL before a bare LF", []string{"n\x00\nx\r\x00\n\r\n.\r\n"}, "n\x00\nx\r\x00\n\r\n"},
		{"a line that reads STARTTLS", []string{"STARTTLS\r\n.\r\n"}, "STARTTLS\r\n"},
		{"split across segments", []string{"abc\r", "\n.\r", "\r", "\n.\r", "\n"}, "abc\r\n\r\r\n"},
	}
	for _, secure := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "starttls"}[secure]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			srv, cli := testTLS(t)
			e.listen(ListenerOptions{DataTimeout: time.Minute, TLS: srv})
			c := dialFrom(t, e.smtp, "127.0.0.1")
			if got := c.reply(3 * time.Second); !strings.HasPrefix(got, "220") {
				t.Fatalf("greeting %q", got)
			}
			c.cmd("EHLO raw.test")
			if secure {
				c.startTLS(cli)
			}
			for i, tc := range cases {
				for _, step := range []struct{ line, want string }{{"MAIL FROM:<>", "250"}, {"RCPT TO:<postmaster@" + bounceDomain + ">", "250"}, {"DATA", "354"}} {
					if got := c.cmd(step.line); !strings.HasPrefix(got, step.want) {
						t.Fatalf("%s: %s: %q", tc.name, step.line, got)
					}
				}
				for _, ch := range tc.chunks {
					c.write(ch)
					time.Sleep(20 * time.Millisecond)
				}
				if got := c.reply(3 * time.Second); !strings.HasPrefix(got, "250") {
					t.Fatalf("%s: reply %q, want 250 at once", tc.name, got)
				}
				var raw []byte
				if err := e.db.QueryRow(t.Context(), `SELECT raw FROM inbound_messages ORDER BY id OFFSET $1 LIMIT 1`, i).Scan(&raw); err != nil {
					t.Fatal(err)
				}
				if string(raw) != tc.stored {
					t.Errorf("%s: stored %q, want %q", tc.name, raw, tc.stored)
				}
			}
			if got := c.cmd("NOOP"); !strings.HasPrefix(got, "250") {
				t.Errorf("session after the messages: %q", got)
			}
		})
	}
}

// startTLS upgrades the session (RFC 3207) and greets again.
func (c *rawClient) startTLS(cfg *tls.Config) {
	c.t.Helper()
	if got := c.cmd("STARTTLS"); !strings.HasPrefix(got, "220") {
		c.t.Fatalf("STARTTLS: %q", got)
	}
	tc := tls.Client(c.conn, cfg)
	tc.SetDeadline(time.Now().Add(3 * time.Second))
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("handshake: %v", err)
	}
	c.conn, c.r = tc, bufio.NewReader(tc)
	if got := c.cmd("EHLO raw.test"); !strings.HasPrefix(got, "250") || strings.Contains(got, "STARTTLS") {
		c.t.Fatalf("EHLO after STARTTLS: %q", got)
	}
}

// The listener answers STARTTLS itself (RFC 3207): what a client pipelines
// after it in plain text is never taken as a command, nothing from before
// TLS is kept, MAIL waits for a new EHLO, and STARTTLS is offered only
// before TLS. A line reading STARTTLS inside a BDAT chunk is data.
func TestSTARTTLSOwnedByTheListener(t *testing.T) {
	e := newEnv(t)
	srv, cli := testTLS(t)
	e.listen(ListenerOptions{TLS: srv})
	c := dialFrom(t, e.smtp, "127.0.0.1")
	c.reply(3 * time.Second)
	if got := c.cmd("EHLO raw.test"); !strings.Contains(got, "250-STARTTLS\r\n") {
		t.Fatalf("EHLO before TLS does not offer STARTTLS: %q", got)
	}
	if got := c.cmd("MAIL FROM:<before@tls.test>"); !strings.HasPrefix(got, "250") {
		t.Fatalf("MAIL: %q", got)
	}
	// An injected command after STARTTLS in the same segment is dropped.
	c.write("STARTTLS\r\nRCPT TO:<postmaster@" + bounceDomain + ">\r\n")
	if got := c.reply(3 * time.Second); !strings.HasPrefix(got, "220") {
		t.Fatalf("STARTTLS: %q", got)
	}
	tc := tls.Client(c.conn, cli)
	tc.SetDeadline(time.Now().Add(3 * time.Second))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	c.conn, c.r = tc, bufio.NewReader(tc)
	if got := c.cmd("MAIL FROM:<>"); !strings.HasPrefix(got, "503") {
		t.Errorf("MAIL without EHLO after TLS: %q, want 503", got)
	}
	if got := c.cmd("EHLO raw.test"); strings.Contains(got, "STARTTLS") {
		t.Errorf("EHLO after TLS offers STARTTLS: %q", got)
	}
	if got := c.cmd("RCPT TO:<postmaster@" + bounceDomain + ">"); !strings.HasPrefix(got, "5") {
		t.Errorf("RCPT after TLS without a new MAIL: %q (MAIL from before TLS kept)", got)
	}
	if got := c.cmd("STARTTLS"); !strings.HasPrefix(got, "503 5.5.1") {
		t.Errorf("second STARTTLS: %q", got)
	}
	c.cmd("MAIL FROM:<>")
	c.cmd("RCPT TO:<postmaster@" + bounceDomain + ">")
	chunk := "Subject: x\r\n\r\nSTARTTLS\r\nDATA\r\n"
	c.write(fmt.Sprintf("BDAT %d LAST\r\n%s", len(chunk), chunk))
	if got := c.reply(3 * time.Second); !strings.HasPrefix(got, "250") {
		t.Fatalf("BDAT: %q", got)
	}
	if got := c.cmd("NOOP"); !strings.HasPrefix(got, "250") {
		t.Errorf("after BDAT: %q", got)
	}
	var raw []byte
	var from string
	if err := e.db.QueryRow(t.Context(), `SELECT raw, mail_from FROM inbound_messages`).Scan(&raw, &from); err != nil {
		t.Fatal(err)
	}
	if string(raw) != chunk || from != "" {
		t.Errorf("stored %q from %q", raw, from)
	}
}

// Data a client sends before the 354 (not waiting, as RFC 2920 §3.1 asks)
// still goes through the wire as data, bare CRs and all.
func TestDataBefore354(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{DataTimeout: time.Minute})
	c := dialFrom(t, e.smtp, "127.0.0.1")
	c.reply(3 * time.Second)
	c.cmd("EHLO raw.test")
	c.write("MAIL FROM:<>\r\nRCPT TO:<postmaster@" + bounceDomain + ">\r\nDATA\r\nabc\r\n.\r\r\n.\r\n")
	for i, want := range []string{"250", "250", "354", "250"} {
		if got := c.reply(3 * time.Second); !strings.HasPrefix(got, want) {
			t.Fatalf("reply %d: %q, want %s", i+1, got, want)
		}
	}
	var raw []byte
	if err := e.db.QueryRow(t.Context(), `SELECT raw FROM inbound_messages`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if string(raw) != "abc\r\n\r\r\n" {
		t.Errorf("stored %q", raw)
	}
}

// A client that asks for STARTTLS and never completes the handshake is cut
// off at the command's read deadline, and its slot is freed.
func TestStalledTLSHandshakeEnds(t *testing.T) {
	e := newEnv(t)
	srv, _ := testTLS(t)
	e.listen(ListenerOptions{TLS: srv, ReadTimeout: time.Second})
	c := dialFrom(t, e.smtp, "127.0.0.1")
	c.reply(3 * time.Second)
	c.cmd("EHLO slow.test")
	if got := c.cmd("STARTTLS"); !strings.HasPrefix(got, "220") {
		t.Fatalf("STARTTLS: %q", got)
	}
	c.write("\x16\x03") // the start of a ClientHello, then nothing
	e.waitFor("the stalled session to end", func() bool { return e.lst.active.Load() == 0 })
}

// inbound.max_message_bytes is the size of the message as sent, whatever
// its bytes: the SIZE the EHLO reply announces (RFC 1870) is accepted to
// the byte, also when the message carries bare CRs or NULs, by DATA and by
// BDAT; one byte more is refused with 552 (MAIL SIZE=, DATA, BDAT).
func TestSizeLimitIsTheMessageAsSent(t *testing.T) {
	const max = 2048
	e := newEnv(t)
	e.listen(ListenerOptions{MaxMessageBytes: max})
	// fill makes a message of n bytes with k bare CRs and k NULs.
	fill := func(n, k int) string {
		m := "Subject: x\r\n\r\n" + strings.Repeat("a\rb\x00", k) + "\r\n"
		for len(m)+80 < n {
			m += strings.Repeat("x", 78) + "\r\n"
		}
		return m + strings.Repeat("y", n-len(m)-2) + "\r\n"
	}
	c := dialFrom(t, e.smtp, "127.0.0.1")
	c.reply(3 * time.Second)
	if got := c.cmd("EHLO raw.test"); !strings.Contains(got, fmt.Sprintf("250-SIZE %d\r\n", max)) {
		t.Fatalf("EHLO does not announce SIZE %d: %q", max, got)
	}
	for _, tc := range []struct {
		name string
		msg  string
		bdat bool
		want string
	}{
		{"exactly the limit", fill(max, 0), false, "250"},
		{"exactly the limit with bare CRs and NULs", fill(max, 300), false, "250"},
		{"one byte over", fill(max+1, 0), false, "552"},
		{"one byte over with bare CRs and NULs", fill(max+1, 300), false, "552"},
		{"BDAT at the limit with bare CRs and NULs", fill(max, 300), true, "250"},
		{"BDAT one byte over", fill(max+1, 0), true, "552"},
	} {
		if got := c.cmd(fmt.Sprintf("MAIL FROM:<> SIZE=%d", len(tc.msg))); !strings.HasPrefix(got, tc.want[:1]) {
			t.Errorf("%s: MAIL SIZE=%d: %q, want %s", tc.name, len(tc.msg), got, tc.want)
			c.cmd("RSET")
			continue
		}
		if tc.want == "552" {
			c.cmd("MAIL FROM:<>") // without SIZE= the data itself must be refused
		}
		c.cmd("RCPT TO:<postmaster@" + bounceDomain + ">")
		if tc.bdat {
			c.write(fmt.Sprintf("BDAT %d LAST\r\n%s", len(tc.msg), tc.msg))
		} else {
			if got := c.cmd("DATA"); !strings.HasPrefix(got, "354") {
				t.Fatalf("%s: DATA: %q", tc.name, got)
			}
			c.write(tc.msg + ".\r\n")
		}
		if got := c.reply(5 * time.Second); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want %s", tc.name, got, tc.want)
		}
		if got := c.cmd("RSET"); !strings.HasPrefix(got, "250") {
			t.Fatalf("%s: session after the message: %q", tc.name, got)
		}
	}
	if n := e.count(`SELECT count(*) FROM inbound_messages WHERE size > $1`, max); n != 0 {
		t.Errorf("%d messages over the limit stored", n)
	}
	if n := e.count(`SELECT count(*) FROM inbound_messages WHERE raw = $1`, []byte(fill(max, 300))); n != 2 {
		t.Errorf("messages with bare CRs and NULs at the limit stored %d times, want 2 (DATA, BDAT)", n)
	}
}

// A line is as long as the client sent it: bare CRs in it do not bring it
// nearer the line limit (2000 bytes, the SMTP library's), so text that
// uses bare CRs as line breaks between two CRLFs is taken as before.
func TestBareCRsDoNotLengthenLines(t *testing.T) {
	e := newEnv(t)
	e.listen(ListenerOptions{})
	c := dialFrom(t, e.smtp, "127.0.0.1")
	c.open("postmaster@" + bounceDomain)
	msg := "Subject: x\r\n\r\n" + strings.Repeat("ab\r", 600) + strings.Repeat("z", 150) + "\r\n"
	c.write(msg + ".\r\n")
	if got := c.reply(3 * time.Second); !strings.HasPrefix(got, "250") {
		t.Fatalf("a 1950-byte line with 600 bare CRs: %q, want 250", got)
	}
	if got := c.cmd("NOOP"); !strings.HasPrefix(got, "250") {
		t.Errorf("session after the message: %q", got)
	}
	if n := e.count(`SELECT count(*) FROM inbound_messages WHERE raw = $1`, []byte(msg)); n != 1 {
		t.Errorf("message not stored as sent")
	}
}

// replyCode is the SMTP code of a client error (0 when none).
func replyCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// Mail without a bounce token is stored only up to the per-client and the
// daily limits, answered 452 at RCPT (or 451 after DATA) beyond them, while
// a tokened bounce from the same client still gets 250 and is applied.
func TestUnprovenMailIsCapped(t *testing.T) {
	e := newEnv(t)
	rdb, prefix := testenv.Redis(t)
	q := NewUnprovenQuota(rdb, prefix, e.cs.CounterKey, UnprovenLimits{Window: time.Hour,
		PerClientMessages: 3, PerClientBytes: 6000, DailyBytes: 20000})
	e.listen(ListenerOptions{Stored: e.proc.Wake, MaxMessageBytes: 64 << 10, Unproven: q,
		Proven: func(rcpt string) bool { return TokenProven(e.keys, rcpt) }})
	e.run()
	postmaster := "postmaster@" + bounceDomain
	small := "Subject: hello\r\n\r\nnot a bounce\r\n"
	unproven := func() int {
		return e.count(`SELECT count(*) FROM inbound_messages WHERE NOT EXISTS (SELECT 1 FROM unnest(rcpts) r WHERE r LIKE 'b%')`)
	}

	// Client 127.0.0.1: three messages pass, the fourth is refused at RCPT.
	for i := range 3 {
		if err := e.send("", []string{postmaster}, small); err != nil {
			t.Fatalf("unproven message %d: %v", i+1, err)
		}
	}
	err := e.send("", []string{"abuse@" + bounceDomain}, small)
	if replyCode(err) != 452 || !strings.Contains(err.Error(), "bounce token") {
		t.Fatalf("fourth unproven message: %v, want 452 4.3.1", err)
	}
	if n := unproven(); n != 3 {
		t.Fatalf("stored unproven messages = %d, want 3", n)
	}

	// A tokened bounce from the same client flows, also in a transaction
	// that names a refused unproven recipient first.
	l := e.list("news")
	c := e.contact("karel@example.org", l)
	camp := e.campaign([]int64{l}, c)
	dsn := makeDSN(c.Email, "5.1.1", "550 5.1.1 user unknown", "")
	if err := e.send("", []string{e.verp(c, camp)}, dsn); err != nil {
		t.Fatalf("tokened bounce: %v, want 250", err)
	}
	e.waitFor("the bounce to be applied", func() bool { return e.state(c).Hard == 1 })
	mixed := dialFrom(t, e.smtp, "127.0.0.1")
	for _, step := range []struct{ line, want string }{{"", "220"}, {"EHLO remote.test", "250"}, {"MAIL FROM:<>", "250"},
		{"RCPT TO:<" + postmaster + ">", "452 4.3.1"}, {"RCPT TO:<" + e.verp(c, camp) + ">", "250"}, {"DATA", "354"},
		{strings.ReplaceAll(dsn, "\n.", "\n..") + "\r\n.", "250"}} {
		var got string
		if step.line == "" {
			got = mixed.reply(3 * time.Second)
		} else {
			got = mixed.cmd(step.line)
		}
		if !strings.HasPrefix(got, step.want) {
			t.Fatalf("%.40q: got %q, want %s", step.line, got, step.want)
		}
	}

	// Another client has its own share; the bytes are counted after DATA:
	// 2 × 2456 fit its 6000, the third does not (451 4.7.1), and is
	// not stored.
	other := dialFrom(t, e.smtp, "127.0.0.2")
	if got := other.reply(3 * time.Second); !strings.HasPrefix(got, "220") {
		t.Fatal(got)
	}
	other.cmd("EHLO other.test")
	big := "Subject: x\r\n\r\n" + strings.Repeat(strings.Repeat("abcdefghi", 8)+"\r\n", 33) // 2456 bytes
	for i, want := range []string{"250", "451 4.7.1"} {
		for _, step := range []struct{ line, want string }{{"MAIL FROM:<>", "250"}, {"RCPT TO:<" + postmaster + ">", "250"},
			{"DATA", "354"}, {big + ".", want}} {
			if got := other.cmd(step.line); !strings.HasPrefix(got, step.want) {
				t.Fatalf("message %d %.20q: got %q, want %s", i+1, step.line, got, step.want)
			}
		}
		if i == 0 { // a second that fits
			for _, line := range []string{"MAIL FROM:<>", "RCPT TO:<" + postmaster + ">", "DATA", big + "."} {
				other.cmd(line)
			}
		}
	}
	other.cmd("QUIT")
	if n := unproven(); n != 5 {
		t.Fatalf("stored unproven messages = %d, want 5", n)
	}

	// The day's bytes: 3 small + 2 × 2456 so far; a third client may store
	// until 20000, then every client is refused with the daily reply.
	third := dialFrom(t, e.smtp, "127.0.0.3")
	third.reply(3 * time.Second)
	third.cmd("EHLO third.test")
	for _, line := range []string{"MAIL FROM:<>", "RCPT TO:<" + postmaster + ">", "DATA"} {
		third.cmd(line)
	}
	if got := third.cmd(big + strings.Repeat("x", 200) + "\r\n."); !strings.HasPrefix(got, "250") {
		t.Fatalf("third client: %q", got)
	}
	q.fillDay(t, 20000) // other clients use up the day
	third.cmd("MAIL FROM:<>")
	if got := third.cmd("RCPT TO:<" + postmaster + ">"); !strings.HasPrefix(got, "452 4.3.1") || !strings.Contains(got, "today") {
		t.Fatalf("after the daily limit: %q, want 452 4.3.1 ... today", got)
	}
	if err := e.send("", []string{e.verp(c, camp)}, dsn); err != nil {
		t.Fatalf("tokened bounce after the daily limit: %v, want 250", err)
	}
	if v := testutil.ToFloat64(e.m.Inbound.WithLabelValues("unproven_limited")); v != 4 {
		t.Errorf("unproven_limited = %v, want 4", v)
	}

	// Redis holds keyed hashes only, never a client's address.
	keys, err := rdb.Keys(t.Context(), prefix+"*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys %v: %v", keys, err)
	}
	for _, k := range keys {
		if strings.Contains(k, "127.0.0") {
			t.Errorf("raw IP in Redis key %s", k)
		}
	}
}

// fillDay brings the day's unproven bytes up to total.
func (q *UnprovenQuota) fillDay(t *testing.T, total int64) {
	key := q.prefix + "inq:day:b"
	n, err := redisconn.Count(t.Context(), q.rdb, key, 0, 24*time.Hour, q.now())
	if err == nil {
		_, err = redisconn.Count(t.Context(), q.rdb, key, total-n, 24*time.Hour, q.now())
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnprovenQuotaSharesIPv6Subnets: the addresses of one IPv6 /64 share
// one client's quota; IPv4 (also written IPv4-mapped) stays per address.
func TestUnprovenQuotaSharesIPv6Subnets(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true},
		{"2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"192.0.2.1", "::ffff:192.0.2.1", true},
		{"192.0.2.1", "192.0.2.2", false},
	} {
		if got := quotaClient(c.a) == quotaClient(c.b); got != c.same {
			t.Errorf("%s and %s share a quota: %v, want %v (%q, %q)", c.a, c.b, got, c.same, quotaClient(c.a), quotaClient(c.b))
		}
	}
}

// TestTokenedMailIsCappedPerToken: mail to a verified VERP or mailto
// address is not limited per client, but one token answers one message, so
// it takes at most PerTokenMessages messages per TokenWindow: beyond, RCPT
// is answered 452 and nothing is stored. A recipient holding the tokens of
// their own mail (the mailto address is in every List-Unsubscribe header)
// cannot store mail without bound; another token's bounce still flows, and
// an unproven recipient in the refused token's transaction meets the
// unproven limits again.
func TestTokenedMailIsCappedPerToken(t *testing.T) {
	e := newEnv(t)
	rdb, prefix := testenv.Redis(t)
	q := NewUnprovenQuota(rdb, prefix, e.cs.CounterKey, UnprovenLimits{Window: time.Hour,
		PerClientMessages: 1, PerClientBytes: 1 << 20, DailyBytes: 10 << 20, PerTokenMessages: 3, TokenWindow: 24 * time.Hour})
	e.listen(ListenerOptions{Stored: e.proc.Wake, MaxMessageBytes: 64 << 10, Unproven: q,
		Proven: func(rcpt string) bool { return TokenProven(e.keys, rcpt) }})
	e.run()
	l := e.list("news")
	c := e.contact("karel@example.org", l)
	other := e.contact("otto@example.org", l)
	camp := e.campaign([]int64{l}, c, other)
	stored := func(rcpt string) int {
		return e.count(`SELECT count(*) FROM inbound_messages WHERE $1 = ANY (rcpts)`, rcpt)
	}
	junk := "Subject: filler\r\n\r\n" + strings.Repeat("x", 1000) + "\r\n"
	for i := range 3 {
		if err := e.send("", []string{e.verp(c, camp)}, junk); err != nil {
			t.Fatalf("message %d to the token: %v", i+1, err)
		}
	}
	err := e.send("", []string{e.verp(c, camp)}, junk)
	if replyCode(err) != 452 {
		t.Fatalf("fourth message to one token: %v, want 452", err)
	}
	if n := stored(e.verp(c, camp)); n != 3 {
		t.Fatalf("stored for the token: %d, want 3", n)
	}
	dsn := makeDSN(other.Email, "5.1.1", "550 5.1.1 user unknown", "")
	if err := e.send("", []string{e.verp(other, camp)}, dsn); err != nil {
		t.Fatalf("another token's bounce: %v, want 250", err)
	}
	// The refused token does not carry unproven recipients along: the
	// client's one unproven message is spent by the first, the second waits.
	postmaster := "postmaster@" + bounceDomain
	if err := e.send("", []string{postmaster}, junk); err != nil {
		t.Fatalf("unproven message: %v", err)
	}
	mixed := dialFrom(t, e.smtp, "127.0.0.1")
	for _, step := range []struct{ line, want string }{{"", "220"}, {"EHLO remote.test", "250"}, {"MAIL FROM:<>", "250"},
		{"RCPT TO:<" + e.verp(c, camp) + ">", "452"}, {"RCPT TO:<" + postmaster + ">", "452 4.3.1"}} {
		var got string
		if step.line == "" {
			got = mixed.reply(3 * time.Second)
		} else {
			got = mixed.cmd(step.line)
		}
		if !strings.HasPrefix(got, step.want) {
			t.Fatalf("%.40q: got %q, want %s", step.line, got, step.want)
		}
	}
	if v := testutil.ToFloat64(e.m.Inbound.WithLabelValues("token_limited")); v != 2 {
		t.Errorf("token_limited = %v, want 2", v)
	}
}

// TestConnectionCapSharesIPv6Subnets: a client that cycles through the
// addresses of its IPv6 /64 held a connection slot per address, so it could
// take every slot of the listener; its connections now share the
// per-client cap. IPv4 stays per address.
func TestConnectionCapSharesIPv6Subnets(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"[2001:db8:1:2::1]:1000", "[2001:db8:1:2:ffff::9]:2000", true},
		{"[2001:db8:1:2::1]:1000", "[2001:db8:1:3::1]:1000", false},
		{"192.0.2.1:1000", "[::ffff:192.0.2.1]:2000", true},
		{"192.0.2.1:1000", "192.0.2.2:1000", false},
	} {
		a, b := connClient(addrConn(c.a)), connClient(addrConn(c.b))
		if got := a == b; got != c.same {
			t.Errorf("%s and %s share a connection cap: %v, want %v (%q, %q)", c.a, c.b, got, c.same, a, b)
		}
	}
}

// addrConn is a net.Conn whose client address is addr (host:port).
func addrConn(addr string) net.Conn {
	return remoteConn{remote: net.TCPAddrFromAddrPort(netip.MustParseAddrPort(addr))}
}

type remoteConn struct {
	net.Conn
	remote net.Addr
}

func (c remoteConn) RemoteAddr() net.Addr { return c.remote }
