package mta

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// A minimal SMTP client (RFC 5321) built for bulk sending: with PIPELINING
// (RFC 2920) one write carries the previous message's body and end-of-data
// together with the next MAIL FROM, RCPT TO and DATA, so each message costs
// one round trip; the body is dot-stuffed in one pass and written in one
// call. Without PIPELINING it falls back to one command per round trip.

// SMTPError is a negative SMTP reply to a command.
type SMTPError struct {
	// Cmd is the command that was refused (EHLO, STARTTLS, AUTH, ...).
	Cmd      string
	Code     int
	Enhanced string
	Text     string
}

func (e *SMTPError) Error() string {
	if e.Enhanced != "" {
		return fmt.Sprintf("%s: %d %s %s", e.Cmd, e.Code, e.Enhanced, e.Text)
	}
	return fmt.Sprintf("%s: %d %s", e.Cmd, e.Code, e.Text)
}

// reply is one (possibly multi-line) SMTP reply.
type reply struct {
	code     int
	enhanced string
	text     string
	lines    []string // for EHLO
}

func (r reply) ok() bool { return r.code >= 200 && r.code < 400 }

// result is the Result of a reply to cmd ("MAIL", "RCPT", "DATA").
func (r reply) result(cmd string) Result {
	return Result{Code: r.code, Enhanced: r.enhanced, Text: r.text, Command: cmd}
}

func (r reply) err(cmd string) *SMTPError {
	return &SMTPError{Cmd: cmd, Code: r.code, Enhanced: r.enhanced, Text: r.text}
}

// conn is one client connection.
type conn struct {
	nc         net.Conn
	r          *bufio.Reader
	wbuf       []byte      // commands (and the end of data) to write next
	parts      net.Buffers // the message parts written before wbuf
	flat       []byte      // parts and wbuf joined, on connections without writev
	addr       string      // host:port dialed, for errors and the pool
	ext        map[string]string
	pipelining bool
	smtputf8   bool // the server offers SMTPUTF8 (RFC 6531)
	timeout    time.Duration
	created    time.Time
	lastUsed   time.Time
	sent       int       // messages delivered on it
	recent     [4]string // reply texts read last, reused (see text)
	nrecent    int
	needRset   bool // a transaction is open (MAIL accepted, no DATA)
	broken     bool
	tls        bool
}

// dialConfig says how to open a connection.
type dialConfig struct {
	addr       string // host:port to dial
	serverName string // TLS server name
	// tlsMode: none, starttls (required), implicit, or opportunistic
	// (STARTTLS when offered, certificates not checked, RFC 7435).
	tlsMode            string
	tlsConfig          *tls.Config
	helo               string
	username, password string
	timeout            time.Duration
	dial               func(ctx context.Context, network, addr string) (net.Conn, error)
}

// connectError tells why a connection could not be set up; result is the
// postbode_smtp_connections_total label.
type connectError struct {
	result string
	err    error
}

func (e *connectError) Error() string { return e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

// open dials and greets: banner, EHLO (HELO fallback), STARTTLS, AUTH.
func open(ctx context.Context, dc dialConfig) (*conn, error) {
	dial := dc.dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second}).DialContext
	}
	nc, err := dial(ctx, "tcp", dc.addr)
	if err != nil {
		return nil, &connectError{"dial_error", fmt.Errorf("mta: dial %s: %w", dc.addr, err)}
	}
	c := &conn{nc: nc, addr: dc.addr, timeout: dc.timeout, created: time.Now()}
	if c.timeout <= 0 {
		c.timeout = 2 * time.Minute
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dc.tlsMode == "implicit" {
		tc := tls.Client(nc, tlsConfigFor(dc, false))
		c.setDeadline(ctx)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, &connectError{"tls_error", fmt.Errorf("mta: %s: TLS: %w", dc.addr, err)}
		}
		c.nc, c.tls = tc, true
	}
	c.r = bufio.NewReaderSize(c.nc, 4096)
	if err := c.handshake(ctx, dc); err != nil {
		c.nc.Close()
		return nil, err
	}
	return c, nil
}

func tlsConfigFor(dc dialConfig, opportunistic bool) *tls.Config {
	cfg := &tls.Config{}
	if dc.tlsConfig != nil {
		cfg = dc.tlsConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = dc.serverName
	}
	if opportunistic {
		cfg.InsecureSkipVerify = true
	}
	return cfg
}

func (c *conn) handshake(ctx context.Context, dc dialConfig) error {
	c.setDeadline(ctx)
	greet, err := c.readReply()
	if err != nil {
		return &connectError{"protocol_error", fmt.Errorf("mta: %s: greeting: %w", c.addr, err)}
	}
	if greet.code != 220 {
		return &connectError{"protocol_error", fmt.Errorf("mta: %s: %w", c.addr, greet.err("greeting"))}
	}
	if err := c.hello(dc.helo); err != nil {
		return err
	}
	_, offered := c.ext["STARTTLS"]
	wantTLS := !c.tls && (dc.tlsMode == "starttls" || (dc.tlsMode == "opportunistic" && offered))
	if wantTLS {
		if !offered {
			return &connectError{"tls_error", fmt.Errorf("mta: %s: server does not offer STARTTLS (smtp.relay_tls = starttls)", c.addr)}
		}
		rp, err := c.cmd("STARTTLS")
		if err != nil {
			return &connectError{"protocol_error", fmt.Errorf("mta: %s: STARTTLS: %w", c.addr, err)}
		}
		if rp.code != 220 {
			return &connectError{"tls_error", fmt.Errorf("mta: %s: %w", c.addr, rp.err("STARTTLS"))}
		}
		tc := tls.Client(c.nc, tlsConfigFor(dc, dc.tlsMode == "opportunistic"))
		if err := tc.HandshakeContext(ctx); err != nil {
			return &connectError{"tls_error", fmt.Errorf("mta: %s: TLS: %w", c.addr, err)}
		}
		c.nc, c.tls = tc, true
		c.r.Reset(tc)
		if err := c.hello(dc.helo); err != nil {
			return err
		}
	}
	if dc.username != "" {
		return c.auth(dc.username, dc.password)
	}
	return nil
}

// hello sends EHLO, falling back to HELO, and records the extensions.
func (c *conn) hello(name string) error {
	if name == "" {
		name = "localhost"
	}
	rp, err := c.cmd("EHLO " + name)
	if err != nil {
		return &connectError{"protocol_error", fmt.Errorf("mta: %s: EHLO: %w", c.addr, err)}
	}
	c.ext = map[string]string{}
	if rp.code == 250 {
		for _, l := range rp.lines[min(1, len(rp.lines)):] {
			k, v, _ := strings.Cut(l, " ")
			c.ext[strings.ToUpper(k)] = v
		}
	} else {
		if rp, err = c.cmd("HELO " + name); err != nil {
			return &connectError{"protocol_error", fmt.Errorf("mta: %s: HELO: %w", c.addr, err)}
		}
		if rp.code != 250 {
			return &connectError{"protocol_error", fmt.Errorf("mta: %s: %w", c.addr, rp.err("HELO"))}
		}
	}
	_, c.pipelining = c.ext["PIPELINING"]
	_, c.smtputf8 = c.ext["SMTPUTF8"]
	return nil
}

// auth authenticates with PLAIN (RFC 4616) or LOGIN.
func (c *conn) auth(user, pass string) error {
	mechs := " " + strings.ToUpper(c.ext["AUTH"]) + " "
	var rp reply
	var err error
	switch {
	case strings.Contains(mechs, " PLAIN "):
		rp, err = c.cmd("AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pass)))
	case strings.Contains(mechs, " LOGIN "):
		rp, err = c.cmd("AUTH LOGIN")
		if err == nil && rp.code == 334 {
			rp, err = c.cmd(base64.StdEncoding.EncodeToString([]byte(user)))
		}
		if err == nil && rp.code == 334 {
			rp, err = c.cmd(base64.StdEncoding.EncodeToString([]byte(pass)))
		}
	default:
		return &connectError{"auth_error", fmt.Errorf("mta: %s: server offers no AUTH PLAIN or LOGIN (offered: %q)", c.addr, c.ext["AUTH"])}
	}
	if err != nil {
		return &connectError{"protocol_error", fmt.Errorf("mta: %s: AUTH: %w", c.addr, err)}
	}
	if rp.code != 235 {
		return &connectError{"auth_error", fmt.Errorf("mta: %s: %w", c.addr, rp.err("AUTH"))}
	}
	return nil
}

// setDeadline applies the command timeout, or ctx's deadline when sooner.
func (c *conn) setDeadline(ctx context.Context) {
	d := time.Now().Add(c.timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	c.nc.SetDeadline(d)
}

// cmd sends one command line and reads its reply.
func (c *conn) cmd(line string) (reply, error) {
	c.wbuf = append(append(c.wbuf[:0], line...), '\r', '\n')
	if _, err := c.nc.Write(c.wbuf); err != nil {
		c.broken = true
		return reply{}, err
	}
	return c.readReply()
}

var errProtocol = errors.New("malformed reply")

// readReply reads one reply; enhanced status codes (RFC 2034) are split off.
// A one-line reply (every reply of a transaction) costs at most one
// allocation, its text (none when it repeats a recent one); lines is kept
// only for multi-line replies (EHLO).
func (c *conn) readReply() (reply, error) {
	var rp reply
	var texts []string
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			c.broken = true
			if errors.Is(err, bufio.ErrBufferFull) {
				return rp, errProtocol
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return rp, err
		}
		line = bytes.TrimRight(line, "\r\n")
		code, ok := replyCode(line)
		if !ok || (rp.code != 0 && code != rp.code) {
			c.broken = true
			return rp, errProtocol
		}
		rp.code = code
		text := ""
		if len(line) > 4 {
			text = c.text(line[4:])
		}
		last := len(line) == 3 || line[3] != '-'
		if !last || rp.lines != nil {
			rp.lines = append(rp.lines, text)
		}
		if enh, rest, ok := splitEnhanced(text); ok {
			if rp.enhanced == "" {
				rp.enhanced = enh
			}
			text = rest
		}
		if last && texts == nil {
			rp.text = text
			return rp, nil
		}
		texts = append(texts, text)
		if last {
			break
		}
	}
	rp.text = strings.Join(texts, " ")
	return rp, nil
}

// text returns b as a string: one of the texts read last when it is the
// same (a session repeats a few replies, "2.0.0 Ok" to every MAIL and
// RCPT), so most replies cost no allocation.
func (c *conn) text(b []byte) string {
	for _, t := range c.recent {
		if t == string(b) {
			return t
		}
	}
	t := string(b)
	c.recent[c.nrecent%len(c.recent)] = t
	c.nrecent++
	return t
}

// replyCode parses the three digits (100-599) that start a reply line.
func replyCode(line []byte) (int, bool) {
	if len(line) < 3 || line[0] < '1' || line[0] > '5' || line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9' {
		return 0, false
	}
	return int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0'), true
}

// splitEnhanced splits "5.1.1 rest" into the code and the rest.
func splitEnhanced(s string) (string, string, bool) {
	code, rest, _ := strings.Cut(s, " ")
	if len(code) < 5 || (code[0] != '2' && code[0] != '4' && code[0] != '5') || code[1] != '.' {
		return "", s, false
	}
	// subject "." detail: 1-3 digits each
	digits := func(p string) bool {
		if len(p) < 1 || len(p) > 3 {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
		return true
	}
	subject, detail, ok := strings.Cut(code[2:], ".")
	if !ok || !digits(subject) || !digits(detail) {
		return "", s, false
	}
	return code, rest, true
}

// quit ends the session politely and closes the connection.
func (c *conn) quit() {
	if !c.broken {
		c.nc.SetDeadline(time.Now().Add(2 * time.Second))
		c.cmd("QUIT")
	}
	c.nc.Close()
}
