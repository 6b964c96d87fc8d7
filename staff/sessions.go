package staff

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/errs"
)

// CookieName is the session cookie's name.
const CookieName = "postbode_session"

// Session is one signed-in browser or API client (never the secret).
type Session struct {
	ID           int64      `json:"id"`
	PersonID     int64      `json:"person_id"`
	DepartmentID int64      `json:"department_id"`
	CreatedAt    time.Time  `json:"created_at"`
	LastSeenAt   time.Time  `json:"last_seen_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	IP           *string    `json:"ip"`
	UserAgent    string     `json:"user_agent"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
}

const sessionCols = `id, person_id, department_id, created_at, last_seen_at, expires_at, host(ip), user_agent, revoked_at`

// newSecret returns a random secret with a prefix and its SHA-256.
func newSecret(prefix string) (string, []byte, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	secret := prefix + base64.RawURLEncoding.EncodeToString(raw)
	return secret, hashSecret(secret), nil
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// startSession creates a session for a person in a department and returns
// its secret (the cookie value, shown only now). A new session is made at
// every login, so a secret planted before login is never promoted.
func (s *Service) startSession(ctx context.Context, personID, deptID int64, ip netip.Addr, ua string) (Session, string, error) {
	secret, hash, err := newSecret("pbs_")
	if err != nil {
		return Session{}, "", err
	}
	ua = errs.Clip(ua, 300)
	now := s.now()
	rows, err := s.db.Query(unscoped(ctx), `INSERT INTO sessions (secret_hash, person_id, department_id, created_at,
		last_seen_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $6, $7) RETURNING `+sessionCols,
		hash, personID, deptID, now, now.Add(s.opt.SessionAbsolute), ipArg(ip), ua)
	if err != nil {
		return Session{}, "", fmt.Errorf("staff: start session: %w", err)
	}
	ses, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Session])
	return ses, secret, err
}

// Authenticate resolves a session secret (the cookie) to the acting person
// in the session's department. It refuses a revoked session, one idle
// longer than SessionIdle or older than SessionAbsolute, a disabled
// person and a person no longer in the department — checked on every
// request, so removal takes effect at once. It records the use.
func (s *Service) Authenticate(ctx context.Context, secret string, ip netip.Addr) (access.Actor, Session, error) {
	ctx = unscoped(ctx)
	now := s.now()
	rows, err := s.db.Query(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE secret_hash = $1 AND revoked_at IS NULL
		AND expires_at > $2 AND last_seen_at > $3 RETURNING `+sessionCols, hashSecret(secret), now, now.Add(-s.opt.SessionIdle))
	if err != nil {
		return access.Actor{}, Session{}, fmt.Errorf("staff: session: %w", err)
	}
	ses, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Session])
	if err != nil {
		return access.Actor{}, Session{}, notFound(err, ErrUnauthenticated)
	}
	a, err := s.actor(ctx, ses.PersonID, ses.DepartmentID, ip)
	if err != nil {
		return a, ses, err
	}
	a.SessionID = ses.ID
	return a, ses, nil
}

// actor builds the actor of an active person in a department, refusing a
// client address outside the department's allow-list.
func (s *Service) actor(ctx context.Context, personID, deptID int64, ip netip.Addr) (access.Actor, error) {
	a := access.Actor{PersonID: personID, DepartmentID: deptID, IP: ip}
	var status string
	var allow []netip.Prefix
	err := s.db.QueryRow(ctx, `SELECT p.email, p.name, p.status, COALESCE(r.name, ''), COALESCE(d.allow_cidrs, '{}')
		FROM persons p LEFT JOIN memberships m ON m.person_id = p.id AND m.department_id = $2
		LEFT JOIN roles r ON r.id = m.role_id LEFT JOIN departments d ON d.id = m.department_id
		WHERE p.id = $1`, personID, deptID).Scan(&a.Email, &a.Name, &status, &a.Role, &allow)
	if err != nil {
		return a, notFound(err, ErrUnauthenticated)
	}
	if status != StatusActive {
		return a, ErrDisabled
	}
	if a.Role == "" {
		return a, ErrNoDepartment
	}
	if err := checkAllowed(ip, allow); err != nil {
		return a, err
	}
	a.Perms, err = s.rolePermissions(ctx, s.db, a.Role, deptID)
	return a, err
}

// checkAllowed refuses ip when the department has an allow-list it is
// not in. Calls without a client address (the command line) pass.
func checkAllowed(ip netip.Addr, allow []netip.Prefix) error {
	if !ip.IsValid() || len(allow) == 0 {
		return nil
	}
	for _, p := range allow {
		if p.Contains(ip.Unmap()) {
			return nil
		}
	}
	return ErrIPNotAllowed
}

// CSRFToken is the anti-forgery token of a session: an HMAC of the session
// secret under the installation key, so it needs no storage, changes with
// every login and cannot be computed without the cookie.
func (s *Service) CSRFToken(sessionSecret string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("csrf\x00"))
	m.Write(hashSecret(sessionSecret))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports whether token is the session's CSRF token.
func (s *Service) CheckCSRF(sessionSecret, token string) bool {
	return subtle.ConstantTimeCompare([]byte(s.CSRFToken(sessionSecret)), []byte(token)) == 1
}

// Sessions returns a person's live sessions (newest first).
func (s *Service) Sessions(ctx context.Context, personID int64) ([]Session, error) {
	return s.DepartmentSessions(ctx, personID, 0)
}

// DepartmentSessions returns a person's live sessions now working in
// department dept (0: in any), newest first: an administrator sees only
// what the person does in the administrator's department.
func (s *Service) DepartmentSessions(ctx context.Context, personID, dept int64) ([]Session, error) {
	rows, err := s.db.Query(unscoped(ctx), `SELECT `+sessionCols+` FROM sessions WHERE person_id = $1
		AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3 AND ($4 = 0 OR department_id = $4) ORDER BY id DESC`,
		personID, s.now(), s.now().Add(-s.opt.SessionIdle), dept)
	if err != nil {
		return nil, fmt.Errorf("staff: sessions: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Session])
}

// RevokeSession ends a session. personID limits it to that person's own
// sessions (0: any, for administrators).
func (s *Service) RevokeSession(ctx context.Context, id, personID int64) error {
	return s.RevokeDepartmentSession(ctx, id, personID, 0)
}

// RevokeDepartmentSession ends a session of a person that works in
// department dept (0: in any); not one of a person whose role there holds
// a permission the actor lacks (reachable).
func (s *Service) RevokeDepartmentSession(ctx context.Context, id, personID, dept int64) error {
	ctx = unscoped(ctx)
	// Ending one's own session needs no more than being that person.
	if a, _ := access.ActorFrom(ctx); personID != 0 && personID != a.PersonID {
		if err := reachable(ctx, s.db, personID, dept); err != nil {
			return err
		}
	}
	tag, err := s.db.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL
		AND ($2 = 0 OR person_id = $2) AND ($3 = 0 OR department_id = $3)`, id, personID, dept)
	if err != nil {
		return fmt.Errorf("staff: revoke session: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrSessionNotFound
	}
	return audit.Write(ctx, s.db, audit.Entry{Action: "session-revoke", TargetKind: "session", TargetID: &id})
}

// RevokeOtherSessions ends every live session of a person but keep (the
// one asking) and returns how many it ended: "sign out everywhere else".
// One audit entry counts them.
func (s *Service) RevokeOtherSessions(ctx context.Context, personID, keep int64) (int64, error) {
	ctx = unscoped(ctx)
	tag, err := s.db.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE person_id = $1 AND revoked_at IS NULL
		AND id <> $2`, personID, keep)
	if err != nil {
		return 0, fmt.Errorf("staff: revoke other sessions: %w", err)
	}
	n := tag.RowsAffected()
	if n == 0 {
		return 0, nil
	}
	return n, audit.Write(ctx, s.db, audit.Entry{Action: "session-revoke", TargetKind: "session", Count: n})
}

// Logout ends the session of secret.
func (s *Service) Logout(ctx context.Context, secret string) error {
	ctx = unscoped(ctx)
	var id, dept int64
	err := s.db.QueryRow(ctx, `UPDATE sessions SET revoked_at = now() WHERE secret_hash = $1 AND revoked_at IS NULL
		RETURNING id, department_id`, hashSecret(secret)).Scan(&id, &dept)
	if err != nil {
		return notFound(err, ErrSessionNotFound)
	}
	// In the department the session worked in, also when no request of
	// that session asked (the console's login form ending an old cookie's).
	return audit.Write(ctx, s.db, audit.Entry{Action: "logout", TargetKind: "session", TargetID: &id, DepartmentID: dept})
}

// SwitchDepartment moves a session to another department of the person.
func (s *Service) SwitchDepartment(ctx context.Context, secret string, deptID int64) (access.Actor, error) {
	ctx = unscoped(ctx)
	cur, _ := access.ActorFrom(ctx)
	ip := cur.IP
	a, ses, err := s.Authenticate(ctx, secret, ip)
	if err != nil {
		return a, err
	}
	if a, err = s.actor(ctx, ses.PersonID, deptID, ip); err != nil {
		return a, err
	}
	if _, err := s.db.Exec(ctx, `UPDATE sessions SET department_id = $2 WHERE id = $1`, ses.ID, deptID); err != nil {
		return a, fmt.Errorf("staff: switch department: %w", err)
	}
	a.SessionID = ses.ID
	return a, nil
}

func ipArg(ip netip.Addr) any {
	if !ip.IsValid() {
		return nil
	}
	return ip.String()
}

// AuthenticateSession is Authenticate for the API router.
func (s *Service) AuthenticateSession(ctx context.Context, secret string, ip netip.Addr) (access.Actor, error) {
	a, _, err := s.Authenticate(ctx, secret, ip)
	return a, err
}
