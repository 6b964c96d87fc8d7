package staff

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/errs"
)

// RequestReset returns a one-time password reset link (valid ResetTTL) for
// an active person. For an unknown or inactive address it returns
// ErrNotFound; the edge answers alike in both cases.
func (s *Service) RequestReset(ctx context.Context, email string) (Person, string, error) {
	ctx = unscoped(ctx)
	if errs.TextProblem(email) != "" { // no person has such an address
		return Person{}, "", ErrNotFound
	}
	p, err := scanPerson(s.db.QueryRow(ctx, `SELECT `+personCols+` FROM persons WHERE lower(email) = lower($1)
		AND status = 'active'`, strings.TrimSpace(email)))
	if err != nil {
		return p, "", notFound(err, ErrNotFound)
	}
	// Anyone may ask for an address: past the limit nothing is mailed and
	// the last link keeps working (a new one would end it). The person's
	// row is held while the links are counted and the new one is made, so
	// requests sent at once are counted one after the other.
	var secret string
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// The count is a statement of its own: taken after the lock, it
		// sees the links of the requests that held it before.
		if _, err := tx.Exec(ctx, `SELECT FROM persons WHERE id = $1 FOR NO KEY UPDATE`, p.ID); err != nil {
			return fmt.Errorf("staff: reset request: %w", err)
		}
		var recent int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM person_links WHERE person_id = $1 AND kind = 'reset' AND created_at > $2`,
			p.ID, s.now().Add(-time.Hour)).Scan(&recent); err != nil {
			return fmt.Errorf("staff: reset request: %w", err)
		}
		if recent >= ResetLinksPerHour {
			return errResetLimited
		}
		var err error
		secret, err = s.newLinkTx(ctx, tx, p.ID, nil)
		return err
	})
	if err != nil {
		return p, "", err
	}
	return p, secret, nil
}

// ResetLinksPerHour caps the reset links an account gets an hour, however
// often its address is given to "Forgot your password?".
const ResetLinksPerHour = 3

// errResetLimited: the account had ResetLinksPerHour reset links in the
// last hour; the edge answers as for any address.
var errResetLimited = errs.Conflict("reset_limited", "too many reset links for this account in the last hour")

// AdminReset returns a one-time password reset link (valid ResetTTL) for
// an active person, made on an administrator's request and audited. The
// person keeps their password and sessions until they use it; like every
// link it dies when the password is set another way or the person is
// disabled. Refused for a person holding a permission the actor lacks
// (reachable).
func (s *Service) AdminReset(ctx context.Context, personID int64) (Person, string, error) {
	p, err := s.Get(ctx, personID)
	if err != nil {
		return p, "", err
	}
	if p.Status != StatusActive {
		return p, "", errs.Conflict("not_active", "only an active person gets a reset link: enable a disabled one first")
	}
	if err := reachable(unscoped(ctx), s.db, personID, 0); err != nil {
		return p, "", err
	}
	secret, err := s.newLink(ctx, p.ID, &audit.Entry{Action: "password-reset-link", TargetKind: "person", TargetID: &p.ID})
	return p, secret, err
}

// ResetPassword sets a new password from a valid reset link, ends every
// session of the person and clears their login failures.
func (s *Service) ResetPassword(ctx context.Context, secret, password string) (Person, error) {
	return s.useLink(ctx, secret, "reset", password)
}

// newLink makes a person's one-time password reset link, valid for
// ResetTTL, ending their earlier one, and writes e (optional) in the same
// transaction. (Invitations have links of their own: invitations.go.)
func (s *Service) newLink(ctx context.Context, personID int64, e *audit.Entry) (string, error) {
	ctx = unscoped(ctx)
	var secret string
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		secret, err = s.newLinkTx(ctx, tx, personID, e)
		return err
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// newLinkTx is newLink inside the caller's transaction tx.
func (s *Service) newLinkTx(ctx context.Context, tx pgx.Tx, personID int64, e *audit.Entry) (string, error) {
	const kind = "reset"
	secret, hash, err := newSecret("pbl_")
	if err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `UPDATE person_links SET used_at = now() WHERE person_id = $1 AND kind = $2
		AND used_at IS NULL`, personID, kind); err != nil {
		return "", fmt.Errorf("staff: link: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO person_links (person_id, kind, token_hash, created_by, created_at, expires_at, password_gen)
		SELECT $1, $2, $3, $4, $5, $6, password_gen FROM persons WHERE id = $1`,
		personID, kind, hash, access.Label(ctx), s.now(), s.now().Add(s.opt.ResetTTL))
	if err != nil {
		return "", fmt.Errorf("staff: link: %w", err)
	}
	if e != nil {
		if err := audit.Write(ctx, tx, *e); err != nil {
			return "", err
		}
	}
	return secret, nil
}

// useLink checks the password, then in one transaction uses up the link
// (refusing an unknown, expired or used one, and one made before the
// password last changed), sets the password, activates the person and ends
// their sessions and other links.
func (s *Service) useLink(ctx context.Context, secret, kind, password string) (Person, error) {
	ctx = unscoped(ctx)
	var personID, gen int64
	var email string
	err := s.db.QueryRow(ctx, `SELECT l.person_id, p.email, p.password_gen FROM person_links l JOIN persons p ON p.id = l.person_id
		WHERE l.token_hash = $1 AND l.kind = $2 AND l.used_at IS NULL AND l.expires_at > $3 AND p.status <> 'disabled'
		AND l.password_gen = p.password_gen`,
		hashSecret(secret), kind, s.now()).Scan(&personID, &email, &gen)
	if err != nil {
		return Person{}, notFound(err, ErrLinkInvalid)
	}
	if err := CheckPassword(password, email); err != nil {
		return Person{}, err
	}
	hash, err := s.hash(ctx, password)
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
		tag, err = tx.Exec(ctx, `UPDATE persons SET password_hash = $2, status = 'active', password_gen = password_gen + 1,
			updated_at = now() WHERE id = $1 AND password_gen = $3 AND status <> 'disabled'`, personID, hash, gen)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrLinkInvalid // the password changed, or the person was disabled, meanwhile
		}
		if err := endCredentials(ctx, tx, personID, 0); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE email_key = lower($1)`, email); err != nil {
			return err
		}
		action := "person-activate"
		if kind == "reset" {
			action = "password-reset"
		}
		return auditAccount(ctx, tx, audit.Entry{Actor: "person:" + fmt.Sprint(personID), PersonID: personID,
			Action: action, TargetKind: "person", TargetID: &personID}, personID)
	})
	if err != nil {
		return Person{}, err
	}
	return s.Get(ctx, personID)
}

// ChangePassword sets a signed-in person's password after checking their
// current one. The person's other sessions end (the one of keepSession, the
// session making the change, stays) and every invitation or reset link of
// theirs stops working. API tokens stay: they are separate credentials,
// listed and revoked on their own.
func (s *Service) ChangePassword(ctx context.Context, personID, keepSession int64, current, password string) error {
	ctx = unscoped(ctx)
	email, gen, err := s.checkCurrentPassword(ctx, personID, current)
	if err != nil {
		return err
	}
	if err := CheckPassword(password, email); err != nil {
		return err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE persons SET password_hash = $2, password_gen = password_gen + 1, updated_at = now()
			WHERE id = $1 AND password_gen = $3 AND status = 'active'`, personID, hash, gen)
		if err != nil {
			return fmt.Errorf("staff: change password: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return errs.Conflict("password_changed", "the password was changed meanwhile; sign in again")
		}
		if err := endCredentials(ctx, tx, personID, keepSession); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "password-reset", Cause: "changed by the person",
			TargetKind: "person", TargetID: &personID})
	})
}

// checkCurrentPassword checks an active person's current password before
// they change a credential (password, second factor) and returns their
// address and password generation. A wrong current password counts as a
// failed login of the account: past the limit it is locked (ErrLocked)
// for the rest of the window, for sign-in and for these changes alike,
// even with the right password.
func (s *Service) checkCurrentPassword(ctx context.Context, personID int64, current string) (string, int64, error) {
	var email, encoded string
	var gen int64
	err := s.db.QueryRow(ctx, `SELECT email, password_hash, password_gen FROM persons WHERE id = $1 AND status = 'active'`,
		personID).Scan(&email, &encoded, &gen)
	if err != nil {
		return "", 0, notFound(err, ErrUnauthenticated)
	}
	key := strings.ToLower(strings.TrimSpace(email))
	actor, _ := access.ActorFrom(ctx)
	release, err := s.kdf(ctx)
	if err != nil {
		return "", 0, err
	}
	defer release()
	if err := s.checkLockout(ctx, key, actor.IP); err != nil {
		return "", 0, err
	}
	if encoded == "" || !verifyPassword(encoded, current) {
		if err := s.recordFailure(ctx, key, actor.IP); err != nil {
			return "", 0, err
		}
		if err := audit.Write(ctx, s.db, audit.Entry{Action: "login-failed",
			Cause: "wrong current password when changing a credential", TargetKind: "person", TargetID: &personID}); err != nil {
			return "", 0, err
		}
		return "", 0, errs.Invalid("current_password", "is not your current password")
	}
	return email, gen, nil
}

// endCredentials ends what a person's old password let in: every session but
// keepSession (0: all) and every outstanding invitation or reset link.
func endCredentials(ctx context.Context, tx pgx.Tx, personID, keepSession int64) error {
	if err := endSessions(ctx, tx, personID, keepSession); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE person_links SET used_at = now() WHERE person_id = $1 AND used_at IS NULL`, personID); err != nil {
		return fmt.Errorf("staff: end links: %w", err)
	}
	return nil
}

// endSessions ends every session of a person but keepSession (0: all).
func endSessions(ctx context.Context, tx pgx.Tx, personID, keepSession int64) error {
	if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE person_id = $1 AND revoked_at IS NULL
		AND id <> $2`, personID, keepSession); err != nil {
		return fmt.Errorf("staff: end sessions: %w", err)
	}
	return nil
}
