package bounces

import (
	"bytes"
	"io"
	"sync"
)

// dataWire sits between a plain-text session's connection and the SMTP
// library and finds the end of each message itself, by RFC 5321 §4.1.1.4:
// only <CRLF>.<CRLF> ends the data, and a CR that is not followed by LF
// (a bare CR, RFC 5321 §2.3.8) is data like any other byte.
//
// The library's DATA reader loses its place after a bare CR — after
// "\r\r\n", and after a line ".\r\r\n" whose ".\r" it drops — and then
// takes the terminating ".\r\n" for data and waits for more until
// inbound.data_timeout. So from the 354 reply to the end of the data, the
// wire hands the library no bare CR: it escapes a bare CR as NUL 'r' and a
// NUL as NUL NUL (a NUL is data too), and Data unescapes what the library
// passes on (unescaper). What the library then sees ends where the wire
// says, and the message is stored byte for byte as the client meant it.
//
// After STARTTLS the connection carries TLS records, which never start
// with "354 ": the wire stays off and Data falls back to endReader.
type dataWire struct {
	mu      sync.Mutex
	on      bool   // between the 354 reply and the end of the data
	escaped bool   // the current message's data went through the wire
	st      int    // where in a line the raw data is (erLine, erData, erCR, erDot, erDotCR)
	cr      bool   // a CR held back until the next byte shows whether it ends a line
	out     []byte // bytes for the library not returned yet
	raw     [4096]byte
}

var reply354 = []byte("354 ")

// wrote sees each reply the library writes; the 354 of DATA turns the wire on.
func (w *dataWire) wrote(p []byte) {
	if !bytes.HasPrefix(p, reply354) {
		return
	}
	w.mu.Lock()
	w.on, w.escaped, w.st, w.cr = true, true, erLine, false
	w.mu.Unlock()
}

// takeEscaped reports whether the message Data is about to read came
// through the wire, and forgets it (BDAT chunks do not).
func (w *dataWire) takeEscaped() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	e := w.escaped
	w.escaped = false
	return e
}

// read reads from r for the library. It never returns 0 bytes without an
// error: a lone held-back CR makes it read again.
func (w *dataWire) read(r io.Reader, p []byte) (int, error) {
	for {
		w.mu.Lock()
		if len(w.out) > 0 {
			n := copy(p, w.out)
			w.out = w.out[n:]
			w.mu.Unlock()
			return n, nil
		}
		on := w.on
		w.mu.Unlock()
		if !on {
			return r.Read(p)
		}
		n, err := r.Read(w.raw[:])
		w.mu.Lock()
		w.feed(w.raw[:n])
		empty := len(w.out) == 0
		w.mu.Unlock()
		if err != nil && empty {
			return 0, err
		}
	}
}

// feed escapes raw data bytes into w.out up to the end of the data; what
// follows the end (pipelined commands) passes unchanged.
func (w *dataWire) feed(b []byte) {
	for i, c := range b {
		held := w.cr
		w.cr = false
		switch {
		case held && c == '\n':
			w.out = append(w.out, '\r', '\n')
		case held:
			w.out = append(w.out, 0, 'r')
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
			w.on = false
			w.out = append(w.out, b[i+1:]...)
			return
		}
	}
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
			if c == 'r' {
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
