package privacy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/errs"
)

// Legal holds: a contact, or every contact, that must be kept for a legal
// reason (GDPR art. 17(3)(b) a legal obligation, (e) legal claims) until a
// date. While a hold is active (not released and its date not passed)
// retention leaves the contact alone (and the dry run lists it with the
// reason), Erase refuses with ErrOnHold naming the reason, and an erasure
// request is closed as refused with the reason, which the requester is
// mailed (art. 12(4)). Placing and releasing a hold are audited.

// Legal holds are audited as contact changes, with these causes.
const (
	CauseHold        = "legal hold placed"
	CauseHoldRelease = "legal hold released"
)

// holdsContactSQL is true for a hold h that covers the contact c: one on
// the contact, or one on every contact of the contact's department. System
// work (retention) sees every department's holds, so the department is
// named here, not left to row-level security.
const holdsContactSQL = `(h.contact_id = c.id OR (h.contact_id IS NULL AND h.department_id = c.department_id))`

// heldSQL is true for a contact c under an active hold.
const heldSQL = `EXISTS (SELECT 1 FROM legal_holds h WHERE h.released_at IS NULL AND h.until > now()
	AND ` + holdsContactSQL + `)`

// Hold is one legal hold. ContactID nil: every contact.
type Hold struct {
	ID         int64      `json:"id"`
	ContactID  *int64     `json:"contact_id"`
	Reason     string     `json:"reason"`
	Until      time.Time  `json:"until"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ReleasedAt *time.Time `json:"released_at"`
	ReleasedBy string     `json:"released_by"`
	Active     bool       `json:"active"`
}

const holdCols = `h.id, h.contact_id, h.reason, h.until, h.created_by, h.created_at, h.released_at, h.released_by,
	h.released_at IS NULL AND h.until > now()`

// ErrHoldNotFound: no such hold.
var ErrHoldNotFound = errs.NotFound("hold_not_found", "legal hold not found")

// ErrOnHold is the error of an erasure refused because of a hold.
type ErrOnHold struct{ Hold Hold }

func (e *ErrOnHold) Error() string {
	return fmt.Sprintf("the contact is on legal hold until %s: %s", e.Hold.Until.UTC().Format("2006-01-02"), e.Hold.Reason)
}

// Unwrap lets the edge map the refusal to 409 Conflict.
func (e *ErrOnHold) Unwrap() error { return errs.Conflict("legal_hold", e.Error()) }

// HoldInput places a hold.
type HoldInput struct {
	// ContactID holds one contact; All holds every contact. One of them.
	ContactID int64     `json:"contact_id"`
	All       bool      `json:"all"`
	Reason    string    `json:"reason"`
	Until     time.Time `json:"until"`
}

func (in HoldInput) validate() error {
	switch {
	case in.All == (in.ContactID != 0):
		return errs.Invalid("contact_id", "give contact_id or all: true, one of them")
	case in.ContactID < 0:
		return errs.Invalid("contact_id", "must be a positive id")
	case len(in.Reason) < 3 || len(in.Reason) > 2000:
		return errs.Invalid("reason", "is required (3 to 2000 characters): it is told to the person whose erasure is refused")
	case !in.Until.After(time.Now()):
		return errs.Invalid("until", "must be a future date-time")
	}
	return nil
}

// PlaceHold puts a contact, or every contact, on hold and audits it.
func (s *Service) PlaceHold(ctx context.Context, in HoldInput, actor string) (Hold, error) {
	if err := in.validate(); err != nil {
		return Hold{}, err
	}
	var contact *int64
	if !in.All {
		if _, err := s.opt.Contacts.Get(ctx, in.ContactID); err != nil {
			return Hold{}, err
		}
		contact = &in.ContactID
	}
	var h Hold
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO legal_holds AS h (contact_id, reason, until, created_by) VALUES ($1, $2, $3, $4)
			RETURNING `+holdCols, contact, in.Reason, in.Until, actor)
		if err != nil {
			return fmt.Errorf("privacy: place hold: %w", err)
		}
		if h, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Hold]); err != nil {
			return fmt.Errorf("privacy: place hold: %w", err)
		}
		return writeAudit(ctx, tx, Entry{Actor: actor, Action: ActionContactChange, TargetKind: holdTarget(contact), TargetID: contact, Count: 1, Cause: CauseHold})
	})
	return h, err
}

func holdTarget(contact *int64) string {
	if contact == nil {
		return "contacts"
	}
	return "contact"
}

// ReleaseHold ends a hold now and audits it.
func (s *Service) ReleaseHold(ctx context.Context, id int64, actor string) (Hold, error) {
	var h Hold
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE legal_holds h SET released_at = now(), released_by = $2
			WHERE id = $1 AND released_at IS NULL RETURNING `+holdCols, id, actor)
		if err != nil {
			return fmt.Errorf("privacy: release hold: %w", err)
		}
		h, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Hold])
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrHoldNotFound
		}
		if err != nil {
			return fmt.Errorf("privacy: release hold: %w", err)
		}
		return writeAudit(ctx, tx, Entry{Actor: actor, Action: ActionContactChange, TargetKind: holdTarget(h.ContactID), TargetID: h.ContactID, Count: 1, Cause: CauseHoldRelease})
	})
	return h, err
}

// Holds lists holds after id `after`, at most limit+1; activeOnly leaves
// out released and expired ones.
func (s *Service) Holds(ctx context.Context, activeOnly bool, after int64, limit int) ([]Hold, error) {
	rows, err := s.db.Query(ctx, `SELECT `+holdCols+` FROM legal_holds h
		WHERE id > $1 AND (NOT $2 OR (released_at IS NULL AND until > now())) ORDER BY id LIMIT $3`, after, activeOnly, limit+1)
	if err != nil {
		return nil, fmt.Errorf("privacy: holds: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Hold])
}

// activeHold returns the hold that keeps a contact (its own or one on
// every contact; the one lasting longest), or nil.
func activeHold(ctx context.Context, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}, contactID int64) (*Hold, error) {
	rows, err := q.Query(ctx, `SELECT `+holdCols+` FROM legal_holds h, contacts c WHERE c.id = $1
		AND h.released_at IS NULL AND h.until > now() AND `+holdsContactSQL+` ORDER BY h.until DESC LIMIT 1`, contactID)
	if err != nil {
		return nil, fmt.Errorf("privacy: hold: %w", err)
	}
	h, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Hold])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("privacy: hold: %w", err)
	}
	return &h, nil
}

// HeldContact is a contact retention would erase but a hold keeps.
type HeldContact struct {
	ContactID int64     `json:"contact_id"`
	Reason    string    `json:"reason"`
	Until     time.Time `json:"until"`
}

// heldDue lists (at most limit) contacts due for retention that a hold keeps.
func (s *Service) heldDue(ctx context.Context, limit int) ([]HeldContact, int64, error) {
	rows, err := s.db.Query(ctx, `SELECT c.id, h.reason, h.until, count(*) OVER ()
		FROM contacts c CROSS JOIN LATERAL (SELECT reason, until FROM legal_holds h WHERE h.released_at IS NULL AND h.until > now()
			AND `+holdsContactSQL+` ORDER BY until DESC LIMIT 1) h
		WHERE `+dueSQL+` ORDER BY c.id LIMIT $2`, s.cutoff(), limit)
	if err != nil {
		return nil, 0, fmt.Errorf("privacy: held contacts: %w", err)
	}
	var out []HeldContact
	var total int64
	var hc HeldContact
	_, err = pgx.ForEachRow(rows, []any{&hc.ContactID, &hc.Reason, &hc.Until, &total}, func() error {
		out = append(out, hc)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("privacy: held contacts: %w", err)
	}
	return out, total, nil
}

// errOnHoldFor returns *ErrOnHold when the contact is held.
func (s *Service) errOnHoldFor(ctx context.Context, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}, contactID int64) error {
	h, err := activeHold(ctx, q, contactID)
	if err != nil {
		return err
	}
	if h != nil {
		return &ErrOnHold{Hold: *h}
	}
	return nil
}
