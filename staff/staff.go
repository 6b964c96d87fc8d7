// Package staff is in charge of the people who work with postbode: persons
// (email, name, password, second factor, status), departments and the role
// each person holds in each, roles as sets of named permissions (the
// shipped ones and custom ones), server-side sessions, login with rate
// limiting and lockout, one-time links for invitations and password resets,
// and API tokens acting for a person. It answers the one question every
// request asks: who is this, in which department, and what may they do
// (an access.Actor).
package staff

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
)

// Options tune sessions, lockout and links. Zero values take the defaults.
type Options struct {
	// SessionIdle ends a session unused this long; optional, default 30m.
	SessionIdle time.Duration
	// SessionAbsolute ends a session this long after login; optional, default 12h.
	SessionAbsolute time.Duration
	// MaxFailures wrong logins of one account within LockoutWindow lock it
	// for the rest of the window; optional, default 5 in 15m.
	MaxFailures   int
	LockoutWindow time.Duration
	// MaxIPFailures wrong logins from one address within LockoutWindow lock
	// that address out; optional, default 30.
	MaxIPFailures int
	// InviteTTL and ResetTTL bound one-time links; optional, default 72h and 1h.
	InviteTTL time.Duration
	ResetTTL  time.Duration
	// EndedRetention is how long what ended (an invitation accepted,
	// revoked or expired, a session, a link, a failed login) is kept
	// before PurgeEnded deletes it; optional, default
	// DefaultEndedRetention.
	EndedRetention time.Duration
	// RequireTOTP lists roles whose persons must log in with a second
	// factor; optional, default none.
	RequireTOTP []string
	// DefaultLang (en or nl) is the language of mails to staff when
	// MailLang knows none better (public.default_lang); optional, default en.
	DefaultLang string
	// Issuer names the installation in authenticator apps; optional, default "postbode".
	Issuer string
	// Log records reset mails that failed after their answer; optional,
	// default slog.Default().
	Log *slog.Logger
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.SessionIdle, 30*time.Minute)
	def(&o.SessionAbsolute, 12*time.Hour)
	def(&o.LockoutWindow, 15*time.Minute)
	def(&o.InviteTTL, 72*time.Hour)
	def(&o.ResetTTL, time.Hour)
	if o.DefaultLang != "nl" {
		o.DefaultLang = "en"
	}
	def(&o.EndedRetention, DefaultEndedRetention)
	if o.MaxFailures <= 0 {
		o.MaxFailures = 5
	}
	if o.MaxIPFailures <= 0 {
		o.MaxIPFailures = 30
	}
	if o.Issuer == "" {
		o.Issuer = "postbode"
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
}

// Service is the staff domain on Postgres.
type Service struct {
	db     *db.Pool
	tokens *apitoken.Store
	key    []byte
	opt    Options
	// mail and adminURL send one-time links (SetMailer).
	mail     Mailer
	adminURL string
	// now is the clock (tests move it).
	now func() time.Time
	// kdfSlots bound the argon2id computations at once (kdf).
	kdfSlots chan struct{}
	// resets bound, and bg counts, the reset requests worked on after
	// their answer (SendReset).
	resets chan struct{}
	bg     sync.WaitGroup
	log    *slog.Logger
}

// New returns the service. key is the installation's secret (required): it
// keys the CSRF tokens of sessions.
func New(db *db.Pool, key string, opt Options) *Service {
	opt.defaults()
	return &Service{db: db, tokens: apitoken.NewStore(db), key: []byte(key), opt: opt, now: time.Now,
		kdfSlots: newKDFSlots(), resets: make(chan struct{}, maxResetsInFlight), log: opt.Log}
}

// SetClock replaces the clock (tests only).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Options returns the effective options.
func (s *Service) Options() Options { return s.opt }

// Errors of the staff domain. Login errors are deliberately alike so they
// do not tell whether an address has an account.
var (
	ErrNotFound         = errs.NotFound("person_not_found", "person not found")
	ErrBadCredentials   = errs.Forbidden("bad_credentials", "wrong email address or password")
	ErrLocked           = errs.Forbidden("locked", "too many failed logins: try again later or ask an administrator to reset your password")
	ErrTOTPRequired     = errs.Forbidden("totp_required", "enter the code from your authenticator app")
	ErrTOTPInvalid      = errs.Forbidden("totp_invalid", "the code is wrong, expired or was already used")
	ErrTOTPSetup        = errs.Forbidden("totp_setup_required", "your role requires a second factor: set up an authenticator app first")
	ErrTOTPEnabled      = errs.Conflict("totp_enabled", "a second factor is already set up: remove it first (with your password) to set up another")
	ErrDisabled         = errs.Forbidden("person_disabled", "this account is disabled")
	ErrNoDepartment     = errs.Forbidden("no_department", "you belong to no department (or not to this one)")
	ErrUnauthenticated  = errs.Forbidden("unauthenticated", "not signed in, or the session has ended")
	ErrLinkInvalid      = errs.Invalid("token", "this link is unknown, expired or was already used")
	ErrOtherDepartments = errs.Conflict("other_departments", "this person also works in another department; remove them from this department instead")
	ErrLastAdmin        = errs.Conflict("last_admin", "the last administrator cannot be removed, disabled or demoted")
	ErrRoleNotFound     = errs.NotFound("role_not_found", "role not found")
	ErrDepartmentAbsent = errs.NotFound("department_not_found", "department not found")
	ErrSessionNotFound  = errs.NotFound("session_not_found", "session not found")
	ErrIPNotAllowed     = errs.Forbidden("ip_not_allowed", "this department may not be used from your network address")
)

// unscoped strips department scope: staff tables are installation-wide.
func unscoped(ctx context.Context) context.Context { return access.Unscoped(ctx) }

// accountQuerier is a pool or a transaction.
type accountQuerier interface {
	audit.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// auditAccount writes e about personID's account. Outside a department's
// request (a link followed, a failed login) the entry goes to every
// department the person works in, so those departments' auditors see it
// and no other's (the default department's) do; a person in none: the
// default department, as audit.Write does.
func auditAccount(ctx context.Context, q accountQuerier, e audit.Entry, personID int64) error {
	if a, _ := access.ActorFrom(ctx); e.DepartmentID != 0 || access.Department(ctx) != 0 || a.DepartmentID != 0 {
		return audit.Write(ctx, q, e)
	}
	rows, err := q.Query(ctx, `SELECT department_id FROM memberships WHERE person_id = $1 ORDER BY department_id`, personID)
	if err != nil {
		return fmt.Errorf("staff: audit %s: %w", e.Action, err)
	}
	depts, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("staff: audit %s: %w", e.Action, err)
	}
	if len(depts) == 0 {
		return audit.Write(ctx, q, e)
	}
	for _, d := range depts {
		e.DepartmentID = d
		if err := audit.Write(ctx, q, e); err != nil {
			return err
		}
	}
	return nil
}
