package staff

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/clientnet"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/humantime"
)

// LoginInput is what a login form or the login API sends.
type LoginInput struct {
	Email    string
	Password string
	// Code is the TOTP code; required when the person has a second factor.
	Code string
	// DepartmentID picks the department to work in; optional, default the
	// person's first.
	DepartmentID int64
	IP           netip.Addr
	UserAgent    string
}

// Login checks email, password and (when enabled) the TOTP code and starts
// a session, returning it with its secret (the cookie value) and the actor.
// Failures are counted per address and per client IP; past the limits the
// account or IP is locked out for the rest of the window with ErrLocked,
// even for the right password.
func (s *Service) Login(ctx context.Context, in LoginInput) (Session, string, access.Actor, error) {
	ctx = unscoped(ctx)
	key := strings.ToLower(strings.TrimSpace(in.Email))
	if err := errs.Text("email", key); err != nil { // the failure counter could not store it
		return Session{}, "", access.Actor{}, err
	}
	release, err := s.kdf(ctx) // held until the failure is recorded
	if err != nil {
		return Session{}, "", access.Actor{}, err
	}
	defer release()
	if err := s.checkLockout(ctx, key, in.IP); err != nil {
		return Session{}, "", access.Actor{}, err
	}
	var id int64
	var hash, status string
	var totp bool
	err = s.db.QueryRow(ctx, `SELECT id, password_hash, status, totp_enabled FROM persons WHERE lower(email) = $1`, key).
		Scan(&id, &hash, &status, &totp)
	if err != nil {
		verifyPassword(dummyHash, in.Password)
		return s.failLogin(ctx, key, in.IP, notFound(err, ErrBadCredentials))
	}
	// An invited person has no password yet: check against the dummy, so
	// the answer takes as long as for any other address.
	if !verifyPassword(cmp.Or(hash, dummyHash), in.Password) || hash == "" {
		return s.failLogin(ctx, key, in.IP, ErrBadCredentials)
	}
	if status == StatusDisabled {
		return Session{}, "", access.Actor{}, ErrDisabled
	}
	if err := s.secondFactor(ctx, id, totp, in); err != nil {
		if err == ErrTOTPInvalid {
			return s.failLogin(ctx, key, in.IP, err)
		}
		return Session{}, "", access.Actor{}, err
	}
	return s.finishLogin(ctx, id, in)
}

func (s *Service) secondFactor(ctx context.Context, id int64, enabled bool, in LoginInput) error {
	if enabled {
		if in.Code == "" {
			return ErrTOTPRequired
		}
		return s.useTOTP(ctx, id, strings.TrimSpace(in.Code))
	}
	if in.Code != "" && s.pendingTOTP(ctx, id) {
		// The first code from a pending secret (set up with BeginTOTP, e.g.
		// on the invitation page) confirms it: a role that requires a
		// second factor can enrol before its first session.
		return s.confirmTOTP(ctx, id, strings.TrimSpace(in.Code))
	}
	required, err := s.totpRequired(ctx, id)
	if err != nil {
		return err
	}
	if required {
		return ErrTOTPSetup
	}
	return nil
}

func (s *Service) finishLogin(ctx context.Context, id int64, in LoginInput) (Session, string, access.Actor, error) {
	dept := in.DepartmentID
	if dept == 0 {
		if err := s.db.QueryRow(ctx, `SELECT COALESCE(min(department_id), 0) FROM memberships WHERE person_id = $1`, id).Scan(&dept); err != nil {
			return Session{}, "", access.Actor{}, fmt.Errorf("staff: login: %w", err)
		}
	}
	a, err := s.actor(ctx, id, dept, in.IP)
	if err != nil {
		return Session{}, "", a, err
	}
	ses, secret, err := s.startSession(ctx, id, dept, in.IP, in.UserAgent)
	if err != nil {
		return ses, "", a, err
	}
	a.SessionID = ses.ID
	if _, err := s.db.Exec(ctx, `UPDATE persons SET last_login_at = now() WHERE id = $1`, id); err != nil {
		return ses, "", a, err
	}
	actx := access.WithActor(ctx, a)
	return ses, secret, a, audit.Write(access.Unscoped(actx), s.db, audit.Entry{Action: "login", TargetKind: "session", TargetID: &ses.ID})
}

// checkLockout refuses a login when the address or the client IP has too
// many failures within the window, with a *LockedError that says how long
// the lock lasts: until the failure that reached the limit leaves the
// window (the newest MaxFailures-th, or MaxIPFailures-th, failure).
func (s *Service) checkLockout(ctx context.Context, key string, ip netip.Addr) error {
	now := s.now()
	var byKey, byIP *time.Time
	// The client is its network (clientnet: an IPv6 /64), which may send
	// each guess from another of its addresses.
	first, last := clientnet.Range(ip)
	err := s.db.QueryRow(ctx, `SELECT
		(SELECT at FROM login_failures WHERE email_key = $1 AND at > $3 ORDER BY at DESC OFFSET $4 LIMIT 1),
		(SELECT at FROM login_failures WHERE $2::inet IS NOT NULL AND ip BETWEEN $2::inet AND $6::inet AND at > $3
			ORDER BY at DESC OFFSET $5 LIMIT 1)`,
		key, ipArg(first), now.Add(-s.opt.LockoutWindow), s.opt.MaxFailures-1, s.opt.MaxIPFailures-1, ipArg(last)).Scan(&byKey, &byIP)
	if err != nil {
		return fmt.Errorf("staff: lockout: %w", err)
	}
	var until time.Time
	for _, at := range []*time.Time{byKey, byIP} {
		if at != nil && at.Add(s.opt.LockoutWindow).After(until) {
			until = at.Add(s.opt.LockoutWindow)
		}
	}
	if until.IsZero() {
		return nil
	}
	return &LockedError{Remaining: until.Sub(now)}
}

// LockedError refuses a login or credential change while the account or
// client IP is locked out. It is ErrLocked (errors.Is) and reads as an
// *errs.Error (errors.As) whose message says how long the lock remains.
type LockedError struct {
	// Remaining is the time until a login is possible again.
	Remaining time.Duration
}

// Wait is Remaining as a message states it: rounded up to the minute, or
// to the second in the last minute.
func (e *LockedError) Wait() time.Duration {
	unit := time.Minute
	if e.Remaining <= time.Minute {
		unit = time.Second
	}
	d := e.Remaining.Truncate(unit)
	if d < e.Remaining {
		d += unit
	}
	return d
}

func (e *LockedError) Error() string {
	return "too many failed logins: try again in " + humantime.Duration(e.Wait(), "en") +
		" or ask an administrator to reset your password"
}

// Is makes a *LockedError match ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// As gives the edge the domain error: code locked, with the real wait.
func (e *LockedError) As(target any) bool {
	t, ok := target.(**errs.Error)
	if ok {
		*t = &errs.Error{Kind: ErrLocked.Kind, Code: ErrLocked.Code, Message: e.Error()}
	}
	return ok
}

// failLogin records a failure (and the audit entry naming the account when
// it exists) and returns err.
func (s *Service) failLogin(ctx context.Context, key string, ip netip.Addr, err error) (Session, string, access.Actor, error) {
	if e := s.recordFailure(ctx, key, ip); e != nil {
		return Session{}, "", access.Actor{}, e
	}
	var id int64
	if s.db.QueryRow(ctx, `SELECT id FROM persons WHERE lower(email) = $1`, key).Scan(&id) == nil {
		actx := access.WithActor(ctx, access.Actor{IP: ip})
		if e := auditAccount(access.Unscoped(actx), s.db, audit.Entry{Actor: "anonymous", Action: "login-failed",
			TargetKind: "person", TargetID: &id}, id); e != nil {
			return Session{}, "", access.Actor{}, e
		}
	}
	return Session{}, "", access.Actor{}, err
}

// recordFailure counts a wrong password for the address key and the client
// IP towards the lockout that checkLockout enforces.
func (s *Service) recordFailure(ctx context.Context, key string, ip netip.Addr) error {
	if _, err := s.db.Exec(ctx, `INSERT INTO login_failures (email_key, ip, at) VALUES ($1, $2, $3)`, key, ipArg(ip), s.now()); err != nil {
		return fmt.Errorf("staff: record failure: %w", err)
	}
	return nil
}
