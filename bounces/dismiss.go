package bounces

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/errs"
)

// Errors of Dismiss.
var (
	ErrDismissed  = errs.Conflict("bounce_dismissed", "the bounce is dismissed already")
	ErrNotCounted = errs.Conflict("bounce_not_counted", "the bounce does not count toward its contact: only a counted hard or soft bounce can be dismissed")
)

// Dismiss takes a counted bounce of the context's department out of what
// counts toward its contact's inactivity, in one transaction: a bounce a
// receiver's outage or a false report caused, which would otherwise make a
// reachable person inactive and, with retention, erased. The row stays
// (statistics, and it still holds its message's place, so a late report of
// the same message cannot count it again) with counted false and who
// dismissed it when; the contact's hard or soft bounce count goes down by
// one; an inactive contact whose bounces no longer keep it inactive (more
// hard bounces than the threshold, or the soft escalation rule) becomes
// active, and one-star follows (contacts.SyncOneStar). The dismissal is
// audited (bounce-dismiss, the contact, the bounce). The console and POST
// /api/v1/bounces/{id}/dismiss both dismiss through here.
func (p *Processor) Dismiss(ctx context.Context, id int64) (Bounce, error) {
	var b Bounce
	err := pgx.BeginFunc(ctx, p.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+bounceCols+` FROM bounces WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		b, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Bounce])
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		switch {
		case b.DismissedAt != nil:
			return ErrDismissed
		case !b.Counted || b.ContactID == nil || (b.Class != string(Hard) && b.Class != string(Soft)):
			return ErrNotCounted
		}
		return p.dismiss(ctx, tx, &b)
	})
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) {
			return Bounce{}, err
		}
		return Bounce{}, fmt.Errorf("bounces: dismiss %d: %w", id, err)
	}
	return b, nil
}

// dismiss uncounts b inside tx and reconsiders its contact.
func (p *Processor) dismiss(ctx context.Context, tx pgx.Tx, b *Bounce) error {
	contact := *b.ContactID
	var status string
	if err := tx.QueryRow(ctx, `SELECT status FROM contacts WHERE id = $1 FOR UPDATE`, contact).Scan(&status); err != nil {
		return err
	}
	a, _ := access.ActorFrom(ctx)
	if err := tx.QueryRow(ctx, `UPDATE bounces SET counted = false, dismissed_at = now(), dismissed_by = $2 WHERE id = $1
		RETURNING counted, dismissed_at, dismissed_by`, b.ID, a.Label()).Scan(&b.Counted, &b.DismissedAt, &b.DismissedBy); err != nil {
		return err
	}
	col := "soft_bounces"
	if b.Class == string(Hard) {
		col = "hard_bounces"
	}
	var hard int
	if err := tx.QueryRow(ctx, `UPDATE contacts SET `+col+` = greatest(`+col+` - 1, 0), updated_source = 'system', updated_at = now()
		WHERE id = $1 RETURNING hard_bounces`, contact).Scan(&hard); err != nil {
		return err
	}
	if status == contacts.StatusInactive {
		keep, err := p.keepsInactive(ctx, tx, contact, hard)
		if err != nil {
			return err
		}
		if !keep {
			if _, err := tx.Exec(ctx, `UPDATE contacts SET status = 'active' WHERE id = $1 AND status = 'inactive'`, contact); err != nil {
				return err
			}
		}
	}
	if err := contacts.SyncOneStar(ctx, tx, []int64{contact}); err != nil {
		return err
	}
	return audit.Write(ctx, tx, audit.Entry{Action: "bounce-dismiss", TargetKind: "contact", TargetID: &contact, Count: 1,
		Cause: "bounce " + strconv.FormatInt(b.ID, 10) + " (" + b.Class + ", " + b.Reason + ")"})
}

// keepsInactive reports whether a contact's bounces keep it inactive: more
// counted hard bounces (hard) than the threshold, or counted soft bounces
// that made the soft escalation rule hold at some moment (the rules that
// made it inactive, countHard and countSoft; the window is not counted
// back from now, or dismissing any bounce would revive a contact the rule
// made inactive longer than a window ago).
func (p *Processor) keepsInactive(ctx context.Context, tx pgx.Tx, contactID int64, hard int) (bool, error) {
	if hard > p.policy.HardThreshold {
		return true, nil
	}
	return p.softEscalatedOnce(ctx, tx, contactID)
}
