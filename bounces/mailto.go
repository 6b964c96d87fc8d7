package bounces

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/rtoken"
)

// mailtoUnsubscribe applies a mail to the List-Unsubscribe mailto address
// (RFC 2369 §3.2, u<token>@bounce-domain): the contact the token names
// leaves the lists the campaign was sent to — every list when the token
// names no campaign, or the campaign targets no list (an update mailing) —
// with an opt-out consent record of source mailto. A contact left on no
// list becomes a floater (one-star) in the same transaction.
func (p *Processor) mailtoUnsubscribe(ctx context.Context, tx pgx.Tx, m inbound, c rtoken.Claims) (outcome, error) {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM contacts WHERE id = $1)`, c.ContactID).Scan(&exists); err != nil {
		return outcome{}, fmt.Errorf("bounces: mailto: %w", err)
	}
	if !exists {
		// Erased meanwhile: nothing to do, and nothing revealed.
		return outcome{Status: "ignored", What: "uncorrelated"}, nil
	}
	var lists []int64
	if c.CampaignID != 0 {
		err := tx.QueryRow(ctx, `SELECT list_ids FROM campaigns WHERE id = $1`, c.CampaignID).Scan(&lists)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return outcome{}, fmt.Errorf("bounces: mailto: campaign lists: %w", err)
		}
		if len(lists) == 0 {
			lists = nil
		}
	}
	evidence := "List-Unsubscribe mailto"
	if c.CampaignID != 0 {
		evidence = fmt.Sprintf("List-Unsubscribe mailto, campaign %d", c.CampaignID)
	}
	if _, err := p.lists.UnsubscribeTx(ctx, tx, c.ContactID, lists, "mailto", evidence); err != nil {
		return outcome{}, fmt.Errorf("bounces: mailto: %w", err)
	}
	return outcome{Status: "done", What: "unsubscribe", ContactID: c.ContactID}, nil
}
