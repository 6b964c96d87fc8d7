package staff

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/errs"
)

// TOTP as RFC 6238 with its defaults (HMAC-SHA1, 30 s steps, 6 digits),
// which every authenticator app reads from an otpauth:// URI.
const (
	totpStep   = 30
	totpDigits = 6
	// totpSkew is how many steps before and after now a code is accepted.
	totpSkew = 1
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// totpCode is the code of secret at time step n (RFC 6238 §4, RFC 4226 §5.3).
func totpCode(secret []byte, n int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(n))
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", totpDigits, v%1000000)
}

// TOTPCode returns the code of a base32 secret at time t (for tests and
// command-line tools).
func TOTPCode(secretB32 string, t time.Time) (string, error) {
	secret, err := b32.DecodeString(secretB32)
	if err != nil {
		return "", errs.Invalid("secret", "not base32")
	}
	return totpCode(secret, t.Unix()/totpStep), nil
}

// matchTOTP returns the step code matches within the skew and after last,
// or 0.
func matchTOTP(secret []byte, code string, now time.Time, last int64) int64 {
	cur := now.Unix() / totpStep
	for n := cur - totpSkew; n <= cur+totpSkew; n++ {
		if n > last && subtle.ConstantTimeCompare([]byte(totpCode(secret, n)), []byte(code)) == 1 {
			return n
		}
	}
	return 0
}

// TOTPSetup is a fresh second-factor secret, not active until confirmed.
type TOTPSetup struct {
	// Secret is the base32 secret to type into an authenticator app.
	Secret string `json:"secret"`
	// URI is the otpauth:// URI to show as a QR code.
	URI string `json:"uri"`
}

// BeginTOTP stores a new secret for the person (replacing an unconfirmed
// one) and returns it, when current is their password (checked as
// ConfirmTOTP does: a wrong one counts as a failed login). Without the
// password a stolen session could read a fresh secret and replace a
// pending one the owner is setting up. The second factor is active once
// ConfirmTOTP accepts a code with the person's password (or the first
// login with a code confirms it). A person whose second factor is on
// removes it first (RemoveOwnTOTP, with their password): starting over
// must not switch it off quietly, without the password, the audit entry
// and the end of their other sessions.
func (s *Service) BeginTOTP(ctx context.Context, personID int64, current string) (TOTPSetup, error) {
	ctx = unscoped(ctx)
	if _, _, err := s.checkCurrentPassword(ctx, personID, current); err != nil {
		return TOTPSetup{}, err
	}
	secret := make([]byte, 20)
	if _, err := rand.Read(secret); err != nil {
		return TOTPSetup{}, err
	}
	var email string
	err := s.db.QueryRow(ctx, `UPDATE persons SET totp_secret = $2, totp_enabled = false, totp_last_step = 0,
		updated_at = now() WHERE id = $1 AND NOT totp_enabled RETURNING email`, personID, secret).Scan(&email)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, gerr := s.Get(ctx, personID); gerr != nil {
			return TOTPSetup{}, gerr
		}
		return TOTPSetup{}, ErrTOTPEnabled
	}
	if err != nil {
		return TOTPSetup{}, fmt.Errorf("staff: begin totp: %w", err)
	}
	enc := b32.EncodeToString(secret)
	q := url.Values{"secret": {enc}, "issuer": {s.opt.Issuer}, "digits": {strconv.Itoa(totpDigits)},
		"period": {strconv.Itoa(totpStep)}, "algorithm": {"SHA1"}}
	uri := "otpauth://totp/" + url.PathEscape(s.opt.Issuer+":"+email) + "?" + q.Encode()
	return TOTPSetup{Secret: enc, URI: uri}, nil
}

// ConfirmTOTP activates the second factor of a signed-in person when
// current is their password (checked as RemoveOwnTOTP and ChangePassword
// do: a wrong one counts as a failed login) and code matches the pending
// secret. Without the password a stolen session could switch on a factor
// only the thief holds and lock the owner out.
func (s *Service) ConfirmTOTP(ctx context.Context, personID int64, current, code string) error {
	if _, _, err := s.checkCurrentPassword(unscoped(ctx), personID, current); err != nil {
		return err
	}
	return s.confirmTOTP(ctx, personID, code)
}

// confirmTOTP activates the second factor when code matches the pending
// secret; the caller has checked the password (ConfirmTOTP, or a login).
func (s *Service) confirmTOTP(ctx context.Context, personID int64, code string) error {
	if err := s.useTOTP(ctx, personID, code); err != nil {
		return err
	}
	_, err := s.db.Exec(unscoped(ctx), `UPDATE persons SET totp_enabled = true, updated_at = now() WHERE id = $1`, personID)
	if err != nil {
		return fmt.Errorf("staff: confirm totp: %w", err)
	}
	return audit.Write(ctx, s.db, audit.Entry{Action: "totp-enable", TargetKind: "person", TargetID: &personID})
}

// useTOTP accepts code once: the matched step is recorded in the same
// statement that checks it is later than the last one, so two concurrent
// logins with one code cannot both pass.
func (s *Service) useTOTP(ctx context.Context, personID int64, code string) error {
	ctx = unscoped(ctx)
	var secret []byte
	var last int64
	err := s.db.QueryRow(ctx, `SELECT totp_secret, totp_last_step FROM persons WHERE id = $1`, personID).Scan(&secret, &last)
	if err != nil {
		return notFound(err, ErrNotFound)
	}
	if secret == nil || len(code) != totpDigits {
		return ErrTOTPInvalid
	}
	step := matchTOTP(secret, code, s.now(), last)
	if step == 0 {
		return ErrTOTPInvalid
	}
	tag, err := s.db.Exec(ctx, `UPDATE persons SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2`, personID, step)
	if err != nil {
		return fmt.Errorf("staff: totp: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrTOTPInvalid
	}
	return nil
}

// pendingTOTP is true when the person has a secret not yet confirmed.
func (s *Service) pendingTOTP(ctx context.Context, personID int64) bool {
	var pending bool
	err := s.db.QueryRow(unscoped(ctx), `SELECT totp_secret IS NOT NULL AND NOT totp_enabled FROM persons WHERE id = $1`,
		personID).Scan(&pending)
	return err == nil && pending
}

// DisableTOTP removes a person's second factor: an administrator's action
// when a phone is lost, refused for a person holding a permission the
// actor lacks (reachable). Every session of the person ends (but the
// actor's own when they act on themself), as after a password reset: a
// session opened with the lost phone must not outlive it.
func (s *Service) DisableTOTP(ctx context.Context, personID int64) error {
	ctx = unscoped(ctx)
	if err := reachable(ctx, s.db, personID, 0); err != nil {
		return err
	}
	var keep int64
	if a, _ := access.ActorFrom(ctx); a.PersonID == personID {
		keep = a.SessionID
	}
	return s.removeTOTP(ctx, personID, keep, "removed by an administrator")
}

// RemoveOwnTOTP removes a signed-in person's second factor after checking
// their current password (a wrong one counts as a failed login). A person
// whose role requires a second factor cannot remove theirs. Their other
// sessions end; keepSession, the one making the change, stays.
func (s *Service) RemoveOwnTOTP(ctx context.Context, personID, keepSession int64, current string) error {
	ctx = unscoped(ctx)
	if _, _, err := s.checkCurrentPassword(ctx, personID, current); err != nil {
		return err
	}
	required, err := s.totpRequired(ctx, personID)
	if err != nil {
		return err
	}
	if required {
		return errs.Conflict("totp_required", "your role requires a second factor: it cannot be removed, only replaced by an administrator")
	}
	return s.removeTOTP(ctx, personID, keepSession, "removed by the person")
}

// removeTOTP clears the second factor (on or pending), ends the person's
// sessions but keepSession and writes the audit entry, in one transaction.
func (s *Service) removeTOTP(ctx context.Context, personID, keepSession int64, cause string) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE persons SET totp_secret = NULL, totp_enabled = false, updated_at = now()
			WHERE id = $1 AND totp_secret IS NOT NULL`, personID)
		if err != nil {
			return fmt.Errorf("staff: remove totp: %w", err)
		}
		if tag.RowsAffected() == 0 {
			if _, err := s.Get(ctx, personID); err != nil {
				return err
			}
			return errs.Conflict("no_totp", "this person has no second factor")
		}
		if err := endSessions(ctx, tx, personID, keepSession); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "totp-disable", Cause: cause, TargetKind: "person", TargetID: &personID})
	})
}

// totpRequired reports whether a role the person holds in any department
// requires a second factor (Options.RequireTOTP).
func (s *Service) totpRequired(ctx context.Context, personID int64) (bool, error) {
	ms, err := s.Memberships(ctx, personID)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if slices.Contains(s.opt.RequireTOTP, m.Role) {
			return true, nil
		}
	}
	return false, nil
}
