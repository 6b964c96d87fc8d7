package optin

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"
)

// ActionRecord is one recorded recipient action of a contact.
type ActionRecord struct {
	ID         int64       `json:"id"`
	CampaignID *int64      `json:"campaign_id"`
	ListID     *int64      `json:"list_id"`
	Action     string      `json:"action"`
	Detail     string      `json:"detail"`
	IP         *netip.Addr `json:"ip"`
	UserAgent  string      `json:"user_agent"`
	CreatedAt  time.Time   `json:"created_at"`
}

// ContactActions returns the contact's recipient actions, newest first, with
// id below before (0: from the newest), at most limit+1.
func (s *Store) ContactActions(ctx context.Context, contactID, before int64, limit int) ([]ActionRecord, error) {
	rows, err := s.db.Query(ctx, `SELECT id, campaign_id, list_id, action, detail, ip, user_agent, created_at
		FROM recipient_actions WHERE contact_id = $1 AND ($2 = 0 OR id < $2)
		ORDER BY id DESC LIMIT $3`, contactID, before, limit+1)
	if err != nil {
		return nil, fmt.Errorf("optin: contact actions: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ActionRecord])
	if err != nil {
		return nil, fmt.Errorf("optin: contact actions: %w", err)
	}
	return out, nil
}
