package pages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/optin"
)

// ---- subscribe (/s/{slug}) and double opt-in (/c/{token})

type subscribeData struct {
	List           optin.ListRef
	Email, Name    string
	ConsentText    string
	ConsentVersion string
}

// consent returns the consent text shown on the subscribe form and its
// version (language, and a hash of the exact text), stored as evidence.
func (s *Server) consent(p *page, l optin.ListRef) (text, version string) {
	text = p.Tf("sub.consent", s.opt.OrgName, l.Name, l.Purpose)
	sum := sha256.Sum256([]byte(text))
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
	text, version := s.consent(p, l)
	p.D = subscribeData{List: l, Email: email, Name: name, ConsentText: text, ConsentVersion: version}
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
	res, err := s.r.FormSubscribe(r.Context(), l.ID, email, name, s.who(r), version+": "+text)
	var de *errs.Error
	if errors.As(err, &de) && de.Kind == errs.KindInvalid {
		key := "sub.err.email"
		if de.Field == "name" {
			key = "sub.err.name"
		}
		s.renderSubscribe(w, r, http.StatusUnprocessableEntity, l, email, name, key)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if res.NeedsConfirmation {
		s.sendConfirmation(r.Context(), p, l, res)
	}
	// The same page whether the address was new, known or blocklisted.
	if mode == "double" {
		s.message(w, r, http.StatusOK, "sub.check.title", p.T("sub.check.body"))
		return
	}
	s.message(w, r, http.StatusOK, "sub.done.title", p.Tf("sub.done.body", l.Name))
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
	tok := s.keys().Mint(rtoken.Claims{Purpose: rtoken.Confirm, ContactID: res.ContactID, CampaignID: l.ID,
		Expires: time.Now().Add(s.opt.ConfirmExpiry)})
	link := s.absURL(rtoken.Path(rtoken.Confirm)+"/"+tok) + "?lang=" + p.Lang
	subject := p.Tf("mail.confirm.subject", l.Name)
	body := p.Tf("mail.confirm.body", l.Name, s.opt.OrgName)
	var html strings.Builder
	confirmMailHTML.Execute(&html, map[string]string{"Lang": p.Lang, "Body": body, "Link": link,
		"Button": p.T("mail.confirm.button"), "Color": s.opt.PrimaryColor, "Org": s.opt.OrgName})
	text := body + "\n\n" + p.T("mail.confirm.button") + ": " + link + "\n\n" + s.opt.OrgName + "\n"
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := s.opt.Mailer.Send(sctx, res.Email, subject, html.String(), text); err != nil {
			s.log.Warn("double opt-in mail not sent", slog.String("domain", contacts.Domain(res.Email)), slog.Any("error", err))
		}
	}()
}

var confirmMailHTML = template.Must(template.New("mail").Parse(`<!doctype html>
<html lang="{{.Lang}}"><body style="font-family:Arial,sans-serif;color:#1a1a1a">
<p>{{.Body}}</p>
<p><a href="{{.Link}}" style="display:inline-block;padding:12px 20px;background:{{.Color}};color:#ffffff;text-decoration:none;border-radius:4px">{{.Button}}</a></p>
<p style="font-size:13px;color:#555">{{.Link}}</p>
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

// ---- unsubscribe (/u/{token}), RFC 8058 one-click

type unsubscribeData struct {
	Email         string
	Lists         []optin.ListRef
	CampaignLists string
}

func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.token(w, r, rtoken.Unsubscribe)
	if !ok {
		return
	}
	ct, err := s.r.Contact(r.Context(), c.ContactID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lists, err := s.r.SubscribedLists(r.Context(), c.ContactID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	camp, err := s.r.CampaignLists(r.Context(), c.CampaignID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var names []string
	for _, l := range lists {
		for _, id := range camp {
			if l.ID == id {
				names = append(names, l.Name)
			}
		}
	}
	p := s.newPage(r, "unsub.title")
	p.D = unsubscribeData{Email: contacts.RedactEmail(ct.Email), Lists: lists, CampaignLists: strings.Join(names, ", ")}
	p.CSRF = s.csrfToken(w, r, r.URL.Path)
	s.render(w, http.StatusOK, "unsubscribe", p)
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	c, ok := s.token(w, r, rtoken.Unsubscribe)
	if !ok {
		return
	}
	if r.Header.Get("Content-Type") == "" {
		// A one-click POST without a content type is read as a form.
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if !s.parseForm(w, r) {
		return
	}
	// RFC 8058 §3.2: a POST whose body is "List-Unsubscribe=One-Click"
	// unsubscribes at once; no cookie or form token is involved.
	oneClick := r.PostFormValue("List-Unsubscribe") == "One-Click"
	if !oneClick && !s.checkCSRF(r, r.URL.Path) {
		s.csrfFailed(w, r)
		return
	}
	all := !oneClick && r.PostFormValue("scope") == "all"
	if _, err := s.r.Unsubscribe(r.Context(), c.ContactID, c.CampaignID, all, oneClick, s.who(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "unsub.done.title")
	s.message(w, r, http.StatusOK, "unsub.done.title", p.T("unsub.done.body"))
}

// ---- update your details (/p/{token})

type kv struct{ Key, Value string }

type updateData struct {
	Base, Name, Email, Lists string
	Attrs                    []kv
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) (rtoken.Claims, contacts.Contact, bool) {
	c, ok := s.token(w, r, rtoken.Update)
	if !ok {
		return c, contacts.Contact{}, false
	}
	ct, err := s.r.Contact(r.Context(), c.ContactID)
	if err != nil {
		s.fail(w, r, err)
		return c, ct, false
	}
	return c, ct, true
}

func (s *Server) attrs(current map[string]any, override map[string]string) []kv {
	var out []kv
	for _, k := range s.r.EditableAttributes() {
		v := ""
		if x, ok := current[k]; ok && x != nil {
			v = fmt.Sprint(x)
		}
		if o, ok := override[k]; ok {
			v = o
		}
		out = append(out, kv{k, v})
	}
	return out
}

func (s *Server) updatePage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.token(w, r, rtoken.Update)
	if !ok {
		return
	}
	v, err := s.r.UpdateView(r.Context(), c.ContactID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.r.ViewedUpdate(r.Context(), c.ContactID, c.CampaignID, s.who(r))
	p := s.newPage(r, "upd.title")
	switch r.URL.Query().Get("answer") {
	case "ok":
		s.actionPage(w, r, "upd.ok", p.T("upd.ok.body"), "upd.ok.button", "", map[string]string{"answer": "ok"})
	case "remove":
		s.actionPage(w, r, "upd.remove", p.T("upd.remove.body"), "upd.remove.button", "danger", map[string]string{"answer": "remove"})
	case "change":
		s.renderChange(w, r, http.StatusOK, v.Attributes, v.Name, nil, "")
	default:
		p.D = updateData{Base: r.URL.Path, Name: v.Name, Email: v.Email, Lists: v.Lists, Attrs: s.attrs(v.Attributes, nil)}
		s.render(w, http.StatusOK, "update", p)
	}
}

func (s *Server) renderChange(w http.ResponseWriter, r *http.Request, status int, current map[string]any, name string, attrs map[string]string, errField string) {
	p := s.newPage(r, "upd.change.title")
	p.D = updateData{Name: name, Attrs: s.attrs(current, attrs)}
	p.CSRF = s.csrfToken(w, r, r.URL.Path)
	if errField != "" {
		label := errField
		if errField == "name" {
			label = p.T("upd.name")
		}
		p.Error = p.Tf("upd.err", strings.TrimPrefix(label, "attributes."))
	}
	s.render(w, status, "update_change", p)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	c, ct, ok := s.updateContact(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if !s.checkCSRF(r, r.URL.Path) {
		s.csrfFailed(w, r)
		return
	}
	who := s.who(r)
	p := s.newPage(r, "upd.title")
	var err error
	switch r.PostFormValue("answer") {
	case "ok":
		if err = s.r.AnswerOK(r.Context(), c.ContactID, c.CampaignID, who); err == nil {
			s.message(w, r, http.StatusOK, "upd.title", p.T("upd.ok.done"))
		}
	case "remove":
		if err = s.r.AnswerRemove(r.Context(), c.ContactID, c.CampaignID, who); err == nil {
			s.message(w, r, http.StatusOK, "upd.title", p.T("upd.remove.done"))
		}
	case "change":
		d := optin.Details{Name: r.PostFormValue("name"), Attributes: map[string]string{}}
		for _, k := range s.r.EditableAttributes() {
			if vs, ok := r.PostForm["attr."+k]; ok && len(vs) > 0 {
				d.Attributes[k] = vs[0]
			}
		}
		var res optin.ChangeResult
		res, err = s.r.SaveDetails(r.Context(), c.ContactID, c.CampaignID, d, who)
		var de *errs.Error
		if errors.As(err, &de) && de.Kind == errs.KindInvalid {
			s.renderChange(w, r, http.StatusUnprocessableEntity, ct.Attributes, d.Name, d.Attributes, de.Field)
			return
		}
		if err == nil {
			key := "upd.changed.done"
			if res.Pending {
				key = "upd.pending.done"
			}
			s.message(w, r, http.StatusOK, "upd.title", p.T(key))
		}
	default:
		s.csrfFailed(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, err)
	}
}

// ---- privacy requests (/privacy, /q/{token}, /r/{token})

var privacyKinds = map[string]bool{"access": true, "erasure": true}

func (s *Server) privacyForm(w http.ResponseWriter, r *http.Request) {
	if s.opt.Privacy == nil {
		s.unavailable(w, r)
		return
	}
	p := s.newPage(r, "priv.title")
	p.CSRF = s.csrfToken(w, r, r.URL.Path)
	s.render(w, http.StatusOK, "privacy_form", p)
}

func (s *Server) privacyRequest(w http.ResponseWriter, r *http.Request) {
	if s.opt.Privacy == nil {
		s.unavailable(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	if !s.checkCSRF(r, r.URL.Path) {
		s.csrfFailed(w, r)
		return
	}
	if s.limited(w, r) {
		return
	}
	p := s.newPage(r, "priv.title")
	email, kind := r.PostFormValue("email"), r.PostFormValue("kind")
	if _, err := contacts.NormalizeEmail("email", email); err != nil || !privacyKinds[kind] {
		p.CSRF = s.csrfToken(w, r, r.URL.Path)
		p.Error = p.T("sub.err.email")
		s.render(w, http.StatusUnprocessableEntity, "privacy_form", p)
		return
	}
	// In the background: the answer takes the same time whether or not
	// the address is known (and a mail goes out).
	who := s.who(r)
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Minute)
		defer cancel()
		if err := s.opt.Privacy.RequestByEmail(ctx, email, kind, ipString(who), who.UserAgent, p.Lang); err != nil {
			s.log.Warn("privacy request by email failed", slog.Any("error", err))
		}
	}()
	s.message(w, r, http.StatusOK, "priv.sent.title", p.T("priv.sent.body"))
}

func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) {
	if s.opt.Privacy == nil {
		s.unavailable(w, r)
		return
	}
	if _, err := s.keys().Parse(r.PathValue("token"), rtoken.Verify); err != nil {
		s.neutral(w, r)
		return
	}
	p := s.newPage(r, "priv.confirm.title")
	s.actionPage(w, r, "priv.confirm.title", p.T("priv.confirm.body"), "priv.confirm.button", "", nil)
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) {
	if s.opt.Privacy == nil {
		s.unavailable(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	if !s.checkCSRF(r, r.URL.Path) {
		s.csrfFailed(w, r)
		return
	}
	who := s.who(r)
	kind, err := s.opt.Privacy.ConfirmRequest(r.Context(), r.PathValue("token"), ipString(who), who.UserAgent)
	if err != nil {
		if errors.Is(err, rtoken.ErrInvalid) || errors.Is(err, rtoken.ErrExpired) || errors.Is(err, optin.ErrGone) || errors.Is(err, contacts.ErrNotFound) {
			s.neutral(w, r)
			return
		}
		s.fail(w, r, err)
		return
	}
	if c, err := s.keys().Parse(r.PathValue("token"), rtoken.Verify); err == nil {
		s.r.Log().Record(r.Context(), optin.Action{ContactID: c.ContactID, Action: optin.ActPrivacyVerified, Detail: kind, IP: who.IP, UserAgent: who.UserAgent})
	}
	p := s.newPage(r, "priv.recv.title")
	s.message(w, r, http.StatusOK, "priv.recv.title", p.Tf("priv.confirmed.body", p.T("priv.kind."+kind)))
}

func (s *Server) privacyContactPage(w http.ResponseWriter, r *http.Request) {
	if s.opt.Privacy == nil {
		s.unavailable(w, r)
		return
	}
	c, ok := s.token(w, r, rtoken.Privacy)
	if !ok {
		return
	}
	if _, err := s.r.Contact(r.Context(), c.ContactID); err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "priv.title")
	p.CSRF = s.csrfToken(w, r, r.URL.Path)
	s.render(w, http.StatusOK, "privacy_contact", p)
}

func (s *Server) privacyContact(w http.ResponseWriter, r *http.Request) {
	if s.opt.Privacy == nil {
		s.unavailable(w, r)
		return
	}
	c, ok := s.token(w, r, rtoken.Privacy)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if _, err := s.r.Contact(r.Context(), c.ContactID); err != nil {
		s.fail(w, r, err)
		return
	}
	kind := r.PostFormValue("kind")
	if !privacyKinds[kind] || !s.checkCSRF(r, r.URL.Path) {
		s.csrfFailed(w, r)
		return
	}
	who := s.who(r)
	if err := s.opt.Privacy.RequestForContact(r.Context(), c.ContactID, kind, ipString(who), who.UserAgent); err != nil {
		s.fail(w, r, err)
		return
	}
	s.r.Log().Record(r.Context(), optin.Action{ContactID: c.ContactID, CampaignID: c.CampaignID, Action: optin.ActPrivacyRequest, Detail: kind, IP: who.IP, UserAgent: who.UserAgent})
	p := s.newPage(r, "priv.recv.title")
	s.message(w, r, http.StatusOK, "priv.recv.title", p.T("priv.recv.body"))
}

func ipString(w optin.Who) string {
	if !w.IP.IsValid() {
		return ""
	}
	return w.IP.String()
}

// ---- tracking (/o/{token}, /l/{token}) and view in browser (/v/{token})

// gif is a transparent 1x1 GIF.
var gif = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// open answers every request with the pixel (an image must never show an
// error page); a valid token records the first open.
func (s *Server) open(w http.ResponseWriter, r *http.Request) {
	if c, err := s.keys().Parse(r.PathValue("token"), rtoken.Open); err == nil {
		if err := s.r.RecordOpen(r.Context(), c.ContactID, c.CampaignID, s.who(r)); err != nil && !errors.Is(err, optin.ErrGone) {
			s.log.Warn("record open", slog.Any("error", err))
		}
	}
	w.Header().Set("Content-Type", "image/gif")
	w.Write(gif)
}

// click redirects to u when it is one of the campaign's links (an open
// redirect otherwise) and records the click; anything else is neutral.
func (s *Server) click(w http.ResponseWriter, r *http.Request) {
	c, ok := s.token(w, r, rtoken.Click)
	if !ok {
		return
	}
	target := r.URL.Query().Get("u")
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		s.neutral(w, r)
		return
	}
	allowed, err := s.links.Allowed(r.Context(), c.CampaignID, target)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !allowed {
		s.neutral(w, r)
		return
	}
	if err := s.r.RecordClick(r.Context(), c.ContactID, c.CampaignID, target, s.who(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, target, http.StatusFound)
}

func (s *Server) view(w http.ResponseWriter, r *http.Request) {
	c, ok := s.token(w, r, rtoken.View)
	if !ok {
		return
	}
	if s.opt.Viewer == nil {
		s.unavailable(w, r)
		return
	}
	html, err := s.opt.Viewer.View(r.Context(), c.CampaignID, c.ContactID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The mail's own styles are inline; scripts never run.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(html))
}
