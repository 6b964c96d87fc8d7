package pages

// Handlers: subscribe (/s/{slug}) and double opt-in (/c/{token}).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/optin"
)

type subscribeData struct {
	List        optin.ListRef
	Email, Name string
	ConsentText string
	Retention   string
}

// retention says how long the details are kept, in the page's language.
func (s *Server) retention(p *page) string {
	if s.opt.RetentionDays > 0 {
		return p.Tf("sub.retention.days", s.opt.RetentionDays)
	}
	return p.T("sub.retention.asked")
}

// consent returns the consent text shown on the subscribe form and its
// version (language, and a hash of the exact text), stored as evidence
// with the retention sentence the form shows beside it.
func (s *Server) consent(p *page, l optin.ListRef) (text, version string) {
	text = p.Tf("sub.consent", p.Org, l.Name, l.Purpose)
	sum := sha256.Sum256([]byte(text + "\n" + s.retention(p)))
	return text, "subscribe-form/" + p.Lang + "/" + hex.EncodeToString(sum[:6])
}

func (s *Server) subscribeForm(w http.ResponseWriter, r *http.Request) {
	l, _, err := s.r.ListBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderSubscribe(w, r, http.StatusOK, l, "", "", "")
}

func (s *Server) renderSubscribe(w http.ResponseWriter, r *http.Request, status int, l optin.ListRef, email, name, errKey string) {
	p := s.newPage(r, "sub.title")
	p.Title = p.Tf("sub.title", l.Name)
	text, _ := s.consent(p, l)
	p.D = subscribeData{List: l, Email: email, Name: name, ConsentText: text, Retention: s.retention(p)}
	p.CSRF = s.csrfToken(w, r, r.URL.Path)
	if errKey != "" {
		p.Error = p.T(errKey)
	}
	s.render(w, status, "subscribe", p)
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	l, mode, err := s.r.ListBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	email, name := r.PostFormValue("email"), r.PostFormValue("name")
	if r.PostFormValue("consent") != "yes" {
		s.renderSubscribe(w, r, http.StatusUnprocessableEntity, l, email, name, "sub.err.consent")
		return
	}
	if !s.checkCSRF(r, r.URL.Path) {
		s.csrfFailed(w, r)
		return
	}
	if s.limited(w, r) {
		return
	}
	p := s.newPage(r, "sub.title")
	text, version := s.consent(p, l)
	if _, err := optin.ValidateSubscription(email, name); err != nil {
		key := "sub.err.email"
		var de *errs.Error
		if errors.As(err, &de) && de.Field == "name" {
			key = "sub.err.name"
		}
		s.renderSubscribe(w, r, http.StatusUnprocessableEntity, l, email, name, key)
		return
	}
	// Everything that looks at the address (blocklist, known contact,
	// consent, confirmation mail) runs in the background, and starts only
	// once the answer is sent: the answer is the same, in the same time,
	// for a new, a known and a blocklisted address (work running beside
	// the reply would slow it by a different amount for each).
	who := s.who(r)
	if !s.reserve() {
		s.unavailable(w, r)
		return
	}
	if mode == "double" {
		s.message(w, r, http.StatusOK, "sub.check.title", p.T("sub.check.body"))
	} else {
		s.message(w, r, http.StatusOK, "sub.done.title", p.Tf("sub.done.body", l.Name))
	}
	http.NewResponseController(w).Flush()
	s.background(r.Context(), func(ctx context.Context) {
		res, err := s.r.FormSubscribe(ctx, l.ID, email, name, who, version+": "+text+" "+s.retention(p))
		if err != nil {
			s.log.Error("subscribe form: not recorded", slog.Int64("list_id", l.ID), slog.Any("error", err))
			return
		}
		if res.NeedsConfirmation {
			s.sendConfirmation(ctx, p, l, res)
		}
	})
}

// maxBackground bounds the form submissions being processed at once.
const maxBackground = 64

// reserve takes a slot for one background run, unless maxBackground runs
// are in progress: then it reports false and the visitor is asked to try
// again, whatever the address. The run counts for Wait from here on, so a
// Wait after the answer is sent always waits for it.
func (s *Server) reserve() bool {
	select {
	case s.slots <- struct{}{}:
		s.bg.Add(1)
		return true
	default:
		return false
	}
}

// background runs fn in the slot reserve took, with a context that
// outlives the request (bounded by a minute).
func (s *Server) background(ctx context.Context, fn func(context.Context)) {
	go func() {
		defer func() { <-s.slots; s.bg.Done() }()
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		fn(bctx)
	}()
}

// sendConfirmation mails the double opt-in link in the background (at most
// one mail per contact and list per 10 minutes), so the page answers at
// once and in the same time whether a mail is sent.
func (s *Server) sendConfirmation(ctx context.Context, p *page, l optin.ListRef, res optin.SubscribeResult) {
	if s.opt.Mailer == nil {
		s.log.Warn("double opt-in: no mailer configured; confirmation not sent", slog.String("domain", contacts.Domain(res.Email)))
		return
	}
	if s.nonces != nil {
		if ok, err := s.nonces.Use(ctx, fmt.Sprintf("optin-mail:%d:%d", res.ContactID, l.ID), 10*time.Minute); err == nil && !ok {
			return
		}
	}
	subject, html, text := s.confirmMail(p, l, res.ContactID, time.Now().Add(s.opt.ConfirmExpiry),
		p.Tf("mail.confirm.subject", l.Name), p.Tf("mail.confirm.body", l.Name, p.Org))
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := s.opt.Mailer.Send(sctx, res.Email, subject, html, text); err != nil {
			s.log.Warn("double opt-in mail not sent", slog.String("domain", contacts.Domain(res.Email)), slog.Any("error", err))
		}
	}()
}

// confirmMail builds a mail with a confirmation link for the contact and
// list (valid until expires), the list's purpose and how long data is kept.
func (s *Server) confirmMail(p *page, l optin.ListRef, contactID int64, expires time.Time, subject, body string) (string, string, string) {
	tok := s.keys().Mint(rtoken.Claims{Purpose: rtoken.Confirm, ContactID: contactID, CampaignID: l.ID, Expires: expires})
	link := s.absURL(rtoken.Path(rtoken.Confirm)+"/"+tok) + "?lang=" + p.Lang
	purpose, keep := p.Tf("sub.purpose", l.Purpose), s.retention(p)
	var html strings.Builder
	confirmMailHTML.Execute(&html, map[string]string{"Lang": p.Lang, "Body": body, "Link": link, "Purpose": purpose, "Retention": keep,
		"Statement": s.opt.StatementURL, "StatementText": p.T("footer.statement"),
		"Button": p.T("mail.confirm.button"), "Color": p.Color, "Org": p.Org})
	text := body + "\n\n" + p.T("mail.confirm.button") + ": " + link + "\n\n" + purpose + "\n" + keep + "\n"
	if s.opt.StatementURL != "" {
		text += p.T("footer.statement") + ": " + s.opt.StatementURL + "\n"
	}
	text += "\n" + p.Org + "\n"
	return subject, html.String(), text
}

var confirmMailHTML = template.Must(template.New("mail").Parse(`<!doctype html>
<html lang="{{.Lang}}"><body style="font-family:Arial,sans-serif;color:#1a1a1a">
<p>{{.Body}}</p>
<p><a href="{{.Link}}" style="display:inline-block;padding:12px 20px;background:{{.Color}};color:#ffffff;text-decoration:none;border-radius:4px">{{.Button}}</a></p>
<p style="font-size:13px;color:#555">{{.Link}}</p>
<p>{{.Purpose}}<br>{{.Retention}}</p>
{{if .Statement}}<p><a href="{{.Statement}}">{{.StatementText}}</a></p>{{end}}
<p>{{.Org}}</p>
</body></html>`))

// actionData is the body of the "action" page: one choice, one button.
type actionData struct {
	Body, Button, Class string
	Hidden              map[string]string
}

func (s *Server) actionPage(w http.ResponseWriter, r *http.Request, titleKey, body, buttonKey, class string, hidden map[string]string) {
	p := s.newPage(r, titleKey)
	p.D = actionData{Body: body, Button: p.T(buttonKey), Class: class, Hidden: hidden}
	p.CSRF = s.csrfToken(w, r, r.URL.Path)
	s.render(w, http.StatusOK, "action", p)
}

// confirmClaims checks a confirmation token: contact and list must exist.
func (s *Server) confirmClaims(w http.ResponseWriter, r *http.Request) (rtoken.Claims, optin.ListRef, bool) {
	c, ok := s.token(w, r, rtoken.Confirm)
	if !ok {
		return c, optin.ListRef{}, false
	}
	if _, err := s.r.Contact(r.Context(), c.ContactID); err != nil {
		s.fail(w, r, err)
		return c, optin.ListRef{}, false
	}
	l, err := s.r.List(r.Context(), c.CampaignID)
	if err != nil {
		s.fail(w, r, err)
		return c, l, false
	}
	return c, l, true
}

func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request) {
	_, l, ok := s.confirmClaims(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, "conf.title")
	s.actionPage(w, r, "conf.title", p.Tf("conf.body", l.Name), "conf.button", "", nil)
}

func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	c, l, ok := s.confirmClaims(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if !s.checkCSRF(r, r.URL.Path) {
		s.csrfFailed(w, r)
		return
	}
	if err := s.r.ConfirmSubscription(r.Context(), c.ContactID, l.ID, s.who(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "conf.done.title")
	s.message(w, r, http.StatusOK, "conf.done.title", p.Tf("conf.done.body", l.Name))
}
