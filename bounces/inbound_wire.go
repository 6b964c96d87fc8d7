package bounces

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"sync"
)

// wire sits between a session's plain text — the TCP connection, or the TLS
// connection after STARTTLS, which the wire's connection terminates itself —
// and the SMTP library, and finds the end of each message by RFC 5321
// §4.1.1.4: only <CRLF>.<CRLF> ends the data, and a CR that is not followed
// by LF (a bare CR, RFC 5321 §2.3.8) is data like any other byte.
//
// The library's DATA reader loses its place after a bare CR — after
// "\r\r\n", and after a line ".\r\r\n" whose ".\r" it drops — and then
// takes the terminating ".\r\n" for data and waits for more until
// inbound.data_timeout. So from the 354 reply to the end of the data, the
// wire hands the library no bare CR: it escapes a bare CR as NUL LF and a
// NUL as NUL NUL (a NUL is data too), and Data unescapes what the library
// passes on (unescaper). What the library then sees ends where the wire
// says, and the message is stored byte for byte as the client meant it.
//
// To know where the data starts the wire follows the command lines: a DATA
// command holds what follows until its reply (354: data; anything else:
// commands), and a BDAT chunk passes as it is. Because the library would
// wrap the connection in TLS below the wire, the wire answers STARTTLS
// itself (RFC 3207), so one mechanism serves plain and TLS sessions.
type wire struct {
	mu       sync.Mutex
	offerTLS bool   // STARTTLS is offered until TLS is up
	size     []byte // the EHLO reply's SIZE line (RFC 1870): the listener's limit

	mode  int    // wireCommand, wireHold, wireReply, wireData, wireChunk
	chunk uint64 // bytes left of a BDAT chunk
	line  []byte // the command line read so far (kept up to maxCommandLine)
	long  bool   // the current command line is longer than maxCommandLine
	data  []byte // a DATA command line, until the library has read what came before
	held  []byte // what followed a DATA command, until its reply
	out   []byte // bytes for the library not returned yet

	startTLS  bool // a STARTTLS waits until the library has read what came before
	swallow   bool // drop the next reply (to the RSET the wire sent after STARTTLS)
	needHello bool // after STARTTLS, MAIL waits for a new EHLO (RFC 3207 §4.2)
	secure    bool // TLS is up

	escaped bool // the current message's data went through the wire
	st      int  // where in a line the raw data is (erLine, erData, erCR, erDot, erDotCR)
	cr      bool // a CR held back until the next byte shows whether it ends a line
}

const (
	wireCommand = iota // client command lines
	wireHold           // a DATA command waits to be passed on
	wireReply          // a DATA command was passed on: wait for its reply
	wireData           // from the 354 reply to the end of the data
	wireChunk          // a BDAT chunk
)

// maxCommandLine is the SMTP library's line limit (smtp.Server.MaxLineLength):
// a longer line ends the session there.
const maxCommandLine = 2000

// RFC 5321 §4.1.1.4 end-of-data states.
const (
	erLine = iota // at the start of a line
	erData
	erCR
	erDot
	erDotCR
	erEnd
)

var (
	reply354    = []byte("354 ")
	replyEHLO   = []byte("250-PIPELINING\r\n") // the first capability the library lists
	capSTARTTLS = []byte("250-STARTTLS\r\n")
	capSIZE     = []byte("250-SIZE ") // never the last line: LIMITS follows
	// The library's only answer to STARTTLS (the wire answers it while
	// offered), and what a client that asks again once TLS is up gets:
	// a command out of sequence (RFC 5321 §4.2.4), not one unknown.
	replyNoTLS    = []byte("502 5.5.1 TLS not supported\r\n")
	replyTLSAgain = []byte("503 5.5.1 TLS already active\r\n")
)

// next copies pending bytes for the library into p. A DATA command is
// passed on only once the library has read (and so answered) every
// command before it, so that the next reply is the one to DATA. With no
// bytes pending, next reports whether a STARTTLS is due.
func (w *wire) next(p []byte) (n int, startTLS bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case len(w.out) > 0:
	case w.mode == wireHold:
		w.out, w.data, w.mode = append(w.out, w.data...), w.data[:0], wireReply
	case w.mode == wireReply:
		// The library reads on without answering DATA: what was held
		// is commands.
		w.mode = wireCommand
		w.feedLocked(w.take())
	}
	if len(w.out) > 0 {
		n = copy(p, w.out)
		w.out = w.out[n:]
		return n, false
	}
	startTLS, w.startTLS = w.startTLS, false
	return 0, startTLS
}

// empty reports whether no bytes wait for the library.
func (w *wire) empty() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.out) == 0
}

// feed takes raw plain-text bytes from the client.
func (w *wire) feed(b []byte) {
	w.mu.Lock()
	w.feedLocked(b)
	w.mu.Unlock()
}

func (w *wire) feedLocked(b []byte) {
	for i := 0; i < len(b); i++ {
		switch w.mode {
		case wireHold, wireReply:
			w.held = append(w.held, b[i:]...)
			return
		case wireChunk:
			n := int(min(uint64(len(b)-i), w.chunk))
			w.out = append(w.out, b[i:i+n]...)
			w.chunk -= uint64(n)
			i += n - 1
			if w.chunk == 0 {
				w.mode = wireCommand
			}
		case wireData:
			w.dataByte(b[i])
		default:
			if w.startTLS {
				// RFC 3207 §5: nothing sent in plain text after STARTTLS
				// may be taken as a command once TLS is up.
				return
			}
			w.commandByte(b[i])
		}
	}
}

// take returns and forgets the held bytes.
func (w *wire) take() []byte {
	h := w.held
	w.held = nil
	return h
}

// commandByte adds b to the command line and acts on the line at its LF.
func (w *wire) commandByte(b byte) {
	if w.long {
		w.out = append(w.out, b)
		w.long = b != '\n'
		return
	}
	w.line = append(w.line, b)
	if b != '\n' {
		if len(w.line) > maxCommandLine {
			w.out = append(w.out, w.line...)
			w.line, w.long = w.line[:0], true
		}
		return
	}
	line := w.line
	w.line = w.line[:0]
	cmd, arg := parseCommand(line)
	switch {
	case cmd == "STARTTLS" && w.offerTLS:
		w.startTLS = true
		return
	case cmd == "DATA" && arg == "":
		w.mode, w.data = wireHold, append(w.data[:0], line...)
		return
	case cmd == "BDAT":
		if n, ok := bdatSize(arg); ok && n > 0 {
			w.mode, w.chunk = wireChunk, n
		}
	case cmd == "EHLO" || cmd == "HELO":
		w.needHello = false
	}
	w.out = append(w.out, line...)
}

// parseCommand splits a command line as the SMTP library does.
func parseCommand(line []byte) (cmd, arg string) {
	s := strings.TrimRight(string(line), "\r\n")
	switch {
	case len(s) >= 8 && strings.EqualFold(s[:8], "STARTTLS"):
		return "STARTTLS", ""
	case len(s) == 4:
		return strings.ToUpper(s), ""
	case len(s) > 5 && s[4] == ' ':
		return strings.ToUpper(s[:4]), strings.TrimSpace(s[5:])
	}
	return "", ""
}

// bdatSize is the size of the chunk that follows a BDAT command the SMTP
// library takes: it reads the chunk even when it refuses the command for
// any reason but its syntax.
func bdatSize(arg string) (uint64, bool) {
	args := strings.Fields(arg)
	if len(args) == 0 || len(args) > 2 || len(args) == 2 && !strings.EqualFold(args[1], "LAST") {
		return 0, false
	}
	n, err := strconv.ParseUint(args[0], 10, 32)
	return n, err == nil
}

// dataByte escapes one raw data byte into w.out and leaves data mode at the
// end of the data.
func (w *wire) dataByte(c byte) {
	held := w.cr
	w.cr = false
	switch {
	case held && c == '\n':
		w.out = append(w.out, '\r', '\n')
	case held:
		// With an LF the library counts its line limit from here on, so
		// the escape makes no line longer; its DATA reader takes a bare LF
		// for data.
		w.out = append(w.out, 0, '\n')
	}
	switch {
	case c == '\r':
		w.cr = true
	case c == 0:
		w.out = append(w.out, 0, 0)
	case c == '\n' && held:
	default:
		w.out = append(w.out, c)
	}
	if w.st = realNext(w.st, c); w.st == erEnd {
		w.mode = wireCommand
	}
}

// reply sees each reply the library writes and returns what goes to the
// client: the 354 of DATA turns data mode on, any other reply to DATA lets
// the held bytes pass as commands; STARTTLS is added to the EHLO
// capabilities while offered, and SIZE names the listener's limit, not the
// library's (NewListener); the reply to the wire's own RSET is dropped.
func (w *wire) reply(p []byte) []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.swallow {
		w.swallow = false
		return nil
	}
	if w.mode == wireReply {
		w.mode = wireCommand
		if bytes.HasPrefix(p, reply354) {
			w.mode, w.escaped, w.st, w.cr = wireData, true, erLine, false
		}
		w.feedLocked(w.take())
	}
	if w.secure && bytes.Equal(p, replyNoTLS) {
		return replyTLSAgain
	}
	if w.size != nil && bytes.HasPrefix(p, capSIZE) {
		return w.size
	}
	if w.offerTLS && bytes.Equal(p, replyEHLO) {
		return append(append([]byte(nil), p...), capSTARTTLS...)
	}
	return p
}

// secured is called once TLS is up: STARTTLS is no longer offered, and the
// library gets an RSET (whose reply the client does not see) so that no
// state from before TLS is kept (RFC 3207 §4.2).
func (w *wire) secured() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.offerTLS, w.needHello, w.swallow, w.secure = false, true, true, true
	w.out = append(w.out[:0], "RSET\r\n"...)
}

// helloMissing reports whether TLS came up and no EHLO or HELO followed.
func (w *wire) helloMissing() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.needHello
}

// takeEscaped reports whether the message Data is about to read came
// through the wire, and forgets it (BDAT chunks do not).
func (w *wire) takeEscaped() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	e := w.escaped
	w.escaped = false
	return e
}

// unescaper undoes the wire's escapes in what the library passes on.
type unescaper struct {
	r    io.Reader
	zero bool // the last byte read was an escaping NUL
}

func (u *unescaper) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	w := 0
	for _, c := range p[:n] {
		switch {
		case u.zero:
			u.zero = false
			if c == '\n' {
				c = '\r'
			}
		case c == 0:
			u.zero = true
			continue
		}
		p[w] = c
		w++
	}
	return w, err
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
