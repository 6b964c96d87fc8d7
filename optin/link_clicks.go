package optin

import (
	"context"
	"fmt"
)

// LinkClicks is how often one link of a campaign was followed.
type LinkClicks struct {
	URL string `json:"url"`
	// Clicks counts the recorded clicks: at most the action cap's rows a
	// day per contact (ActionCap); the rest were counted, not written.
	Clicks int64 `json:"clicks"`
	// Unique counts the distinct contacts that followed it (erased
	// contacts no longer count: their actions are deleted).
	Unique int64 `json:"unique"`
}

// LinkClicks returns the clicks per link of a campaign, most clicked first
// (at most 200 links).
func (s *Store) LinkClicks(ctx context.Context, campaignID int64) ([]LinkClicks, error) {
	rows, err := s.db.Query(ctx, `SELECT detail, count(*), count(DISTINCT contact_id) FROM recipient_actions
		WHERE campaign_id = $1 AND action = $2 GROUP BY detail ORDER BY count(*) DESC, detail LIMIT 200`, campaignID, ActClick)
	if err != nil {
		return nil, fmt.Errorf("optin: link clicks: %w", err)
	}
	defer rows.Close()
	var out []LinkClicks
	for rows.Next() {
		var l LinkClicks
		if err := rows.Scan(&l.URL, &l.Clicks, &l.Unique); err != nil {
			return nil, fmt.Errorf("optin: link clicks: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
