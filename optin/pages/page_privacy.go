package pages

// Handlers: privacy requests (/privacy, /q/{token}, /r/{token}).

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/privacy"
)

var privacyKinds = map[string]bool{"access": true, "erasure": true, "rectification": true, "restriction": true, "objection": true}

func (s *Server) privacyForm(w http.ResponseWriter, r *http.Request) {
	if s.opt.Privacy == nil {
		s.unavailable(w, r)
		return
	}
	p := s.newPage(r, "priv.title")
	p.CSRF = s.csrfToken(w, r, r.URL.Path)
	p.D = contactForm{Max: privacy.MaxRequestDetails}
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
	var details string
	if kind == privacy.KindRectification {
		details = r.PostFormValue("details")
	}
	if _, err := contacts.NormalizeEmail("email", email); err != nil || !privacyKinds[kind] {
		s.privacyFormError(w, r, p, p.T("sub.err.email"), contactForm{Email: email, Kind: kind, Details: details})
		return
	}
	// The same rule as the recipient link's form, before anything else
	// happens (the rest runs in the background).
	if _, err := privacy.CheckDetails(kind, details); err != nil {
		s.privacyFormError(w, r, p, p.Tf("priv.err.details", privacy.MaxRequestDetails), contactForm{Email: email, Kind: kind, Details: details})
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
		if err := s.opt.Privacy.RequestByEmail(ctx, email, kind, details, ipString(who), who.UserAgent, p.Lang); err != nil {
			s.log.Warn("privacy request by email failed", slog.Any("error", err))
		}
	}()
	s.message(w, r, http.StatusOK, "priv.sent.title", p.T("priv.sent.body"))
}

// privacyFormError shows the public privacy form again with an error and
// the text typed.
func (s *Server) privacyFormError(w http.ResponseWriter, r *http.Request, p *page, msg string, f contactForm) {
	p.CSRF = s.csrfToken(w, r, r.URL.Path)
	p.Error = msg
	f.Email, f.Kind, f.Details = errs.Printable(f.Email), errs.Printable(f.Kind), errs.Printable(f.Details)
	f.Max = privacy.MaxRequestDetails
	p.D = f
	s.render(w, http.StatusUnprocessableEntity, "privacy_form", p)
}

func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) {
	if s.opt.Privacy == nil {
		s.unavailable(w, r)
		return
	}
	kind, details, err := s.opt.Privacy.PendingRequest(r.Context(), r.PathValue("token"))
	if err != nil {
		if errors.Is(err, rtoken.ErrInvalid) || errors.Is(err, rtoken.ErrExpired) {
			s.neutral(w, r)
			return
		}
		s.fail(w, r, err)
		return
	}
	// The page names what the button confirms and quotes the text typed
	// with a rectification: anyone may have typed it on the public form.
	p := s.newPage(r, "priv.confirm.title")
	p.D = verifyData{Kind: p.T("priv.kind." + kind), Details: errs.Printable(details)}
	p.CSRF = s.csrfToken(w, r, r.URL.Path)
	s.render(w, http.StatusOK, "privacy_verify", p)
}

// verifyData is what a verification link would confirm.
type verifyData struct{ Kind, Details string }

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
	kind, recorded, err := s.opt.Privacy.ConfirmRequest(r.Context(), r.PathValue("token"), ipString(who), who.UserAgent)
	if err != nil {
		if errors.Is(err, rtoken.ErrInvalid) || errors.Is(err, rtoken.ErrExpired) || errors.Is(err, optin.ErrGone) || errors.Is(err, contacts.ErrNotFound) {
			s.neutral(w, r)
			return
		}
		s.fail(w, r, err)
		return
	}
	// Only the POST that recorded the request logs it: the same link
	// posted again (a reload, a second click) changed nothing.
	if c, err := s.keys().Parse(r.PathValue("token"), rtoken.Verify); err == nil && recorded {
		s.r.Log().Record(r.Context(), optin.Action{ContactID: c.ContactID, Action: optin.ActPrivacyVerified, Detail: kind, IP: who.IP, UserAgent: who.UserAgent})
	}
	p := s.newPage(r, "priv.recv.title")
	s.message(w, r, http.StatusOK, "priv.recv.title", p.Tf("priv.confirmed.body", p.T("priv.kind."+kind)))
}

// contactForm is the data of the privacy page of a recipient link: the
// rectification text typed (shown again with an error) and its bound.
type contactForm struct {
	Email, Kind string // the public form's
	Details     string
	Max         int
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
	p.D = contactForm{Max: privacy.MaxRequestDetails}
	s.render(w, http.StatusOK, "privacy_contact", p)
}

// privacyContact records a request of any kind for the contact of the link;
// a rectification carries what should be corrected (details).
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
	var details string
	if kind == privacy.KindRectification {
		details = r.PostFormValue("details")
	}
	who := s.who(r)
	p := s.newPage(r, "priv.recv.title")
	if err := s.opt.Privacy.RequestForContact(r.Context(), c.ContactID, kind, details, ipString(who), who.UserAgent, p.Lang); err != nil {
		var bad *errs.Error
		if errors.As(err, &bad) && bad.Field == "details" {
			p = s.newPage(r, "priv.title")
			p.CSRF = s.csrfToken(w, r, r.URL.Path)
			p.Error = p.Tf("priv.err.details", privacy.MaxRequestDetails)
			p.D = contactForm{Details: errs.Printable(details), Max: privacy.MaxRequestDetails}
			s.render(w, http.StatusUnprocessableEntity, "privacy_contact", p)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.r.Log().Record(r.Context(), optin.Action{ContactID: c.ContactID, CampaignID: c.CampaignID, Action: optin.ActPrivacyRequest, Detail: kind, IP: who.IP, UserAgent: who.UserAgent})
	s.message(w, r, http.StatusOK, "priv.recv.title", p.T("priv.recv.body"))
}

func ipString(w optin.Who) string {
	if !w.IP.IsValid() {
		return ""
	}
	return w.IP.String()
}
