package optin

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/plural"
)

// RepermissionDue is a subscription whose re-confirmation mail goes out now.
type RepermissionDue struct {
	ContactID int64
	Email     string
	List      ListRef
	GraceDays int
}

// RepermissionSender mails the re-confirmation for one subscription.
type RepermissionSender func(ctx context.Context, d RepermissionDue) error

// repermissionClock is the last sign of consent for a subscription: the
// newest consent given on the list (opt-in, confirm, reconfirm or a
// confirmed re-permission), the contact's last engagement (open, click,
// answer), or the subscription itself.
const repermissionClock = `greatest(s.created_at, c.last_engaged_at, (SELECT max(cr.created_at) FROM consent_records cr
	WHERE cr.contact_id = s.contact_id AND cr.list_id = s.list_id
	AND cr.action IN ('opt-in', 'confirm', 'reconfirm', 'repermission-confirmed')))`

// RunRepermission is one pass of the re-permission of lists that have a
// period: subscriptions asked longer than the list's grace period ago
// leave the list (a repermission-lapsed record; the last list makes the
// contact a floater), then up to batch subscriptions past the period are
// asked again through send (a repermission-asked record), at most one per
// contact per pass. Only confirmed subscriptions of active contacts are
// asked; a subscription is asked once until it is confirmed or lapses, so
// running the pass again sends nothing twice. It returns how many were
// asked and how many lapsed.
func (r *Recipients) RunRepermission(ctx context.Context, batch int, send RepermissionSender) (asked, lapsed int, err error) {
	if lapsed, err = r.lapseRepermissions(ctx, batch); err != nil {
		return 0, lapsed, err
	}
	rows, err := r.db.Query(ctx, `SELECT DISTINCT ON (s.contact_id) s.contact_id, s.list_id FROM subscriptions s
		JOIN lists l ON l.id = s.list_id JOIN contacts c ON c.id = s.contact_id
		WHERE l.repermission_months > 0 AND s.status = 'confirmed' AND s.repermission_asked_at IS NULL
		AND c.status = 'active' AND c.one_star_since IS NULL
		AND `+repermissionClock+` < now() - make_interval(months => l.repermission_months)
		ORDER BY s.contact_id, s.list_id LIMIT $1`, batch)
	if err != nil {
		return 0, lapsed, fmt.Errorf("optin: repermission due: %w", err)
	}
	type due struct{ ContactID, ListID int64 }
	dues, err := pgx.CollectRows(rows, pgx.RowToStructByPos[due])
	if err != nil {
		return 0, lapsed, fmt.Errorf("optin: repermission due: %w", err)
	}
	for _, d := range dues {
		ok, err := r.askRepermission(ctx, d.ContactID, d.ListID, send)
		if err != nil {
			return asked, lapsed, err
		}
		if ok {
			asked++
		}
	}
	return asked, lapsed, nil
}

// askRepermission marks one subscription asked, records it and mails the
// contact in one transaction: a mail that cannot be sent leaves the
// subscription to be asked on the next pass. Another node that claimed the
// subscription first, or a change since it was selected, skips it.
func (r *Recipients) askRepermission(ctx context.Context, contactID, listID int64, send RepermissionSender) (bool, error) {
	var asked bool
	err := pgx.BeginFunc(ctx, r.db, func(tx pgx.Tx) error {
		d := RepermissionDue{ContactID: contactID}
		err := tx.QueryRow(ctx, `SELECT c.email, l.id, l.name, l.purpose, l.repermission_grace_days
			FROM subscriptions s JOIN contacts c ON c.id = s.contact_id JOIN lists l ON l.id = s.list_id
			WHERE s.contact_id = $1 AND s.list_id = $2 AND s.status = 'confirmed' AND s.repermission_asked_at IS NULL
			AND c.status = 'active' FOR UPDATE OF s SKIP LOCKED`, contactID, listID).
			Scan(&d.Email, &d.List.ID, &d.List.Name, &d.List.Purpose, &d.GraceDays)
		if err == pgx.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("optin: repermission ask: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE subscriptions SET repermission_asked_at = now()
			WHERE contact_id = $1 AND list_id = $2`, contactID, listID); err != nil {
			return fmt.Errorf("optin: repermission ask: %w", err)
		}
		c := Consent{Source: "system", Evidence: plural.Sprintf("re-confirmation mail sent; %d {day|days} to confirm", d.GraceDays)}
		if err := recordConsent(ctx, tx, contactID, listID, "repermission-asked", c); err != nil {
			return err
		}
		if err := send(ctx, d); err != nil {
			return fmt.Errorf("optin: repermission mail: %w", err)
		}
		asked = true
		return nil
	})
	return asked, err
}

// lapseRepermissions takes up to batch subscriptions asked longer than
// their list's grace period ago off the list.
func (r *Recipients) lapseRepermissions(ctx context.Context, batch int) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, r.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE subscriptions s SET status = 'unsubscribed', repermission_asked_at = NULL, updated_at = now()
			WHERE (s.contact_id, s.list_id) IN (SELECT s2.contact_id, s2.list_id FROM subscriptions s2 JOIN lists l ON l.id = s2.list_id
				WHERE s2.status = 'confirmed' AND s2.repermission_asked_at < now() - make_interval(days => l.repermission_grace_days)
				ORDER BY s2.repermission_asked_at LIMIT $1 FOR UPDATE OF s2 SKIP LOCKED)
			RETURNING s.contact_id, s.list_id`, batch)
		if err != nil {
			return fmt.Errorf("optin: repermission lapse: %w", err)
		}
		type gone struct{ ContactID, ListID int64 }
		left, err := pgx.CollectRows(rows, pgx.RowToStructByPos[gone])
		if err != nil {
			return fmt.Errorf("optin: repermission lapse: %w", err)
		}
		ids := make([]int64, len(left))
		c := Consent{Source: "system", Evidence: "not confirmed again within the grace period"}
		for i, g := range left {
			if err := recordConsent(ctx, tx, g.ContactID, g.ListID, "repermission-lapsed", c); err != nil {
				return err
			}
			ids[i] = g.ContactID
		}
		n = len(left)
		return syncOneStar(ctx, tx, ids)
	})
	return n, err
}

// confirmRepermission clears an open re-permission of a confirmed
// subscription with a repermission-confirmed record, which restarts the
// list's re-permission period. It reports whether one was open.
func confirmRepermission(ctx context.Context, tx pgx.Tx, contactID, listID int64, c Consent) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE subscriptions SET repermission_asked_at = NULL, updated_at = now()
		WHERE contact_id = $1 AND list_id = $2 AND status = 'confirmed' AND repermission_asked_at IS NOT NULL`, contactID, listID)
	if err != nil {
		return false, fmt.Errorf("optin: repermission confirm: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	c.Evidence = "re-confirmation link"
	return true, recordConsent(ctx, tx, contactID, listID, "repermission-confirmed", c)
}
