package staff

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
)

// Invite creates an invited person with a role in a department and returns
// the secret of their one-time invitation link (valid InviteTTL). The
// person sets a password with AcceptInvite.
func (s *Service) Invite(ctx context.Context, n NewPerson) (Person, string, error) {
	if err := n.validate(); err != nil {
		return Person{}, "", err
	}
	p, err := s.createPerson(ctx, n, StatusInvited, "", "person-invite")
	if err != nil {
		return p, "", err
	}
	secret, err := s.newLink(ctx, p.ID, "invite")
	return p, secret, err
}

// Reinvite replaces an invited person's link (the old one stops working).
func (s *Service) Reinvite(ctx context.Context, personID int64) (Person, string, error) {
	p, err := s.Get(ctx, personID)
	if err != nil {
		return p, "", err
	}
	if p.Status != StatusInvited {
		return p, "", ErrLinkInvalid
	}
	secret, err := s.newLink(ctx, p.ID, "invite")
	return p, secret, err
}

// AcceptInvite sets the password of an invited person from a valid
// invitation link and makes them active; the link is used up.
func (s *Service) AcceptInvite(ctx context.Context, secret, password string) (Person, error) {
	return s.useLink(ctx, secret, "invite", password)
}

// RequestReset returns a one-time password reset link (valid ResetTTL) for
// an active person. For an unknown or inactive address it returns
// ErrNotFound; the edge answers alike in both cases.
func (s *Service) RequestReset(ctx context.Context, email string) (Person, string, error) {
	ctx = unscoped(ctx)
	p, err := scanPerson(s.db.QueryRow(ctx, `SELECT `+personCols+` FROM persons WHERE lower(email) = lower($1)
		AND status = 'active'`, strings.TrimSpace(email)))
	if err != nil {
		return p, "", notFound(err, ErrNotFound)
	}
	secret, err := s.newLink(ctx, p.ID, "reset")
	return p, secret, err
}

// ResetPassword sets a new password from a valid reset link, ends every
// session of the person and clears their login failures.
func (s *Service) ResetPassword(ctx context.Context, secret, password string) (Person, error) {
	return s.useLink(ctx, secret, "reset", password)
}

func (s *Service) newLink(ctx context.Context, personID int64, kind string) (string, error) {
	ctx = unscoped(ctx)
	secret, hash, err := newSecret("pbl_")
	if err != nil {
		return "", err
	}
	ttl := s.opt.InviteTTL
	if kind == "reset" {
		ttl = s.opt.ResetTTL
	}
	return secret, pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE person_links SET used_at = now() WHERE person_id = $1 AND kind = $2
			AND used_at IS NULL`, personID, kind); err != nil {
			return fmt.Errorf("staff: link: %w", err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO person_links (person_id, kind, token_hash, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, personID, kind, hash, access.Label(ctx), s.now(), s.now().Add(ttl))
		if err != nil {
			return fmt.Errorf("staff: link: %w", err)
		}
		return nil
	})
}

// useLink checks the password, then in one transaction uses up the link
// (refusing an unknown, expired or used one), sets the password and
// activates the person.
func (s *Service) useLink(ctx context.Context, secret, kind, password string) (Person, error) {
	ctx = unscoped(ctx)
	var personID int64
	var email string
	err := s.db.QueryRow(ctx, `SELECT l.person_id, p.email FROM person_links l JOIN persons p ON p.id = l.person_id
		WHERE l.token_hash = $1 AND l.kind = $2 AND l.used_at IS NULL AND l.expires_at > $3 AND p.status <> 'disabled'`,
		hashSecret(secret), kind, s.now()).Scan(&personID, &email)
	if err != nil {
		return Person{}, notFound(err, ErrLinkInvalid)
	}
	if err := CheckPassword(password, email); err != nil {
		return Person{}, err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return Person{}, err
	}
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE person_links SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL`, hashSecret(secret))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrLinkInvalid
		}
		if _, err := tx.Exec(ctx, `UPDATE persons SET password_hash = $2, status = 'active', updated_at = now()
			WHERE id = $1`, personID, hash); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE person_id = $1 AND revoked_at IS NULL`, personID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE email_key = lower($1)`, email); err != nil {
			return err
		}
		action := "person-activate"
		if kind == "reset" {
			action = "password-reset"
		}
		return audit.Write(ctx, tx, audit.Entry{Actor: "person:" + fmt.Sprint(personID), PersonID: personID,
			Action: action, TargetKind: "person", TargetID: &personID})
	})
	if err != nil {
		return Person{}, err
	}
	return s.Get(ctx, personID)
}
