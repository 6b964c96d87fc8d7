package bounces

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/postbode/postbode/internal/clientnet"
)

// replyGrace is how long after the session deadline its last reply may
// still be written.
const replyGrace = 5 * time.Second

// capListener answers 421 and closes connections beyond MaxConnections, or
// beyond MaxConnectionsPerIP from one client IP (an IPv6 client: its /64), so a flood (or a few slow
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
		slot := connClient(conn)
		if why := c.l.admit(slot); why != "" {
			c.l.opt.Metrics.Inbound.WithLabelValues("overloaded").Inc()
			conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(conn, "421 4.7.0 "+c.l.opt.Hostname+" "+why+", try again later\r\n")
			conn.Close()
			continue
		}
		cc := &countedConn{Conn: conn, l: c.l, ip: clientIP(conn), slot: slot, end: time.Now().Add(c.l.opt.SessionTimeout)}
		cc.wire.offerTLS = c.l.opt.TLS != nil
		cc.wire.size = fmt.Appendf(nil, "%s%d\r\n", capSIZE, c.l.opt.MaxMessageBytes)
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

// connClient is who a connection's slot is counted for: its client's
// network as clientnet counts it (an IPv6 /64, whose addresses one client
// may cycle through).
func connClient(c net.Conn) string {
	a, err := netip.ParseAddr(clientIP(c))
	if err != nil {
		return clientIP(c)
	}
	return clientnet.Of(a).String()
}

// admit takes a connection slot for client (connClient), or says why there is none.
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

// countedConn is one session's connection: it holds a slot until closed,
// never lets a read deadline pass the session's end (the SMTP library
// renews its deadline before every command), and carries the session's
// plain text through the wire, also after STARTTLS, which it answers itself.
type countedConn struct {
	net.Conn // the TCP connection
	l        *Listener
	ip       string
	slot     string // who its connection slot is counted for (connClient)
	once     sync.Once
	mu       sync.Mutex
	end      time.Time
	sec      *tls.Conn // after STARTTLS
	wire     wire
	raw      [4096]byte
}

// plain is what carries the session's plain text: the TCP connection, or
// the TLS connection over it.
func (c *countedConn) plain() net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sec != nil {
		return c.sec
	}
	return c.Conn
}

// Read hands the library what the client sent, through the wire. It never
// returns 0 bytes without an error.
func (c *countedConn) Read(p []byte) (int, error) {
	for {
		n, startTLS := c.wire.next(p)
		if n > 0 {
			return n, nil
		}
		if startTLS {
			if err := c.startTLS(); err != nil {
				return 0, err
			}
			continue
		}
		n, err := c.plain().Read(c.raw[:])
		c.wire.feed(c.raw[:n])
		if err != nil && c.wire.empty() {
			return 0, err
		}
	}
}

// Write lets the wire see (and amend) each reply.
func (c *countedConn) Write(p []byte) (int, error) {
	if out := c.wire.reply(p); len(out) > 0 {
		if _, err := c.plain().Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// startTLS answers STARTTLS and makes the TLS handshake (RFC 3207 §4) within
// the read deadline the library set for the command.
func (c *countedConn) startTLS() error {
	c.SetWriteDeadline(time.Now().Add(c.l.opt.WriteTimeout))
	if _, err := io.WriteString(c.Conn, "220 2.0.0 Ready to start TLS\r\n"); err != nil {
		return err
	}
	tc := tls.Server(c.Conn, c.l.opt.TLS)
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("inbound: starttls: %w", err)
	}
	c.mu.Lock()
	c.sec = tc
	c.mu.Unlock()
	c.wire.secured()
	return nil
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.release(c.slot) })
	return c.plain().Close()
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

// messageDeadline ends the session when a message sent in BDAT chunks is
// not complete within d, calling expired first; stop, called when the
// message is read, cancels it.
func (c *countedConn) messageDeadline(d time.Duration, expired func()) (stop func()) {
	t := time.AfterFunc(d, func() {
		expired()
		c.expire()
	})
	return func() { t.Stop() }
}

// expire ends the session: the next read fails, so after its reply the
// SMTP library closes the connection.
func (c *countedConn) expire() {
	c.mu.Lock()
	c.end = time.Now()
	c.mu.Unlock()
	c.Conn.SetReadDeadline(time.Now())
}

// sessionConn finds the countedConn under a session's connection; nil
// when there is none.
func sessionConn(c net.Conn) *countedConn {
	cc, _ := c.(*countedConn)
	return cc
}
