package bounces

import (
	"crypto/tls"
	"io"
	"net"
	"sync"
	"time"
)

// replyGrace is how long after the session deadline its last reply may
// still be written.
const replyGrace = 5 * time.Second

// capListener answers 421 and closes connections beyond MaxConnections, or
// beyond MaxConnectionsPerIP from one client IP, so a flood (or a few slow
// clients) cannot exhaust the process or lock out other senders
// (RFC 5321 §3.8).
type capListener struct {
	net.Listener
	l *Listener
}

func (c *capListener) Accept() (net.Conn, error) {
	for {
		conn, err := c.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := clientIP(conn)
		if why := c.l.admit(ip); why != "" {
			c.l.opt.Metrics.Inbound.WithLabelValues("overloaded").Inc()
			conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(conn, "421 4.7.0 "+c.l.opt.Hostname+" "+why+", try again later\r\n")
			conn.Close()
			continue
		}
		cc := &countedConn{Conn: conn, l: c.l, ip: ip, end: time.Now().Add(c.l.opt.SessionTimeout)}
		cc.SetDeadline(time.Time{})
		return cc, nil
	}
}

func clientIP(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// admit takes a connection slot for ip, or says why there is none.
func (l *Listener) admit(ip string) string {
	if l.active.Add(1) > int64(l.opt.MaxConnections) {
		l.active.Add(-1)
		return "too many connections"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perIP[ip] >= l.opt.MaxConnectionsPerIP {
		l.active.Add(-1)
		return "too many connections from your address"
	}
	l.perIP[ip]++
	return ""
}

func (l *Listener) release(ip string) {
	l.active.Add(-1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perIP[ip]--; l.perIP[ip] <= 0 {
		delete(l.perIP, ip)
	}
}

// countedConn is one session's connection: it holds a slot until closed and
// never lets a read deadline pass the session's end (the SMTP library
// renews its deadline before every command; STARTTLS sets them through
// this conn too).
type countedConn struct {
	net.Conn
	l    *Listener
	ip   string
	once sync.Once
	mu   sync.Mutex
	end  time.Time
	wire dataWire
}

// Read passes what the client sends through the wire (dataWire).
func (c *countedConn) Read(p []byte) (int, error) { return c.wire.read(c.Conn, p) }

// Write lets the wire see each reply.
func (c *countedConn) Write(p []byte) (int, error) {
	c.wire.wrote(p)
	return c.Conn.Write(p)
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.release(c.ip) })
	return c.Conn.Close()
}

// clamp returns t, or the session end plus grace when t is later (or zero).
func (c *countedConn) clamp(t time.Time, grace time.Duration) time.Time {
	c.mu.Lock()
	end := c.end.Add(grace)
	c.mu.Unlock()
	if t.IsZero() || t.After(end) {
		return end
	}
	return t
}

func (c *countedConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

func (c *countedConn) SetReadDeadline(t time.Time) error {
	return c.Conn.SetReadDeadline(c.clamp(t, 0))
}

func (c *countedConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.clamp(t, replyGrace))
}

// dataDeadline bounds reading the message that follows DATA.
func (c *countedConn) dataDeadline(d time.Duration) { c.SetReadDeadline(time.Now().Add(d)) }

// expire ends the session: the next read fails, so after its reply the
// SMTP library closes the connection.
func (c *countedConn) expire() {
	c.mu.Lock()
	c.end = time.Now()
	c.mu.Unlock()
	c.Conn.SetReadDeadline(time.Now())
}

// stopReading makes the pending read return at once; the SMTP library sets
// a new deadline before it reads the next command.
func (c *countedConn) stopReading() { c.Conn.SetReadDeadline(time.Now()) }

// sessionConn finds the countedConn under a session's connection (plain or
// after STARTTLS); nil when there is none.
func sessionConn(c net.Conn) *countedConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	cc, _ := c.(*countedConn)
	return cc
}

// endReader is for sessions the wire cannot see into (after STARTTLS). It
// passes a message through from the SMTP library's DATA reader
// one byte per Read, and ends it where that reader misses the end: its
// state machine forgets a CR that follows a bare CR, so after "abc\r\r\n"
// the terminating ".\r\n" is returned as data and the session would hang
// waiting for more. From such a point endReader runs both machines, the
// library's and the RFC 5321 §4.1.1.4 one, until they agree again or the
// real <CRLF>.<CRLF> is found. Reading byte by byte is what lets it stop
// without blocking on data that never comes.
type endReader struct {
	r     io.Reader
	prev  byte
	off   bool // the library has lost a line end
	lib   int  // the library's state while off
	real  int  // the real state while off
	early bool // the end was found here, not by the library
}

const (
	erLine = iota // at the start of a line
	erData
	erCR
	erDot
	erDotCR
	erEnd
)

func (e *endReader) Read(p []byte) (int, error) {
	if e.early {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := e.r.Read(p[:1])
	if n == 0 {
		return 0, err
	}
	c := p[0]
	switch {
	case e.off:
		e.lib, e.real = libNext(e.lib, c), realNext(e.real, c)
		if e.real == erEnd {
			e.early = true
			return 0, io.EOF // the ".\r" before it was returned: Data trims it
		}
		if e.lib == erLine {
			e.off = false
		}
	case e.prev == '\r' && c == '\r':
		e.off, e.lib, e.real = true, erData, erCR
	}
	e.prev = c
	return 1, err
}

// libNext is the SMTP library's data state machine in mid-line.
func libNext(s int, c byte) int {
	switch {
	case c == '\r' && s == erData:
		return erCR
	case c == '\n' && s == erCR:
		return erLine
	}
	return erData
}

// realNext is the end-of-data state machine of RFC 5321 §4.1.1.4.
func realNext(s int, c byte) int {
	switch {
	case s == erDotCR && c == '\n':
		return erEnd
	case s == erLine && c == '.':
		return erDot
	case s == erDot && c == '\r':
		return erDotCR
	case c == '\r':
		return erCR
	case s == erCR && c == '\n':
		return erLine
	}
	return erData
}
