package optin

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"
)

// ConsentRecord is one append-only consent fact.
type ConsentRecord struct {
	ID        int64       `json:"id"`
	ContactID int64       `json:"contact_id"`
	ListID    *int64      `json:"list_id"`
	Action    string      `json:"action"`
	Source    string      `json:"source"`
	Purpose   string      `json:"purpose"`
	IP        *netip.Addr `json:"ip"`
	UserAgent string      `json:"user_agent"`
	Evidence  string      `json:"evidence"`
	CreatedAt time.Time   `json:"created_at"`
}

// recordConsent appends a consent record; the purpose defaults to the list's.
func recordConsent(ctx context.Context, tx pgx.Tx, contactID, listID int64, action string, c Consent) error {
	_, err := tx.Exec(ctx, `INSERT INTO consent_records (contact_id, list_id, action, source, purpose, ip, user_agent, evidence)
		SELECT $1, $2, $3, $4, CASE WHEN $5 = '' THEN coalesce((SELECT purpose FROM lists WHERE id = $2), '') ELSE $5 END, $6, $7, $8`,
		contactID, listID, action, c.Source, c.Purpose, c.ip(), c.UserAgent, c.Evidence)
	if err != nil {
		return fmt.Errorf("optin: record consent: %w", err)
	}
	return nil
}

// RecordConsentTx appends a consent record in the caller's transaction, for
// changes that are not a subscription change (e.g. "reconfirm" or "update"
// from the update-your-details page). listID 0 means no particular list.
func RecordConsentTx(ctx context.Context, tx pgx.Tx, contactID, listID int64, action string, c Consent) error {
	if err := c.Validate(); err != nil {
		return err
	}
	var lid any
	if listID != 0 {
		lid = listID
	}
	_, err := tx.Exec(ctx, `INSERT INTO consent_records (contact_id, list_id, action, source, purpose, ip, user_agent, evidence)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, contactID, lid, action, c.Source, c.Purpose, c.ip(), c.UserAgent, c.Evidence)
	if err != nil {
		return fmt.Errorf("optin: record consent: %w", err)
	}
	return nil
}

// ConsentRecords returns a contact's consent history, oldest first, after id, at most limit+1.
func (s *Store) ConsentRecords(ctx context.Context, contactID, after int64, limit int) ([]ConsentRecord, error) {
	rows, err := s.db.Query(ctx, `SELECT id, contact_id, list_id, action, source, purpose, ip, user_agent, evidence, created_at
		FROM consent_records WHERE contact_id = $1 AND id > $2 ORDER BY id LIMIT $3`, contactID, after, limit+1)
	if err != nil {
		return nil, fmt.Errorf("optin: consent records: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ConsentRecord])
}
