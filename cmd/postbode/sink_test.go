package main

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is a loopback SMTP server standing in for the relay: it counts the
// messages per recipient and can be told to answer 4xx, to be slow, or to
// go away and come back on the same port.
type sink struct {
	t    *testing.T
	addr string

	mu       sync.Mutex
	got      map[string]int // recipient -> messages accepted
	data     map[string][]byte
	from     map[string]string // recipient -> MAIL FROM of its last message
	reject   map[string]bool   // recipients refused with 550 5.1.1
	tempFail bool
	delay    time.Duration
	srv      *smtp.Server
}

func newSink(t *testing.T) *sink {
	s := &sink{t: t, got: map[string]int{}, data: map[string][]byte{}, from: map[string]string{}, reject: map[string]bool{}}
	s.start("127.0.0.1:0")
	t.Cleanup(s.stop)
	return s
}

func (s *sink) start(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.t.Fatal(err)
	}
	srv := smtp.NewServer(s)
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.MaxRecipients = 1000
	s.mu.Lock()
	s.addr, s.srv = ln.Addr().String(), srv
	s.mu.Unlock()
	go srv.Serve(ln)
}

func (s *sink) stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// restart brings the sink back on the same port after stop.
func (s *sink) restart() { s.start(s.addr) }

func (s *sink) set(tempFail bool, delay time.Duration) {
	s.mu.Lock()
	s.tempFail, s.delay = tempFail, delay
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

func (s *sink) message(rcpt string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data[strings.ToLower(rcpt)]
}

// refuse makes the sink answer RCPT TO:<addr> with 550 5.1.1 (a dead address).
func (s *sink) refuse(addr string) {
	s.mu.Lock()
	s.reject[strings.ToLower(addr)] = true
	s.mu.Unlock()
}

// returnPath is the MAIL FROM of the last message to rcpt.
func (s *sink) returnPath(rcpt string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.from[strings.ToLower(rcpt)]
}

func (s *sink) NewSession(c *smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

type sinkSession struct {
	s        *sink
	mailFrom string
	rcpt     []string
}

func (x *sinkSession) AuthMechanisms() []string { return nil }
func (x *sinkSession) Mail(from string, opts *smtp.MailOptions) error {
	x.s.mu.Lock()
	fail := x.s.tempFail
	x.s.mu.Unlock()
	if fail {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	x.mailFrom = from
	return nil
}
func (x *sinkSession) Rcpt(to string, opts *smtp.RcptOptions) error {
	to = strings.ToLower(to)
	x.s.mu.Lock()
	refused := x.s.reject[to]
	x.s.mu.Unlock()
	if refused {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: user unknown"}
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
	x.s.mu.Lock()
	for _, rc := range x.rcpt {
		x.s.got[rc]++
		x.s.data[rc] = b
		x.s.from[rc] = x.mailFrom
	}
	x.s.mu.Unlock()
	if len(x.rcpt) == 0 {
		return errors.New("no recipients")
	}
	return nil
}
func (x *sinkSession) Reset()        { x.rcpt = nil }
func (x *sinkSession) Logout() error { return nil }
