package campaigns

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ContactDelivery is one campaign message to one contact.
type ContactDelivery struct {
	CampaignID   int64      `json:"campaign_id"`
	CampaignName string     `json:"campaign_name"`
	Status       string     `json:"status"`
	Attempts     int        `json:"attempts"`
	QueuedAt     time.Time  `json:"queued_at"`
	DoneAt       *time.Time `json:"done_at"`
	OpenedAt     *time.Time `json:"opened_at"`
	ClickedAt    *time.Time `json:"clicked_at"`
}

// ContactDeliveries returns the contact's deliveries, newest campaign first,
// with campaign id below before (0: from the newest), at most limit+1.
func (s *Service) ContactDeliveries(ctx context.Context, contactID, before int64, limit int) ([]ContactDelivery, error) {
	rows, err := s.db.Query(ctx, `SELECT d.campaign_id, c.name, d.status, d.attempts, d.queued_at, d.done_at,
			d.opened_at, d.clicked_at
		FROM deliveries d JOIN campaigns c ON c.id = d.campaign_id
		WHERE d.contact_id = $1 AND ($2 = 0 OR d.campaign_id < $2)
		ORDER BY d.campaign_id DESC LIMIT $3`, contactID, before, limit+1)
	if err != nil {
		return nil, fmt.Errorf("campaigns: contact deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ContactDelivery])
	if err != nil {
		return nil, fmt.Errorf("campaigns: contact deliveries: %w", err)
	}
	return out, nil
}
