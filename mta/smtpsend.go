package mta

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"time"
	"unicode/utf8"
)

// aLongTimeAgo is a deadline in the past: it unblocks pending I/O at once.
var aLongTimeAgo = time.Unix(1, 0)

// send delivers batch on c, filling rs (one per envelope) and returning
// whether any reply was read (so a stale pooled connection that fails at
// once can be retried safely). On a connection failure every envelope
// without a final reply gets a network-error Result: a message whose body
// was sent but whose end-of-data reply was lost is never reported as sent.
func (c *conn) send(ctx context.Context, batch []Envelope, rs []Result) (gotReply bool) {
	final := make([]bool, len(batch))
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(aLongTimeAgo) })
	defer stop()
	var err error
	if c.pipelining {
		gotReply, err = c.sendPipelined(ctx, batch, rs, final)
	} else {
		gotReply, err = c.sendPlain(ctx, batch, rs, final)
	}
	if err != nil {
		c.broken = true
		if ctx.Err() != nil {
			err = fmt.Errorf("mta: %s: %w (%v)", c.addr, ctx.Err(), err)
		} else {
			err = fmt.Errorf("mta: %s: %w", c.addr, err)
		}
		for i := range batch {
			if !final[i] {
				rs[i] = Result{Err: err}
			}
		}
	}
	return gotReply
}

// pendingBody is a message whose DATA got 354: its body (or, when abort,
// a lone "." because no recipient was accepted) goes out next.
type pendingBody struct {
	i     int
	abort bool
	rcpt  Result // the refusal to report when abort
}

func (c *conn) sendPipelined(ctx context.Context, batch []Envelope, rs []Result, final []bool) (gotReply bool, err error) {
	var pend pendingBody // valid while pending
	pending := false
	for i := 0; i <= len(batch); i++ {
		c.wbuf, c.parts = c.wbuf[:0], c.parts[:0]
		if pending {
			if !pend.abort {
				c.parts = appendBodyParts(c.parts, batch[pend.i])
			}
			c.wbuf = append(c.wbuf, dotCRLF...)
		}
		rset := c.needRset && i < len(batch)
		if rset {
			c.wbuf = append(c.wbuf, "RSET\r\n"...)
		}
		if i < len(batch) {
			if bad := c.badAddress(batch[i]); bad != nil {
				rs[i], final[i] = *bad, true
				if !pending && !rset {
					continue
				}
				// still flush what is pending, with nothing new for this envelope
			} else {
				c.wbuf = appendEnvelope(c.wbuf, batch[i])
			}
		}
		if len(c.wbuf) == 0 {
			break
		}
		c.setDeadline(ctx)
		if err := c.writeParts(); err != nil {
			return gotReply, err
		}
		if pending {
			rp, err := c.readReply()
			if err != nil {
				return gotReply, err
			}
			gotReply = true
			if pend.abort {
				rs[pend.i] = pend.rcpt
			} else {
				rs[pend.i] = rp.result("DATA")
				c.sent++
			}
			final[pend.i] = true
			pending = false
		}
		if rset {
			if _, err := c.readReply(); err != nil {
				return gotReply, err
			}
			gotReply, c.needRset = true, false
		}
		if i < len(batch) && !final[i] {
			if pend, pending, err = c.readEnvelopeReplies(i, rs, final); err != nil {
				return gotReply, err
			}
			gotReply = true
		}
	}
	return gotReply, nil
}

// readEnvelopeReplies reads the replies to MAIL, RCPT and DATA of envelope
// i; pending says whether DATA got 354 (the body, or a lone ".", goes next).
func (c *conn) readEnvelopeReplies(i int, rs []Result, final []bool) (pb pendingBody, pending bool, err error) {
	var rps [3]reply
	for k := range rps {
		rp, err := c.readReply()
		if err != nil {
			return pb, false, err
		}
		rps[k] = rp
	}
	mail, rcpt, data := rps[0], rps[1], rps[2]
	switch {
	case data.code == 354 && mail.ok() && rcpt.ok():
		return pendingBody{i: i}, true, nil
	case data.code == 354:
		refusal := rcpt.result("RCPT")
		if !mail.ok() {
			refusal = mail.result("MAIL")
		}
		return pendingBody{i: i, abort: true, rcpt: refusal}, true, nil
	}
	switch {
	case !mail.ok():
		rs[i] = mail.result("MAIL")
	case !rcpt.ok():
		rs[i] = rcpt.result("RCPT")
		c.needRset = true
	default:
		rs[i] = data.result("DATA")
		c.needRset = true
	}
	final[i] = true
	return pb, false, nil
}

func (c *conn) sendPlain(ctx context.Context, batch []Envelope, rs []Result, final []bool) (gotReply bool, err error) {
	for i, e := range batch {
		c.setDeadline(ctx)
		if c.needRset {
			if _, err := c.cmd("RSET"); err != nil {
				return gotReply, err
			}
			c.needRset = false
		}
		if bad := c.badAddress(e); bad != nil {
			rs[i], final[i] = *bad, true
			continue
		}
		from, to, utf8 := envelopeAddrs(e)
		mailCmd := "MAIL FROM:<" + from + ">"
		if utf8 {
			mailCmd += " SMTPUTF8"
		}
		rp, err := c.cmd(mailCmd)
		if err != nil {
			return gotReply, err
		}
		gotReply = true
		if !rp.ok() {
			rs[i], final[i] = rp.result("MAIL"), true
			continue
		}
		c.needRset = true
		verb := ""
		for _, step := range []string{"RCPT", "DATA"} {
			line := "DATA"
			if step == "RCPT" {
				line = "RCPT TO:<" + to + ">"
			}
			verb = step
			if rp, err = c.cmd(line); err != nil {
				return gotReply, err
			}
			if !rp.ok() {
				break
			}
		}
		if rp.code != 354 {
			rs[i], final[i] = rp.result(verb), true
			continue
		}
		c.parts = appendBodyParts(c.parts[:0], e)
		c.wbuf = append(c.wbuf[:0], dotCRLF...)
		if err := c.writeParts(); err != nil {
			return gotReply, err
		}
		if rp, err = c.readReply(); err != nil {
			return gotReply, err
		}
		rs[i], final[i] = rp.result("DATA"), true
		c.needRset = false
		c.sent++
	}
	return gotReply, nil
}

func appendEnvelope(b []byte, e Envelope) []byte {
	from, to, utf8 := envelopeAddrs(e)
	b = append(b, "MAIL FROM:<"...)
	b = append(b, from...)
	b = append(b, '>')
	if utf8 {
		b = append(b, " SMTPUTF8"...)
	}
	b = append(b, "\r\nRCPT TO:<"...)
	b = append(b, to...)
	return append(b, ">\r\nDATA\r\n"...)
}

// badAddress refuses an envelope this client cannot give any server: an
// address that is not an RFC 5321 §4.1.2 Mailbox (it would break the
// command line), and a local part that is not ASCII when the server does
// not offer SMTPUTF8 (RFC 6531 §3.2: such a message must not be given to
// it). Its Result is Local: no server has said anything of the mailbox.
func (c *conn) badAddress(e Envelope) *Result {
	if e.To == "" {
		return &Result{Code: 553, Enhanced: "5.1.3", Text: "empty recipient (refused locally)", Local: true}
	}
	for _, a := range []string{e.From, e.To} {
		if a != "" && !isMailbox(a) { // an empty From is the null reverse-path <>
			return &Result{Code: 553, Enhanced: "5.1.3", Text: fmt.Sprintf("invalid address %q (refused locally)", a), Local: true}
		}
	}
	if _, _, utf8 := envelopeAddrs(e); utf8 && !c.smtputf8 {
		return &Result{Code: 553, Enhanced: "5.6.7", Text: "non-ASCII address and the server does not offer SMTPUTF8 (refused locally)", Local: true}
	}
	return nil
}

// isMailbox reports whether a can be written in MAIL FROM:<a> or RCPT
// TO:<a> as it is: Local-part "@" Domain (RFC 5321 §4.1.2), the local part
// a Dot-string or a Quoted-string ("john smith"@example.org: spaces and
// angle brackets are legal inside the quotes), either with UTF-8 beyond
// ASCII (RFC 6531 §3.3); the domain without spaces, controls, quotes or
// angle brackets (its form is DNS's business).
func isMailbox(a string) bool {
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 || !utf8.ValidString(a) {
		return false
	}
	local, domain := a[:at], a[at+1:]
	for i := 0; i < len(domain); i++ {
		if c := domain[i]; c <= ' ' || c == 0x7f || strings.IndexByte(`<>"\@`, c) >= 0 {
			return false
		}
	}
	if local[0] == '"' {
		return isQuotedString(local)
	}
	return isDotString(local)
}

// isQuotedString: DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE, qtextSMTP
// being printable ASCII but '"' and '\\' (space included) or UTF-8
// beyond ASCII, quoted-pairSMTP '\\' and a printable ASCII byte.
func isQuotedString(s string) bool {
	if len(s) < 2 || s[len(s)-1] != '"' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		switch c := s[i]; {
		case c == '\\':
			if i++; i == len(s)-1 || s[i] < ' ' || s[i] > '~' {
				return false
			}
		case c == '"' || c < ' ' || c == 0x7f:
			return false
		}
	}
	return true
}

// isDotString: atoms of atext (or UTF-8 beyond ASCII) joined by single dots.
func isDotString(s string) bool {
	if s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x80 && c != '.' && !dotAtom(s[i:i+1], "!#$%&'*+-/=?^_`{|}~") {
			return false
		}
	}
	return true
}

var (
	dotCRLF = []byte(".\r\n")
	dot     = dotCRLF[:1]
	crlf    = dotCRLF[1:]
)

// appendBodyParts appends to parts e's message — the signature fields,
// then the data — dot-stuffed (RFC 5321 §4.5.2) and ending in CRLF, as
// slices of them (never copied): only a stuffing dot or a missing final
// CRLF is a part of its own. Data known to be DotFree is not searched. The
// end-of-data line is left to the caller.
func appendBodyParts(parts net.Buffers, e Envelope) net.Buffers {
	sig, data := e.Signature, e.Data
	parts = appendStuffed(parts, sig, true)
	if e.DotFree && len(data) > 0 {
		parts = append(parts, data)
	} else {
		parts = appendStuffed(parts, data, len(sig) == 0 || sig[len(sig)-1] == '\n')
	}
	last := data
	if len(last) == 0 {
		last = sig
	}
	if !bytes.HasSuffix(last, crlf) {
		parts = append(parts, crlf)
	}
	return parts
}

// appendStuffed appends b split before every line that starts with '.',
// each such line preceded by one more dot; lineStart says whether b starts
// a line.
func appendStuffed(parts net.Buffers, b []byte, lineStart bool) net.Buffers {
	if len(b) == 0 {
		return parts
	}
	if lineStart && b[0] == '.' {
		parts = append(parts, dot)
	}
	for {
		i := bytes.Index(b, []byte("\n."))
		if i < 0 {
			return append(parts, b)
		}
		parts = append(parts, b[:i+1], dot)
		b = b[i+1:] // starts with '.': the next match is further on
	}
}

// writeParts writes c.parts and then c.wbuf in one call: over TCP as one
// writev, without copying the messages; otherwise (TLS encrypts, that is
// copies, anyway) joined into one buffer so it goes out in few records.
func (c *conn) writeParts() error {
	c.parts = append(c.parts, c.wbuf)
	if _, ok := c.nc.(*net.TCPConn); !ok {
		c.flat = c.flat[:0]
		for _, p := range c.parts {
			c.flat = append(c.flat, p...)
		}
		_, err := c.nc.Write(c.flat)
		return err
	}
	bufs := c.parts
	_, err := bufs.WriteTo(c.nc)
	return err
}
