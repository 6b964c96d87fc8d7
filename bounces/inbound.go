package bounces

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/postbode/postbode/internal/errs"
)

// Storer is what the listener hands accepted messages to (Spool).
type Storer interface {
	Store(ctx context.Context, from string, rcpts []string, raw []byte) (int64, error)
}

// ListenerOptions configure the inbound SMTP listener.
type ListenerOptions struct {
	// Hostname is announced in the greeting; optional, default localhost.
	Hostname string
	// Domains are the bounce domains mail is accepted for; required. Every
	// other recipient gets 550 5.7.1: the listener is never a relay.
	Domains []string
	// MaxMessageBytes caps a message (552 beyond); optional, default 10 MiB.
	MaxMessageBytes int64
	// MaxConnections caps concurrent sessions (421 beyond); optional, default 100.
	MaxConnections int
	// MaxConnectionsPerIP caps the concurrent sessions of one client IP
	// (421 beyond); optional, default 10.
	MaxConnectionsPerIP int
	// SessionTimeout bounds a whole session, however busy; optional,
	// default 5m.
	SessionTimeout time.Duration
	// DataTimeout bounds reading one message after DATA, however slowly
	// it trickles in; optional, default 2m.
	DataTimeout time.Duration
	// MaxRecipients per message; optional, default 50.
	MaxRecipients int
	// TLS enables STARTTLS when set; optional.
	TLS *tls.Config
	// ReadTimeout and WriteTimeout bound each command and reply; optional,
	// default 1m each.
	ReadTimeout, WriteTimeout time.Duration
	// StoreTimeout bounds storing one message; optional, default 30s.
	StoreTimeout time.Duration
	// Store keeps accepted messages; required.
	Store Storer
	// Proven reports whether a recipient carries a token that verifies
	// (TokenProven); mail with such a recipient is never limited by
	// Unproven. Optional: without it every message is unproven.
	Proven func(rcpt string) bool
	// Unproven bounds the mail without a proven recipient stored per client
	// IP and per day (452 4.3.1 at RCPT, 451 4.7.1 after DATA beyond it);
	// optional, nil: unbounded.
	Unproven *UnprovenQuota
	// Stored is called after each message is stored (Processor.Wake); optional.
	Stored func()
	// Metrics; required.
	Metrics *Metrics
	// Log; optional.
	Log *slog.Logger
}

// Listener is the inbound SMTP server for bounces, complaint reports and
// mailto unsubscribes (RFC 5321). It accepts RCPT only for the bounce
// domains, stores each message durably before answering 250, and leaves the
// processing to the Processor.
type Listener struct {
	opt     ListenerOptions
	srv     *smtp.Server
	domains map[string]bool
	active  atomic.Int64
	mu      sync.Mutex
	perIP   map[string]int
}

// NewListener returns a listener; Serve starts it.
func NewListener(o ListenerOptions) *Listener {
	if o.Hostname == "" {
		o.Hostname = "localhost"
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 10 << 20
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = 100
	}
	if o.MaxConnectionsPerIP <= 0 {
		o.MaxConnectionsPerIP = 10
	}
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = 5 * time.Minute
	}
	if o.DataTimeout <= 0 {
		o.DataTimeout = 2 * time.Minute
	}
	if o.MaxRecipients <= 0 {
		o.MaxRecipients = 50
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = time.Minute
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = time.Minute
	}
	if o.StoreTimeout <= 0 {
		o.StoreTimeout = 30 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	l := &Listener{opt: o, domains: map[string]bool{}, perIP: map[string]int{}}
	for _, d := range o.Domains {
		l.domains[strings.ToLower(strings.TrimSuffix(d, "."))] = true
	}
	s := smtp.NewServer(smtp.BackendFunc(l.newSession))
	s.Domain = o.Hostname
	// The limit is the message as sent, and the listener applies it itself
	// (session.Mail, session.Data): the library counts the bytes the wire
	// hands it, where each bare CR or NUL takes two, and refuses a message
	// of exactly its limit. Its own limit only bounds what it reads.
	s.MaxMessageBytes = 2*o.MaxMessageBytes + 1
	s.MaxRecipients = o.MaxRecipients
	s.ReadTimeout = o.ReadTimeout
	s.WriteTimeout = o.WriteTimeout
	// The listener answers STARTTLS itself (wire), below the library.
	s.TLSConfig = nil
	s.EnableSMTPUTF8 = true
	s.ErrorLog = slogLogger{o.Log}
	l.srv = s
	return l
}

// Serve accepts connections on ln until Shutdown or Close.
func (l *Listener) Serve(ln net.Listener) error {
	err := l.srv.Serve(&capListener{Listener: ln, l: l})
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for open sessions to end
// (or ctx to be done).
func (l *Listener) Shutdown(ctx context.Context) error { return l.srv.Shutdown(ctx) }

// Close closes the listener and every connection at once.
func (l *Listener) Close() error { return l.srv.Close() }

func (l *Listener) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{l: l, conn: c}, nil
}

type session struct {
	l      *Listener
	conn   *smtp.Conn
	from   string
	rcpts  []string
	proven bool // a recipient carries a token that verifies
}

var (
	errRelay = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "Relaying denied: this server accepts mail for its bounce domains only"}
	errBadAddr = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3},
		Message: "Bad recipient address syntax"}
	errBadSender = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 7},
		Message: "Bad sender address syntax: not UTF-8, or a NUL character"}
	errNoRcpt = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 5, 1},
		Message: "No valid recipients"}
	errStore = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Temporary failure storing the message, try again later"}
	errTooBig = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
		Message: "Message too big"}
	errHelloFirst = &smtp.SMTPError{Code: 503, EnhancedCode: smtp.EnhancedCode{5, 5, 1},
		Message: "Send EHLO again after STARTTLS"}
	errDataTimeout = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2},
		Message: "Message not received in time, closing"}
	errUnprovenRcpt = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
		Message: "Too much mail without a bounce token from your address, try again later"}
	errUnprovenDaily = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
		Message: "Too much mail without a bounce token today, try again later"}
	errUnprovenData = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
		Message: "Too much mail without a bounce token from your address, try again later"}
	errUnprovenDataDaily = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
		Message: "Too much mail without a bounce token today, try again later"}
	errTokenLimited = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
		Message: "Too much mail to this address, try again later"}
)

func (s *session) Reset()        { s.from, s.rcpts, s.proven = "", nil, false }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, opt *smtp.MailOptions) error {
	if lc := sessionConn(s.conn.Conn()); lc != nil && lc.wire.helloMissing() {
		return errHelloFirst
	}
	if opt != nil && opt.Size > s.l.opt.MaxMessageBytes { // RFC 1870 §6.1
		s.l.opt.Metrics.Inbound.WithLabelValues("too_large").Inc()
		return errTooBig
	}
	if errs.TextProblem(from) != "" { // cannot be stored: refused for good, not 451 for ever
		s.l.opt.Metrics.Inbound.WithLabelValues("bad_address").Inc()
		return errBadSender
	}
	s.from = from
	return nil
}

// Rcpt accepts any local part at a bounce domain — VERP b<token>,
// mailto-unsubscribe u<token>, postmaster, abuse, fbl and other feedback-loop
// addresses — and refuses every other domain with 550 5.7.1.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if errs.TextProblem(to) != "" { // cannot be stored: refused for good, not 451 for ever
		s.l.opt.Metrics.Inbound.WithLabelValues("bad_address").Inc()
		return errBadAddr
	}
	at := strings.LastIndexByte(to, '@')
	if at <= 0 || at == len(to)-1 {
		if strings.EqualFold(to, "postmaster") { // RFC 5321 §4.1.1.3
			s.rcpts = append(s.rcpts, "postmaster")
			return nil
		}
		return errBadAddr
	}
	domain := strings.ToLower(strings.TrimSuffix(to[at+1:], "."))
	if !s.l.domains[domain] {
		s.l.opt.Metrics.Inbound.WithLabelValues("relay_refused").Inc()
		s.l.opt.Log.Info("inbound: relay refused", slog.String("domain", errs.Clip(domain, 100)))
		return errRelay
	}
	if s.l.opt.Proven != nil && s.l.opt.Proven(to) {
		if err := s.takeToken(to); err != nil {
			return err
		}
		s.proven = true
	} else if err := s.checkUnproven(); err != nil {
		return err
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

// takeToken counts a message to a verified token address and refuses it
// for now (452) beyond the UnprovenQuota's PerTokenMessages; without Redis
// the answer is 451, as for unproven mail.
func (s *session) takeToken(to string) error {
	q := s.l.opt.Unproven
	if q == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.l.opt.StoreTimeout)
	defer cancel()
	over, err := q.TakeToken(ctx, to)
	switch {
	case err != nil:
		s.l.opt.Metrics.Inbound.WithLabelValues("store_error").Inc()
		s.l.opt.Log.Error("inbound: cannot check the token quota", slog.Any("error", err))
		return errStore
	case over:
		s.l.opt.Metrics.Inbound.WithLabelValues("token_limited").Inc()
		s.l.opt.Log.Info("inbound: mail to one token limited")
		return errTokenLimited
	}
	return nil
}

// checkUnproven refuses an unproven recipient for now when the client (or
// the day) has used up the UnprovenQuota; a transaction that already has a
// proven recipient is never refused. Without Redis the answer is 451 too:
// unproven mail waits, proven mail flows.
func (s *session) checkUnproven() error {
	q := s.l.opt.Unproven
	if q == nil || s.proven {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.l.opt.StoreTimeout)
	defer cancel()
	why, err := q.Check(ctx, s.clientIP())
	return s.unprovenReply(why, err, errUnprovenRcpt, errUnprovenDaily)
}

func (s *session) unprovenReply(why string, err error, client, daily *smtp.SMTPError) error {
	switch {
	case err != nil:
		s.l.opt.Metrics.Inbound.WithLabelValues("store_error").Inc()
		s.l.opt.Log.Error("inbound: cannot check the unproven mail quota", slog.Any("error", err))
		return errStore
	case why == overClient:
		s.l.opt.Metrics.Inbound.WithLabelValues("unproven_limited").Inc()
		s.l.opt.Log.Info("inbound: unproven mail limited", slog.String("limit", "client"))
		return client
	case why == overDaily:
		s.l.opt.Metrics.Inbound.WithLabelValues("unproven_limited").Inc()
		s.l.opt.Log.Warn("inbound: unproven mail limited", slog.String("limit", "daily"))
		return daily
	}
	return nil
}

// clientIP is the session's client address (for the quota's keyed hash
// only; never logged).
func (s *session) clientIP() string {
	if lc := sessionConn(s.conn.Conn()); lc != nil {
		return lc.ip
	}
	return clientIP(s.conn.Conn())
}

// Data reads the message and stores it before answering 250; a store
// failure answers 451 so the sender retries.
func (s *session) Data(r io.Reader) error {
	lc := sessionConn(s.conn.Conn())
	src, escaped := r, lc != nil && lc.wire.takeEscaped()
	if escaped {
		src = &unescaper{r: r} // the wire found the end (wire)
	}
	if len(s.rcpts) == 0 {
		return errNoRcpt
	}
	stop := func() {}
	switch {
	case escaped: // DATA
		lc.dataDeadline(s.l.opt.DataTimeout)
	case lc != nil:
		// BDAT: the library renews its read deadline before every chunk's
		// command, so a chunk now and then would hold the message open
		// until the session ends; the message's deadline ends the session.
		stop = lc.messageDeadline(s.l.opt.DataTimeout, func() {
			s.l.opt.Metrics.Inbound.WithLabelValues("timeout").Inc()
		})
	}
	var buf bytes.Buffer
	_, err := buf.ReadFrom(io.LimitReader(src, s.l.opt.MaxMessageBytes+1))
	stop()
	if errors.Is(err, smtp.ErrDataTooLarge) || err == nil && int64(buf.Len()) > s.l.opt.MaxMessageBytes {
		s.l.opt.Metrics.Inbound.WithLabelValues("too_large").Inc()
		return errTooBig
	}
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() && lc != nil {
			s.l.opt.Metrics.Inbound.WithLabelValues("timeout").Inc()
			lc.expire() // the reply is the session's last
			return errDataTimeout
		}
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.l.opt.StoreTimeout)
	defer cancel()
	refund := func() {}
	if q := s.l.opt.Unproven; q != nil && !s.proven {
		why, give, err := q.Take(ctx, s.clientIP(), int64(buf.Len()))
		if err := s.unprovenReply(why, err, errUnprovenData, errUnprovenDataDaily); err != nil {
			return err
		}
		refund = give
	}
	if _, err := s.l.opt.Store.Store(ctx, s.from, s.rcpts, buf.Bytes()); err != nil {
		refund()
		s.l.opt.Metrics.Inbound.WithLabelValues("store_error").Inc()
		s.l.opt.Log.Error("inbound: cannot store message", slog.Any("error", err))
		return errStore
	}
	s.l.opt.Metrics.Inbound.WithLabelValues("accepted").Inc()
	if s.l.opt.Stored != nil {
		s.l.opt.Stored()
	}
	return nil
}

type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(format string, v ...any) {
	l.log.Debug("inbound smtp: " + fmt.Sprintf(format, v...))
}
func (l slogLogger) Println(v ...any) { l.log.Debug("inbound smtp: " + fmt.Sprint(v...)) }
