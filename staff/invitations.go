package staff

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/errs"
)

// Invitation states.
const (
	InvitationPending  = "pending"
	InvitationExpired  = "expired"
	InvitationAccepted = "accepted"
	InvitationRevoked  = "revoked"
)

// Invitation is an offer of a role in a department to an address. It is a
// record of its own: no person exists for it until it is accepted, and
// nothing in it tells whether the address has an account anywhere.
type Invitation struct {
	// ID is random ("inv_" and 26 hex digits), never a person's id.
	ID             string     `json:"id"`
	Email          string     `json:"email"`
	Name           string     `json:"name"`
	DepartmentID   int64      `json:"department_id"`
	DepartmentName string     `json:"department_name"`
	Role           string     `json:"role"`
	InvitedBy      string     `json:"invited_by"`
	Status         string     `json:"status"`
	CreatedAt      time.Time  `json:"created_at"`
	SentAt         time.Time  `json:"sent_at"`
	ExpiresAt      time.Time  `json:"expires_at"`
	AcceptedAt     *time.Time `json:"accepted_at"`
	RevokedAt      *time.Time `json:"revoked_at"`
	seq            int64
}

const invitationCols = `i.id, i.seq, i.email, i.name, i.department_id, d.name, i.role, i.invited_by, i.created_at, i.sent_at,
	i.expires_at, i.accepted_at, i.revoked_at`

const invitationFrom = ` FROM invitations i JOIN departments d ON d.id = i.department_id`

func (s *Service) scanInvitation(row pgx.Row) (Invitation, error) {
	var v Invitation
	err := row.Scan(&v.ID, &v.seq, &v.Email, &v.Name, &v.DepartmentID, &v.DepartmentName, &v.Role, &v.InvitedBy,
		&v.CreatedAt, &v.SentAt, &v.ExpiresAt, &v.AcceptedAt, &v.RevokedAt)
	switch {
	case err != nil:
	case v.AcceptedAt != nil:
		v.Status = InvitationAccepted
	case v.RevokedAt != nil:
		v.Status = InvitationRevoked
	case !v.ExpiresAt.After(s.now()):
		v.Status = InvitationExpired
	default:
		v.Status = InvitationPending
	}
	return v, err
}

// InvitationCursor is what a page of invitations continues after.
func InvitationCursor(v Invitation) int64 { return v.seq }

// Errors of invitations.
var (
	ErrInvitationNotFound = errs.NotFound("invitation_not_found", "invitation not found")
	errInvitationPending  = errs.Conflict("invitation_pending", "this address has a pending invitation to this department: send it again or revoke it")
	errInvitationClosed   = errs.Conflict("invitation_closed", "this invitation was accepted or revoked")
)

// newInvitationID returns a random invitation id.
func newInvitationID() (string, error) {
	b := make([]byte, 13)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "inv_" + hex.EncodeToString(b), nil
}

// Invite records an invitation of n's address to n's department with n's
// role and returns it with the secret of its link (valid InviteTTL).
// Whoever opens the link accepts it (AcceptInvite): with the password of
// the address's account when it has one, else choosing a password for a
// new account.
//
// Whether the address has an account in another department changes
// nothing here: the same statements run and the same answer comes back, so
// an administrator cannot learn from an invitation which addresses have
// accounts in departments they cannot see. An address already in the
// department is refused (person_exists: the administrator lists it
// anyway), and so is a second pending invitation of it.
func (s *Service) Invite(ctx context.Context, n NewPerson) (Invitation, string, error) {
	if err := n.validate(); err != nil {
		return Invitation{}, "", err
	}
	if n.DepartmentID != 0 {
		if err := s.grantableIn(ctx, n.Role, n.DepartmentID); err != nil {
			return Invitation{}, "", err
		}
	}
	id, err := newInvitationID()
	if err != nil {
		return Invitation{}, "", err
	}
	secret, hash, err := newSecret("pbl_")
	if err != nil {
		return Invitation{}, "", err
	}
	ctx = unscoped(ctx)
	var v Invitation
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if n.DepartmentID == 0 { // the command line's department by slug, made when missing
			if n.DepartmentID, err = departmentBySlug(ctx, tx, n.DepartmentSlug); err != nil {
				return err
			}
			if err := s.grantableIn(ctx, n.Role, n.DepartmentID); err != nil {
				return err
			}
		}
		// One invitation of an address to a department at a time: the
		// check and the insert are serialised per address and department.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(lower($1) || ' ' || ($2::bigint)::text, 290))`,
			n.Email, n.DepartmentID); err != nil {
			return fmt.Errorf("staff: invite: %w", err)
		}
		var role, member, pending bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM roles WHERE name = $4 AND (department_id IS NULL OR department_id = $2)),
			EXISTS (SELECT 1 FROM persons p JOIN memberships m ON m.person_id = p.id
				WHERE lower(p.email) = lower($1) AND m.department_id = $2),
			EXISTS (SELECT 1 FROM invitations WHERE department_id = $2 AND lower(email) = lower($1)
				AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3)`,
			n.Email, n.DepartmentID, s.now(), n.Role).Scan(&role, &member, &pending); err != nil {
			return fmt.Errorf("staff: invite: %w", err)
		}
		switch {
		case !role:
			return errs.Invalidf("role", "no role named %q", n.Role)
		case member:
			return errPersonExists
		case pending:
			return errInvitationPending
		}
		v, err = s.scanInvitation(tx.QueryRow(ctx, `WITH i AS (INSERT INTO invitations (id, department_id, email, name, role,
			token_hash, invited_by, created_at, sent_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING *)
			SELECT `+invitationCols+` FROM i JOIN departments d ON d.id = i.department_id`,
			id, n.DepartmentID, n.Email, n.Name, n.Role, hash, access.Label(ctx), s.now(), s.now().Add(s.opt.InviteTTL)))
		if err != nil {
			return fmt.Errorf("staff: invite: %w", err)
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "person-invite", TargetKind: "invitation", TargetID: &v.seq,
			DepartmentID: n.DepartmentID})
	})
	if err != nil {
		return Invitation{}, "", err
	}
	return v, secret, nil
}

// Invitations returns the open invitations of department dept (pending or
// expired: neither accepted nor revoked), newest first: those recorded
// before the one numbered before (0: from the newest), at most limit+1 (a
// page and whether there is another: httpapi.NewPage with InvitationCursor).
func (s *Service) Invitations(ctx context.Context, dept, before int64, limit int) ([]Invitation, error) {
	rows, err := s.db.Query(unscoped(ctx), `SELECT `+invitationCols+invitationFrom+` WHERE i.department_id = $1
		AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND ($2 = 0 OR i.seq < $2)
		ORDER BY i.seq DESC LIMIT $3`, dept, before, limit+1)
	if err != nil {
		return nil, fmt.Errorf("staff: invitations: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Invitation, error) { return s.scanInvitation(r) })
}

// Invitation returns the invitation id of department dept; another
// department's is not found.
func (s *Service) Invitation(ctx context.Context, dept int64, id string) (Invitation, error) {
	if !isInvitationID(id) {
		return Invitation{}, ErrInvitationNotFound
	}
	v, err := s.scanInvitation(s.db.QueryRow(unscoped(ctx), `SELECT `+invitationCols+invitationFrom+`
		WHERE i.id = $1 AND i.department_id = $2`, id, dept))
	return v, notFound(err, ErrInvitationNotFound)
}

// isInvitationID reports whether id has the shape of an invitation id (so
// nothing else reaches the database).
func isInvitationID(id string) bool {
	if len(id) != 30 || id[:4] != "inv_" {
		return false
	}
	_, err := hex.DecodeString(id[4:])
	return err == nil
}

// reachableInvitation is the invitation id of department dept when the
// actor of ctx could give its role (grantableIn): acting on an invitation
// to a role beyond one's own (sending it again, and so, without a mailer,
// being handed the link that makes an account with that role; or revoking
// it) is refused as acting on a person who holds it is (reachable).
func (s *Service) reachableInvitation(ctx context.Context, dept int64, id string) (Invitation, error) {
	v, err := s.Invitation(ctx, dept, id)
	if err != nil {
		return v, err
	}
	if err := s.grantableIn(ctx, v.Role, dept); err != nil {
		return Invitation{}, err
	}
	return v, nil
}

// Unactionable returns which of the invitations vs of department dept the
// actor of ctx may neither send again nor revoke (the rule of
// reachableInvitation: their role is not grantable by the actor), so a
// screen offers only the actions the service would take.
func (s *Service) Unactionable(ctx context.Context, vs []Invitation, dept int64) (map[string]bool, error) {
	out := map[string]bool{}
	refused := map[string]bool{} // by role: each role's permissions are read once
	for _, v := range vs {
		no, ok := refused[v.Role]
		if !ok {
			err := s.grantableIn(ctx, v.Role, dept)
			var e *errs.Error
			if err != nil && !errors.As(err, &e) {
				return nil, err
			}
			no = err != nil
			refused[v.Role] = no
		}
		if no {
			out[v.ID] = true
		}
	}
	return out, nil
}

// RevokeInvitation ends an open invitation of department dept: its link
// stops working.
func (s *Service) RevokeInvitation(ctx context.Context, dept int64, id string) (Invitation, error) {
	v, err := s.reachableInvitation(ctx, dept, id)
	if err != nil {
		return v, err
	}
	ctx = unscoped(ctx)
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE invitations SET revoked_at = $3 WHERE id = $1 AND department_id = $2
			AND accepted_at IS NULL AND revoked_at IS NULL`, id, dept, s.now())
		if err != nil {
			return fmt.Errorf("staff: revoke invitation: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return errInvitationClosed
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "invitation-revoke", TargetKind: "invitation", TargetID: &v.seq,
			DepartmentID: dept})
	})
	if err != nil {
		return Invitation{}, err
	}
	return s.Invitation(ctx, dept, id)
}

// RenewInvitation gives an open invitation of department dept a new link
// (valid InviteTTL from now; the old link stops working) and returns its
// secret.
func (s *Service) RenewInvitation(ctx context.Context, dept int64, id string) (Invitation, string, error) {
	v, err := s.reachableInvitation(ctx, dept, id)
	if err != nil {
		return v, "", err
	}
	secret, hash, err := newSecret("pbl_")
	if err != nil {
		return v, "", err
	}
	ctx = unscoped(ctx)
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE invitations SET token_hash = $3, sent_at = $4, expires_at = $5
			WHERE id = $1 AND department_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`,
			id, dept, hash, s.now(), s.now().Add(s.opt.InviteTTL))
		if err != nil {
			return fmt.Errorf("staff: renew invitation: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return errInvitationClosed
		}
		return audit.Write(ctx, tx, audit.Entry{Action: "invitation-resend", TargetKind: "invitation", TargetID: &v.seq,
			DepartmentID: dept})
	})
	if err != nil {
		return Invitation{}, "", err
	}
	v, err = s.Invitation(ctx, dept, id)
	return v, secret, err
}

// InvitationLink is what the page of an invitation link shows: the
// department and role, and whether the address has an account (then its
// owner accepts with its password; else they choose one).
type InvitationLink struct {
	Membership
	HasAccount bool
}

// openInvitation returns the pending invitation of a link secret.
func (s *Service) openInvitation(ctx context.Context, q accountQuerier, secret string) (Invitation, error) {
	v, err := s.scanInvitation(q.QueryRow(unscoped(ctx), `SELECT `+invitationCols+invitationFrom+`
		WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2`,
		hashSecret(secret), s.now()))
	return v, notFound(err, ErrLinkInvalid)
}

// InvitationByLink returns what the page of a valid invitation link shows;
// ok is false for any other token.
func (s *Service) InvitationByLink(ctx context.Context, secret string) (InvitationLink, bool) {
	ctx = unscoped(ctx)
	v, err := s.openInvitation(ctx, s.db, secret)
	if err != nil {
		return InvitationLink{}, false
	}
	l := InvitationLink{Membership: Membership{DepartmentID: v.DepartmentID, DepartmentName: v.DepartmentName, Role: v.Role}}
	err = s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM persons WHERE lower(email) = lower($1) AND status <> 'invited')`,
		v.Email).Scan(&l.HasAccount)
	return l, err == nil
}

// AcceptInvite accepts the invitation of a link secret. When its address
// has an account, password must be the account's (checked as a password
// change does: a wrong one counts as a failed login) and the account gets
// the invitation's role in its department; else a new active account is
// made with password as its password. The link is used up either way.
// An account already in the department (given a role there after the
// invitation was made) keeps its role: the invitation is revoked as
// superseded (see supersedeInvitations) and the link refused.
func (s *Service) AcceptInvite(ctx context.Context, secret, password string) (Person, error) {
	ctx = unscoped(ctx)
	v, err := s.openInvitation(ctx, s.db, secret)
	if err != nil {
		return Person{}, err
	}
	var personID int64
	var status string
	err = s.db.QueryRow(ctx, `SELECT id, status FROM persons WHERE lower(email) = lower($1)`, v.Email).Scan(&personID, &status)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return s.acceptNew(ctx, v, secret, password)
	case err != nil:
		return Person{}, fmt.Errorf("staff: accept invitation: %w", err)
	case status != StatusActive:
		return Person{}, ErrLinkInvalid
	}
	if _, _, err := s.checkCurrentPassword(ctx, personID, password); err != nil {
		return Person{}, err
	}
	superseded := false
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// An account that has a role in the department already got it
		// after the invitation was made (added by id while it was being
		// sent): that is the newer word on its access, so the invitation
		// is revoked as superseded rather than changing the role.
		var member bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE person_id = $1 AND department_id = $2)`,
			personID, v.DepartmentID).Scan(&member); err != nil {
			return fmt.Errorf("staff: accept invitation: %w", err)
		}
		if member {
			superseded = true
			return supersedeInvitations(ctx, tx, personID, v.DepartmentID, s.now())
		}
		if err := useInvitation(ctx, tx, secret, personID, s.now()); err != nil {
			return err
		}
		if err := setMembership(ctx, tx, personID, v.DepartmentID, v.Role); err != nil {
			return err
		}
		return auditAccept(ctx, tx, v, personID, audit.Entry{Action: "membership-set", Cause: "invitation accepted"})
	})
	if err == nil && superseded {
		err = ErrLinkInvalid
	}
	if err != nil {
		return Person{}, err
	}
	return s.Get(ctx, personID)
}

// acceptNew makes the account of an invitation of an address without one.
func (s *Service) acceptNew(ctx context.Context, v Invitation, secret, password string) (Person, error) {
	if err := CheckPassword(password, v.Email); err != nil {
		return Person{}, err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return Person{}, err
	}
	var personID int64
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO persons (email, name, status, password_hash) VALUES ($1, $2, 'active', $3)
			RETURNING id`, v.Email, v.Name, hash).Scan(&personID)
		if isUnique(err) { // an account was made for the address meanwhile: accept again with its password
			return ErrLinkInvalid
		}
		if err != nil {
			return fmt.Errorf("staff: accept invitation: %w", err)
		}
		if err := useInvitation(ctx, tx, secret, personID, s.now()); err != nil {
			return err
		}
		if err := setMembership(ctx, tx, personID, v.DepartmentID, v.Role); err != nil {
			return err
		}
		return auditAccept(ctx, tx, v, personID, audit.Entry{Action: "person-activate"})
	})
	if err != nil {
		return Person{}, err
	}
	return s.Get(ctx, personID)
}

// useInvitation marks the pending invitation of secret accepted by
// personID, refusing one accepted, revoked or renewed meanwhile.
func useInvitation(ctx context.Context, tx pgx.Tx, secret string, personID int64, now time.Time) error {
	tag, err := tx.Exec(ctx, `UPDATE invitations SET accepted_at = $2, accepted_by = $3 WHERE token_hash = $1
		AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2`, hashSecret(secret), now, personID)
	if err != nil {
		return fmt.Errorf("staff: accept invitation: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrLinkInvalid
	}
	return nil
}

// supersedeInvitations revokes the pending invitations of person
// personID's address to department dept (0: to every department), in tx,
// which is changing the person's access there: giving them a role,
// removing them, disabling their account. A change to a person's access
// is the newest word on it; an invitation sent before it would otherwise
// undo it when accepted later (a person invited as an administrator,
// added by id and demoted or removed since, regaining the administrator
// role through the old link). Each is audited (invitation-revoke, cause
// "superseded") in its department. Call it before the change itself: a
// concurrent acceptance then either used the invitation first, and the
// change follows it, or finds it revoked.
func supersedeInvitations(ctx context.Context, tx pgx.Tx, personID, dept int64, now time.Time) error {
	rows, err := tx.Query(ctx, `UPDATE invitations i SET revoked_at = $3 FROM persons p
		WHERE p.id = $1 AND lower(i.email) = lower(p.email) AND ($2 = 0 OR i.department_id = $2)
		AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $3
		RETURNING i.seq, i.department_id`, personID, dept, now)
	if err != nil {
		return fmt.Errorf("staff: supersede invitations: %w", err)
	}
	type revoked struct{ Seq, Dept int64 }
	vs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[revoked])
	if err != nil {
		return fmt.Errorf("staff: supersede invitations: %w", err)
	}
	for _, v := range vs {
		if err := audit.Write(ctx, tx, audit.Entry{Action: "invitation-revoke", TargetKind: "invitation", TargetID: &v.Seq,
			DepartmentID: v.Dept, Cause: "superseded"}); err != nil {
			return err
		}
	}
	return nil
}

// auditAccept writes, as the accepting person, e on the person and the
// invitation's acceptance.
func auditAccept(ctx context.Context, tx pgx.Tx, v Invitation, personID int64, e audit.Entry) error {
	actor := "person:" + fmt.Sprint(personID)
	e.Actor, e.PersonID, e.TargetKind, e.TargetID, e.DepartmentID = actor, personID, "person", &personID, v.DepartmentID
	if err := audit.Write(ctx, tx, e); err != nil {
		return err
	}
	return audit.Write(ctx, tx, audit.Entry{Actor: actor, PersonID: personID, Action: "invitation-accept",
		TargetKind: "invitation", TargetID: &v.seq, DepartmentID: v.DepartmentID})
}
