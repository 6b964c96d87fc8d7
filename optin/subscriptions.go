package optin

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
)

// Subscription statuses.
const (
	Unconfirmed  = "unconfirmed"
	Confirmed    = "confirmed"
	Unsubscribed = "unsubscribed"
)

// ConsentSources are how a consent change can come in.
var ConsentSources = []string{"import", "manual", "api", "webform", "update-page", "mailto", "one-click", "complaint", "system"}

// Subscription is a contact's membership of a list.
type Subscription struct {
	ListID    int64     `json:"list_id"`
	ListSlug  string    `json:"list_slug"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Consent is the evidence that comes with a consent change.
type Consent struct {
	// Source: one of ConsentSources; required.
	Source string
	// Purpose as stated to the contact; optional, default the list's purpose.
	Purpose string
	// IP and UserAgent of the person acting; optional (staff and imports have none).
	IP        netip.Addr
	UserAgent string
	// Evidence: the form text and its version, an import file name, a note; optional.
	Evidence string
}

// Validate checks the consent evidence.
func (c *Consent) Validate() error {
	if !contains(ConsentSources, c.Source) {
		return errs.Invalid("source", "must be one of "+strings.Join(ConsentSources, ", "))
	}
	if len(c.Purpose) > 2000 {
		return errs.Invalid("purpose", "is longer than 2000 characters")
	}
	c.UserAgent = errs.Clip(c.UserAgent, 1000)
	if len(c.Evidence) > 10000 {
		return errs.Invalid("evidence", "is longer than 10000 characters")
	}
	return nil
}

func (c *Consent) ip() any {
	if !c.IP.IsValid() {
		return nil
	}
	return c.IP.String()
}

// Subscribe adds a contact to lists and writes an opt-in consent record per
// list whose state changed. Lists with single opt-in, or confirmed=true (the
// caller holds proof of confirmation), are confirmed at once; double opt-in
// lists otherwise start unconfirmed. Already-confirmed subscriptions stay.
func (s *Store) Subscribe(ctx context.Context, contactID int64, listIDs []int64, c Consent, confirmed bool) ([]Subscription, error) {
	return s.subscribe(ctx, contactID, listIDs, c, confirmed, false)
}

// subscribe is Subscribe; unproven marks a request anyone could have made
// (a public form), which never confirms a subscription the contact left or
// one waiting for confirmation: those wait for the confirmation link, even
// on a single opt-in list.
func (s *Store) subscribe(ctx context.Context, contactID int64, listIDs []int64, c Consent, confirmed, unproven bool) ([]Subscription, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		return subscribeTx(ctx, tx, contactID, listIDs, c, confirmed, unproven)
	})
	if err != nil {
		return nil, err
	}
	return s.Subscriptions(ctx, contactID)
}

// subscribeTx is Subscribe inside the caller's transaction tx (c already
// validated); unproven as for subscribe.
func subscribeTx(ctx context.Context, tx pgx.Tx, contactID int64, listIDs []int64, c Consent, confirmed, unproven bool) error {
	if err := lockContact(ctx, tx, contactID); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `INSERT INTO subscriptions AS s (contact_id, list_id, status)
			SELECT $1, l.id, CASE WHEN l.optin = 'single' OR $3 THEN 'confirmed' ELSE 'unconfirmed' END
			FROM lists l WHERE l.id = ANY($2)
			ON CONFLICT (contact_id, list_id) DO UPDATE
				SET status = CASE WHEN $4 THEN 'unconfirmed' ELSE EXCLUDED.status END, updated_at = now()
				WHERE s.status = 'unsubscribed' OR (s.status = 'unconfirmed' AND EXCLUDED.status = 'confirmed' AND NOT $4)
			RETURNING list_id, status`, contactID, listIDs, confirmed, unproven)
	if err != nil {
		return fmt.Errorf("optin: subscribe: %w", err)
	}
	type changed struct {
		ListID int64
		Status string
	}
	ch, err := pgx.CollectRows(rows, pgx.RowToStructByPos[changed])
	if err != nil {
		return err
	}
	for _, x := range ch {
		action := "opt-in"
		if x.Status == Confirmed && confirmed {
			action = "confirm"
		}
		if err := recordConsent(ctx, tx, contactID, x.ListID, action, c); err != nil {
			return err
		}
	}
	return syncOneStar(ctx, tx, []int64{contactID})
}

// Confirm moves an unconfirmed subscription to confirmed (double opt-in) and
// records the confirmation. It reports whether anything changed.
func (s *Store) Confirm(ctx context.Context, contactID, listID int64, c Consent) (bool, error) {
	if err := c.Validate(); err != nil {
		return false, err
	}
	var changed bool
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE subscriptions SET status = 'confirmed', updated_at = now()
			WHERE contact_id = $1 AND list_id = $2 AND status = 'unconfirmed'`, contactID, listID)
		if err != nil {
			return fmt.Errorf("optin: confirm: %w", err)
		}
		if changed = tag.RowsAffected() == 1; !changed {
			return nil
		}
		if err := recordConsent(ctx, tx, contactID, listID, "confirm", c); err != nil {
			return err
		}
		return syncOneStar(ctx, tx, []int64{contactID})
	})
	return changed, err
}

// Unsubscribe takes a contact off the given lists (nil: every list) and
// records an opt-out per list left. It returns how many lists were left.
func (s *Store) Unsubscribe(ctx context.Context, contactID int64, listIDs []int64, c Consent) (int, error) {
	if err := c.Validate(); err != nil {
		return 0, err
	}
	var n int
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		n, err = UnsubscribeTx(ctx, tx, contactID, listIDs, c)
		return err
	})
	return n, err
}

// UnsubscribeTx is Unsubscribe inside the caller's transaction.
func UnsubscribeTx(ctx context.Context, tx pgx.Tx, contactID int64, listIDs []int64, c Consent) (int, error) {
	if err := lockContact(ctx, tx, contactID); err != nil {
		return 0, err
	}
	rows, err := tx.Query(ctx, `UPDATE subscriptions SET status = 'unsubscribed', updated_at = now()
		WHERE contact_id = $1 AND ($2::bigint[] IS NULL OR list_id = ANY($2)) AND status <> 'unsubscribed'
		RETURNING list_id`, contactID, listIDs)
	if err != nil {
		return 0, fmt.Errorf("optin: unsubscribe: %w", err)
	}
	left, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, err
	}
	for _, id := range left {
		if err := recordConsent(ctx, tx, contactID, id, "opt-out", c); err != nil {
			return 0, err
		}
	}
	return len(left), syncOneStar(ctx, tx, []int64{contactID})
}

// Subscriptions returns a contact's subscriptions.
func (s *Store) Subscriptions(ctx context.Context, contactID int64) ([]Subscription, error) {
	rows, err := s.db.Query(ctx, `SELECT s.list_id, l.slug, s.status, s.created_at, s.updated_at
		FROM subscriptions s JOIN lists l ON l.id = s.list_id WHERE s.contact_id = $1 ORDER BY s.list_id`, contactID)
	if err != nil {
		return nil, fmt.Errorf("optin: subscriptions: %w", err)
	}
	subs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Subscription])
	if subs == nil {
		subs = []Subscription{}
	}
	return subs, err
}

func lockContact(ctx context.Context, tx pgx.Tx, id int64) error {
	var x int64
	err := tx.QueryRow(ctx, `SELECT id FROM contacts WHERE id = $1 FOR UPDATE`, id).Scan(&x)
	if err == pgx.ErrNoRows {
		return contacts.ErrNotFound
	}
	return err
}

// leftSQL is the SQL condition that subscription row %[1]s (an alias of
// subscriptions) is one its contact left and has not confirmed since: an
// opt-out consent record with no confirm record after it. Such a row,
// unconfirmed again because anyone typed the address into a subscribe
// form, waits for the contact's confirmation link alone (FormSubscribe):
// no import confirms it, and when the link is never followed it is the
// opt-out again (ExpireUnconfirmed).
func leftSQL(alias string) string {
	return fmt.Sprintf(`EXISTS (SELECT 1 FROM consent_records o WHERE o.contact_id = %[1]s.contact_id
		AND o.list_id = %[1]s.list_id AND o.action = 'opt-out' AND NOT EXISTS (SELECT 1 FROM consent_records k
		WHERE k.contact_id = o.contact_id AND k.list_id = o.list_id AND k.action = 'confirm' AND k.id > o.id))`, alias)
}

func syncOneStar(ctx context.Context, tx pgx.Tx, ids []int64) error {
	return contacts.SyncOneStar(ctx, tx, ids)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
