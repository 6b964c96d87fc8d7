package pages

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/postbode/postbode/internal/identity"
	"github.com/postbode/postbode/optin"
)

// ErrNoMailer is returned by SendRepermission when no mailer is configured.
var ErrNoMailer = errors.New("pages: no mailer configured")

// SendRepermission mails a re-confirmation for a list (an
// optin.RepermissionSender): the double opt-in mail with its own text,
// whose link, valid for the grace period, confirms the subscription again
// on the confirm page. It is sent in the contact's language
// (optin.Recipients.ContactLang: the language of the campaigns they get,
// else of the form they subscribed through, else the default), under the
// identity of the contact's department (the one that owns the list).
func (s *Server) SendRepermission(ctx context.Context, d optin.RepermissionDue) error {
	if s.opt.Mailer == nil {
		return ErrNoMailer
	}
	lang, err := s.r.ContactLang(ctx, d.ContactID, d.List.ID)
	if err != nil {
		return fmt.Errorf("pages: repermission mail: %w", err)
	}
	if lang != "en" && lang != "nl" {
		lang = s.opt.DefaultLang
	}
	p := &page{Lang: lang, Org: s.opt.OrgName, Logo: s.opt.LogoURL, Color: s.opt.PrimaryColor, msgs: messages[lang]}
	id, err := s.r.Identity(ctx, d.ContactID)
	if err != nil {
		return fmt.Errorf("pages: repermission mail: %w", err)
	}
	id.Apply(&p.Org, &p.Logo, &p.Color)
	ctx = identity.With(ctx, id)
	grace := time.Duration(d.GraceDays) * 24 * time.Hour
	subject, html, text := s.confirmMail(p, d.List, d.ContactID, time.Now().Add(grace),
		p.Tf("mail.repermission.subject", d.List.Name), p.Tf("mail.repermission.body", d.List.Name, p.Org, d.GraceDays))
	return s.opt.Mailer.Send(ctx, d.Email, subject, html, text)
}
