package staff

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/humantime"
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

// InviteAndSend invites a person (Invite) and sends them the link; an
// existing account's owner gets a mail asking them to join with their
// password instead of choosing one (the administrator's answer is alike).
func (s *Service) InviteAndSend(ctx context.Context, n NewPerson) (Person, Delivery, error) {
	p, secret, join, err := s.invite(ctx, n)
	if err != nil {
		return p, Delivery{}, err
	}
	if join && s.mail != nil {
		if err := s.mail.Send(ctx, p.Email, "Your postbode account", "",
			joinText(s.adminURL, secret, actorName(ctx), p.Memberships[0], s.opt.InviteTTL)); err != nil {
			return p, Delivery{}, fmt.Errorf("staff: mail invitation: %w", err)
		}
		return p, Delivery{Mailed: true}, nil
	}
	d, err := s.sendInvite(ctx, p, secret)
	return p, d, err
}

// ReinviteAndSend replaces an invited person's link (Reinvite) and sends it.
func (s *Service) ReinviteAndSend(ctx context.Context, personID int64) (Person, Delivery, error) {
	p, secret, err := s.Reinvite(ctx, personID)
	if err != nil {
		return p, Delivery{}, err
	}
	d, err := s.sendInvite(ctx, p, secret)
	return p, d, err
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
	if err := s.mail.Send(ctx, p.Email, "Reset your postbode password", "",
		resetText(s.adminURL, secret, s.opt.ResetTTL)); err != nil {
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
	if err := s.mail.Send(ctx, p.Email, "Choose a new postbode password", "",
		adminResetText(s.adminURL, secret, actorName(ctx), s.opt.ResetTTL)); err != nil {
		return p, Delivery{}, fmt.Errorf("staff: mail reset link: %w", err)
	}
	return p, Delivery{Mailed: true}, nil
}

// actorName is " by NAME" for the acting person of ctx, or "".
func actorName(ctx context.Context) string {
	if actor, ok := access.ActorFrom(ctx); ok && actor.Name != "" {
		return " by " + actor.Name
	}
	return ""
}

func (s *Service) sendInvite(ctx context.Context, p Person, secret string) (Delivery, error) {
	if s.mail == nil {
		return Delivery{Link: LinkURL(s.adminURL, InvitePath, secret)}, nil
	}
	if err := s.mail.Send(ctx, p.Email, "Your postbode account", "",
		inviteText(s.adminURL, secret, actorName(ctx), p, s.opt.InviteTTL)); err != nil {
		return Delivery{}, fmt.Errorf("staff: mail invitation: %w", err)
	}
	return Delivery{Mailed: true}, nil
}

// LinkURL is the one-time link for a token under the admin URL.
func LinkURL(adminURL, path, token string) string {
	return strings.TrimRight(adminURL, "/") + path + "?token=" + url.QueryEscape(token)
}

// inviteText says who invited the person, to which department and as what,
// as the mail to an existing account's owner does (joinText).
func inviteText(adminURL, token, inviter string, p Person, ttl time.Duration) string {
	where := " to postbode"
	if len(p.Memberships) > 0 {
		m := p.Memberships[0]
		where = fmt.Sprintf(" to the department %s of postbode, as %s", m.DepartmentName, m.Role)
	}
	return fmt.Sprintf("You have been invited%s%s.\n\nChoose your password here (the link works once, for %s):\n\n%s\n",
		inviter, where, humantime.Duration(ttl, "en"), LinkURL(adminURL, InvitePath, token))
}

func joinText(adminURL, token, inviter string, m Membership, ttl time.Duration) string {
	return fmt.Sprintf("You have been invited%s to the department %s of postbode, as %s. You have a postbode account already: open this link and enter your password to join (the link works once, for %s):\n\n%s\n\nIf you did not expect this, ignore this mail.\n",
		inviter, m.DepartmentName, m.Role, humantime.Duration(ttl, "en"), LinkURL(adminURL, InvitePath, token))
}

func resetText(adminURL, token string, ttl time.Duration) string {
	return fmt.Sprintf("Someone asked to reset your postbode password. If it was you, choose a new one here (the link works once, for %s):\n\n%s\n\nIf it was not you, ignore this mail.\n",
		humantime.Duration(ttl, "en"), LinkURL(adminURL, ResetPath, token))
}

func adminResetText(adminURL, token, by string, ttl time.Duration) string {
	return fmt.Sprintf("You were asked%s to choose a new postbode password. Your current password works until you do. Choose a new one here (the link works once, for %s):\n\n%s\n\nIf you did not expect this, tell your administrator.\n",
		by, humantime.Duration(ttl, "en"), LinkURL(adminURL, ResetPath, token))
}
