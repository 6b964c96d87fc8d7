package staff

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Link paths the admin console serves: a form that takes the token and a
// new password (the JSON API takes the same at /api/v1/auth/accept and
// /api/v1/auth/reset).
const (
	InvitePath = "/console/invite"
	ResetPath  = "/console/reset"
)

// Mailer sends one transactional mail (invitations, password resets).
type Mailer interface {
	Send(ctx context.Context, to, subject, html, text string) error
}

// Delivery tells how a one-time link went out: mailed to the person, or,
// when no mailer is configured, as Link for the administrator to pass on.
type Delivery struct {
	Mailed bool   `json:"mailed,omitempty"`
	Link   string `json:"link,omitempty"`
}

// SetMailer sets how invitation and reset links are sent and the admin URL
// they point under (e.g. https://admin.example.org). Without a mailer the
// links are handed to the inviting administrator. Call before serving.
func (s *Service) SetMailer(m Mailer, adminURL string) {
	s.mail, s.adminURL = m, strings.TrimRight(adminURL, "/")
}

// InviteAndSend records an invitation (Invite) and mails its link, or,
// without a mailer, returns the link for the administrator to pass on. The
// mail is the same whether or not the address has an account: the link's
// page tells its owner what to do.
func (s *Service) InviteAndSend(ctx context.Context, n NewPerson) (Invitation, Delivery, error) {
	v, secret, err := s.Invite(ctx, n)
	if err != nil {
		return v, Delivery{}, err
	}
	d, err := s.sendInvite(ctx, v, secret)
	return v, d, err
}

// ResendInvitation gives an open invitation of department dept a new link
// (RenewInvitation) and sends it.
func (s *Service) ResendInvitation(ctx context.Context, dept int64, id string) (Invitation, Delivery, error) {
	v, secret, err := s.RenewInvitation(ctx, dept, id)
	if err != nil {
		return v, Delivery{}, err
	}
	d, err := s.sendInvite(ctx, v, secret)
	return v, d, err
}

// SendReset mails a password reset link to an active person, after the
// answer: it starts the work (RequestReset and the mail) in the background
// and returns at once, so the edge answers alike, in the same time, whether
// or not the address has an account, and whether or not its mail can be
// delivered. An unknown or inactive address, an account past
// ResetLinksPerHour, or a missing mailer mails nothing; a failed mail is
// logged. At most maxResetsInFlight run at once; past that a request mails
// nothing (the answer is still the same). Wait waits for them.
func (s *Service) SendReset(ctx context.Context, email string) error {
	select {
	case s.resets <- struct{}{}:
	default:
		s.log.Warn("password reset request dropped: too many in progress")
		return nil
	}
	s.bg.Add(1)
	go func() {
		defer func() { <-s.resets; s.bg.Done() }()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := s.sendReset(ctx, email); err != nil {
			s.log.Warn("password reset link not sent", slog.Any("error", err))
		}
	}()
	return nil
}

// maxResetsInFlight bounds the reset requests being worked on at once.
const maxResetsInFlight = 64

// Wait waits for the reset mails started by SendReset.
func (s *Service) Wait() { s.bg.Wait() }

func (s *Service) sendReset(ctx context.Context, email string) error {
	p, secret, err := s.RequestReset(ctx, email)
	if err == ErrNotFound || err == errResetLimited || (err == nil && s.mail == nil) {
		return nil
	}
	if err != nil {
		return err
	}
	lang := s.MailLang(ctx, p.Email)
	if err := s.mail.Send(ctx, p.Email, mailText(lang, "reset.subject"), "",
		resetText(lang, s.adminURL, secret, s.opt.ResetTTL)); err != nil {
		return fmt.Errorf("staff: mail reset link of person %d: %w", p.ID, err)
	}
	return nil
}

// AdminResetAndSend makes a reset link on an administrator's request
// (AdminReset) and mails it to the person, or, without a mailer, returns
// it for the administrator to pass on, as an invitation.
func (s *Service) AdminResetAndSend(ctx context.Context, personID int64) (Person, Delivery, error) {
	p, secret, err := s.AdminReset(ctx, personID)
	if err != nil {
		return p, Delivery{}, err
	}
	if s.mail == nil {
		return p, Delivery{Link: LinkURL(s.adminURL, ResetPath, secret)}, nil
	}
	lang := s.MailLang(ctx, p.Email)
	if err := s.mail.Send(ctx, p.Email, mailText(lang, "adminreset.subject"), "",
		adminResetText(lang, s.adminURL, secret, byActor(ctx, lang), s.opt.ResetTTL)); err != nil {
		return p, Delivery{}, fmt.Errorf("staff: mail reset link: %w", err)
	}
	return p, Delivery{Mailed: true}, nil
}

func (s *Service) sendInvite(ctx context.Context, v Invitation, secret string) (Delivery, error) {
	if s.mail == nil {
		return Delivery{Link: LinkURL(s.adminURL, InvitePath, secret)}, nil
	}
	lang := s.MailLang(ctx, v.Email)
	if err := s.mail.Send(ctx, v.Email, mailText(lang, "invite.subject"), "",
		inviteText(lang, s.adminURL, secret, byActor(ctx, lang), v, s.opt.InviteTTL)); err != nil {
		return Delivery{}, fmt.Errorf("staff: mail invitation: %w", err)
	}
	return Delivery{Mailed: true}, nil
}

// LinkURL is the one-time link for a token under the admin URL.
func LinkURL(adminURL, path, token string) string {
	return strings.TrimRight(adminURL, "/") + path + "?token=" + url.QueryEscape(token)
}
