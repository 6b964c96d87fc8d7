// Package pages is the HTTP edge of the recipient side: the public
// listener's server-rendered pages (subscribe, double opt-in confirmation,
// unsubscribe with RFC 8058 one-click, update-your-details, privacy
// requests) and the open and click tracking endpoints. It is in charge of
// layout and house style, Dutch and English, CSRF protection, the client IP
// behind trusted proxies, security headers and body limits; what an action
// does is decided in package optin.
//
// A GET never changes state (mail scanners follow links): each page shows
// the choice and a POST carries it out. The exception is RFC 8058 one-click,
// which is a POST by design and acts at once. Any invalid, expired or
// tampered token, and a token of an erased contact, gets one neutral page
// (same status, same body).
package pages

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/postbode/postbode/internal/clientnet"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/optin"
)

// Sender sends one transactional mail (double opt-in confirmation).
type Sender interface {
	Send(ctx context.Context, to, subject, html, text string) error
}

// PrivacyRequests takes data subjects' requests (package privacy). Errors
// rtoken.ErrInvalid and rtoken.ErrExpired from ConfirmRequest show the
// neutral page.
type PrivacyRequests interface {
	// RequestByEmail mails a verification link (/q/TOKEN) when the address is
	// known; it never reveals whether it is.
	RequestByEmail(ctx context.Context, email, kind, details, ip, userAgent, lang string) error
	// ConfirmRequest confirms a request from its verification token;
	// recorded is false when the token had confirmed it already (or the
	// contact has an open request of the kind).
	ConfirmRequest(ctx context.Context, token, ip, userAgent string) (kind string, recorded bool, err error)
	// PendingRequest tells what a verification token would confirm: the
	// kind and the text typed with a rectification; it changes nothing.
	PendingRequest(ctx context.Context, token string) (kind, details string, err error)
	// RequestForContact records a request of a known contact (from
	// /r/TOKEN); its answer is mailed in lang, the page's language. details
	// says what should be corrected (rectification only); an invalid one
	// is an *errs.Error naming the field "details".
	RequestForContact(ctx context.Context, contactID int64, kind, details, ip, userAgent, lang string) error
}

// Viewer renders a campaign's mail for one contact (view in browser).
type Viewer interface {
	View(ctx context.Context, campaignID, contactID int64) (html string, err error)
}

// Options configure the Server.
type Options struct {
	// Recipients carries out the actions; required.
	Recipients *optin.Recipients
	// Keys verify and mint recipient tokens; required.
	Keys *rtoken.Keys
	// CSRFKey signs form tokens (secrets.key); required.
	CSRFKey string
	// BaseURL is public.base_url (links in confirmation mails; https sets
	// Secure cookies); required.
	BaseURL string
	// House style: OrgName, LogoURL, PrimaryColor (#rrggbb); DefaultLang en or nl.
	OrgName, LogoURL, PrimaryColor, DefaultLang string
	// RetentionDays is retention.one_star_days, stated on the subscribe
	// form and in the confirmation mail; 0: kept until erased on request.
	RetentionDays int
	// StatementURL is the organisation's privacy statement, linked from
	// every page's footer (privacy.statement_url); optional.
	StatementURL string
	// TrustedProxies may set X-Forwarded-For; optional.
	TrustedProxies []netip.Prefix
	// MaxFormBytes caps form posts; optional, default 16 KiB.
	MaxFormBytes int64
	// ConfirmExpiry is how long a confirmation link is valid; optional, default 7 days.
	ConfirmExpiry time.Duration
	// Mailer sends confirmation mails; optional (nil: none are sent, logged).
	Mailer Sender
	// Privacy handles privacy requests; optional (nil: those pages answer 503).
	Privacy PrivacyRequests
	// Nonces makes form tokens single-use and throttles confirmation mails;
	// optional (nil: forms can be replayed within their lifetime).
	Nonces Nonces
	// Limiter caps the posts of the subscribe and privacy forms per client
	// address (IPv6 per /64) at FormsPerWindow until the client pauses for
	// FormWindow; optional (nil: no cap).
	Limiter Limiter
	// FormsPerWindow and FormWindow; optional, default 20 per 10 minutes.
	FormsPerWindow int64
	FormWindow     time.Duration
	// Viewer renders "view in browser"; optional (nil: 503).
	Viewer Viewer
	// Metrics count requests by route and code; optional.
	Metrics *httpapi.HTTPMetrics
	// Log; optional.
	Log *slog.Logger
}

// Server serves the public pages.
type Server struct {
	opt     Options
	r       *optin.Recipients
	keyPtr  atomic.Pointer[rtoken.Keys]
	log     *slog.Logger
	tpl     *templates
	css     []byte
	csrfKey []byte
	secure  bool
	nonces  Nonces
	links   *optin.LinkChecker
	mux     *http.ServeMux
	bg      sync.WaitGroup
	slots   chan struct{}
}

// New returns the public pages server.
func New(opt Options) (*Server, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.MaxFormBytes <= 0 {
		opt.MaxFormBytes = 16 << 10
	}
	if opt.ConfirmExpiry <= 0 {
		opt.ConfirmExpiry = 7 * 24 * time.Hour
	}
	if opt.PrimaryColor == "" {
		opt.PrimaryColor = "#1d4ed8"
	}
	if opt.DefaultLang != "nl" {
		opt.DefaultLang = "en"
	}
	if opt.OrgName == "" {
		opt.OrgName = "postbode"
	}
	if opt.FormsPerWindow <= 0 {
		opt.FormsPerWindow = 20
	}
	if opt.FormWindow <= 0 {
		opt.FormWindow = 10 * time.Minute
	}
	tpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s := &Server{opt: opt, r: opt.Recipients, log: opt.Log, tpl: tpl,
		css: []byte(css(opt.PrimaryColor)), csrfKey: []byte(opt.CSRFKey), nonces: opt.Nonces,
		secure: strings.HasPrefix(opt.BaseURL, "https://"), links: opt.Recipients.NewLinkChecker(), mux: http.NewServeMux(),
		slots: make(chan struct{}, maxBackground)}
	s.keyPtr.Store(opt.Keys)
	s.routes()
	return s, nil
}

// SetKeys replaces the token keys (e.g. when old keys stop verifying).
func (s *Server) SetKeys(k *rtoken.Keys) { s.keyPtr.Store(k) }

func (s *Server) keys() *rtoken.Keys { return s.keyPtr.Load() }

func (s *Server) routes() {
	h := func(pattern string, fn http.HandlerFunc) { s.mux.HandleFunc(pattern, fn) }
	h("GET /static/site.css", s.stylesheet)
	h("GET /s/{slug}", s.inDepartment(s.subscribeForm))
	h("POST /s/{slug}", s.inDepartment(s.subscribe))
	h("GET /s/{dept}/{slug}", s.inDepartment(s.subscribeForm))
	h("POST /s/{dept}/{slug}", s.inDepartment(s.subscribe))
	h("GET /c/{token}", s.forRecipient(rtoken.Confirm, s.confirmPage))
	h("POST /c/{token}", s.forRecipient(rtoken.Confirm, s.confirm))
	h("GET /u/{token}", s.forRecipient(rtoken.Unsubscribe, s.unsubscribePage))
	h("POST /u/{token}", s.forRecipient(rtoken.Unsubscribe, s.unsubscribe))
	h("GET /p/{token}", s.forRecipient(rtoken.Update, s.updatePage))
	h("POST /p/{token}", s.forRecipient(rtoken.Update, s.update))
	h("GET /r/{token}", s.forRecipient(rtoken.Privacy, s.privacyContactPage))
	h("POST /r/{token}", s.forRecipient(rtoken.Privacy, s.privacyContact))
	h("GET /privacy", s.inDepartment(s.privacyForm))
	h("POST /privacy", s.inDepartment(s.privacyRequest))
	h("GET /privacy/{dept}", s.inDepartment(s.privacyForm))
	h("POST /privacy/{dept}", s.inDepartment(s.privacyRequest))
	h("GET /q/{token}", s.forRecipient(rtoken.Verify, s.verifyPage))
	h("POST /q/{token}", s.forRecipient(rtoken.Verify, s.verify))
	h("GET /o/{token}", s.open)
	h("GET /l/{token}", s.click)
	h("GET /v/{token}", s.forRecipient(rtoken.View, s.view))
	h("/", func(w http.ResponseWriter, r *http.Request) { s.neutral(w, r) })
}

// Handler returns the handler with security headers, body limits and metrics.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cache-Control", "no-store")
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, s.opt.MaxFormBytes)
		}
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		s.mux.ServeHTTP(sw, r)
		if m := s.opt.Metrics; m != nil {
			route := r.Pattern
			if route == "" || route == "/" {
				route = "unmatched"
			}
			m.Requests.WithLabelValues(route, httpCode(sw.code)).Inc()
			m.Duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
		}
	})
}

// Wait waits for background work (confirmation mails being sent).
func (s *Server) Wait() { s.bg.Wait() }

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }

// Unwrap lets http.ResponseController reach the connection (Flush).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func httpCode(c int) string {
	const digits = "0123456789"
	if c < 100 || c > 999 {
		return "000"
	}
	return string([]byte{digits[c/100], digits[c/10%10], digits[c%10]})
}

// stylesheet serves the pages' stylesheet, in the colour of ?c=rrggbb (a
// department's house colour) when given.
func (s *Server) stylesheet(w http.ResponseWriter, r *http.Request) {
	body := s.css
	if c := r.URL.Query().Get("c"); c != "" {
		if !hexColour.MatchString(c) {
			s.neutral(w, r)
			return
		}
		body = []byte(css("#" + strings.ToLower(c)))
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(body)
}

var hexColour = regexp.MustCompile(`^[0-9a-fA-F]{6}$`)

// newPage starts a page in the request's language.
func (s *Server) newPage(r *http.Request, titleKey string) *page {
	lang := s.pageLang(r)
	p := &page{Lang: lang, Org: s.opt.OrgName, Logo: s.opt.LogoURL, Color: s.opt.PrimaryColor, Statement: s.opt.StatementURL, Path: r.URL.Path,
		Action: r.URL.Path + "?lang=" + lang, msgs: messages[lang], baseColor: s.opt.PrimaryColor}
	house(r, p)
	p.Title = p.T(titleKey)
	return p
}

// neutral is the one page for every bad, expired or dead link: same
// status and body whatever the reason. It does not speak the language of
// the token's campaign: that would tell a valid token of a gone contact
// from a forged one.
func (s *Server) neutral(w http.ResponseWriter, r *http.Request) {
	r = withoutCampaign(r)
	p := s.newPage(r, "neutral.title")
	p.Path = "/"
	p.D = p.T("neutral.body")
	s.render(w, http.StatusNotFound, "message", p)
}

func (s *Server) message(w http.ResponseWriter, r *http.Request, status int, titleKey, body string) {
	p := s.newPage(r, titleKey)
	p.D = body
	s.render(w, status, "message", p)
}

func (s *Server) unavailable(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "unavailable.title")
	s.message(w, r, http.StatusServiceUnavailable, "unavailable.title", p.T("unavailable.body"))
}

func (s *Server) csrfFailed(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "csrf.title")
	s.message(w, r, http.StatusForbidden, "csrf.title", p.T("csrf.body"))
}

// fail maps an error of an action to a page: gone → neutral, the client
// going away → httpapi.StatusClientClosed (nobody reads it; not logged as
// an error), anything else 503 (logged).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, optin.ErrGone) || errors.Is(err, rtoken.ErrInvalid) || errors.Is(err, rtoken.ErrExpired) {
		s.neutral(w, r)
		return
	}
	if httpapi.ClientGone(r, err) {
		s.log.Debug("public page: client closed the connection", slog.String("route", r.Pattern))
		w.WriteHeader(httpapi.StatusClientClosed)
		return
	}
	s.log.Error("public page failed", slog.String("route", r.Pattern), slog.Any("error", err))
	s.unavailable(w, r)
}

// token parses the {token} path value for a purpose; false: the neutral
// page, or for a link of a test mail the page saying so, was written (a
// test link changes nothing, on GET or POST).
func (s *Server) token(w http.ResponseWriter, r *http.Request, p rtoken.Purpose) (rtoken.Claims, bool) {
	c, err := s.keys().Parse(r.PathValue("token"), p)
	if err != nil {
		s.neutral(w, r)
		return c, false
	}
	if c.Test {
		r = withCampaignOf(r, c) // the notice speaks the campaign's language
		pg := s.newPage(r, "test.title")
		s.message(w, r, http.StatusOK, "test.title", pg.T("test.body"))
		return c, false
	}
	return c, true
}

// parseForm reads a form post within the size limit; false: the error
// page was written (413 for too large).
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(s.opt.MaxFormBytes)
	} else {
		err = r.ParseForm()
	}
	if err == nil {
		return true
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		p := s.newPage(r, "toolarge.title")
		s.message(w, r, http.StatusRequestEntityTooLarge, "toolarge.title", p.T("toolarge.body"))
		return false
	}
	s.message(w, r, http.StatusBadRequest, "csrf.title", s.newPage(r, "csrf.title").T("csrf.body"))
	return false
}

// limited reports whether the client has posted too many forms that send
// mail; if so the 429 page was written. A limiter error lets the post through.
func (s *Server) limited(w http.ResponseWriter, r *http.Request) bool {
	if s.opt.Limiter == nil {
		return false
	}
	ip := clientnet.Of(s.clientIP(r)).Addr()
	n, err := s.opt.Limiter.Hit(r.Context(), "form:"+s.r.ClientKey(ip.String()), s.opt.FormWindow)
	if err != nil {
		s.log.Warn("public form rate limit", slog.Any("error", err))
		return false
	}
	if n <= s.opt.FormsPerWindow {
		return false
	}
	p := s.newPage(r, "toomany.title")
	w.Header().Set("Retry-After", strconv.Itoa(int(s.opt.FormWindow/time.Second)))
	s.message(w, r, http.StatusTooManyRequests, "toomany.title", p.T("toomany.body"))
	return true
}

func (s *Server) who(r *http.Request) optin.Who {
	return optin.Who{IP: s.clientIP(r), UserAgent: r.UserAgent()}
}

// absURL is a public URL for path.
func (s *Server) absURL(path string) string {
	u, err := url.JoinPath(s.opt.BaseURL, path)
	if err != nil {
		return strings.TrimRight(s.opt.BaseURL, "/") + path
	}
	return u
}
