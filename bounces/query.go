package bounces

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/errs"
)

// ErrCampaignNotFound is returned when listing bounces of an unknown campaign.
var ErrCampaignNotFound = errs.NotFound("campaign_not_found", "campaign not found")

// Bounce is one recorded bounce (a bounces row).
type Bounce struct {
	ID         int64     `json:"id"`
	ContactID  *int64    `json:"contact_id"`
	CampaignID *int64    `json:"campaign_id"`
	Recipient  *string   `json:"recipient"`
	Class      string    `json:"class"`
	Reason     string    `json:"reason"`
	Status     string    `json:"status"`
	ReplyCode  int       `json:"reply_code"`
	Action     string    `json:"action"`
	Diagnostic string    `json:"diagnostic"`
	Source     string    `json:"source"`
	Counted    bool      `json:"counted"`
	CreatedAt  time.Time `json:"created_at"`
	InboundID  *int64    `json:"inbound_id"`
	// Outcome is applied, or unauthenticated: evidence that changed nothing.
	Outcome string `json:"outcome"`
	// Rule is the classifier rule that decided the reason and StatusRule
	// where the status came from (Result.Rule, Result.StatusRule); empty
	// for bounces recorded before the rule was kept.
	Rule       string `json:"rule"`
	StatusRule string `json:"status_rule"`
	// DismissedAt is when staff dismissed the bounce (it no longer counts
	// toward the contact's inactivity), DismissedBy who; nil when not.
	DismissedAt *time.Time `json:"dismissed_at"`
	DismissedBy string     `json:"dismissed_by,omitempty"`
}

const bounceCols = `id, contact_id, campaign_id, recipient, class, reason, status, reply_code, action, diagnostic, source, counted, created_at,
	inbound_id, outcome, rule, status_rule, dismissed_at, dismissed_by`

// ByContact returns a contact's bounces with id > after, oldest first, at
// most limit+1 (for the cursor).
func (p *Processor) ByContact(ctx context.Context, contactID, after int64, limit int) ([]Bounce, error) {
	var ok bool
	if err := p.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM contacts WHERE id = $1)`, contactID).Scan(&ok); err != nil {
		return nil, fmt.Errorf("bounces: list: %w", err)
	}
	if !ok {
		return nil, contacts.ErrNotFound
	}
	return p.list(ctx, `contact_id = $3`, after, limit, contactID)
}

// ByCampaign returns a campaign's bounces with id > after, oldest first, at
// most limit+1.
func (p *Processor) ByCampaign(ctx context.Context, campaignID, after int64, limit int) ([]Bounce, error) {
	var ok bool
	if err := p.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = $1)`, campaignID).Scan(&ok); err != nil {
		return nil, fmt.Errorf("bounces: list: %w", err)
	}
	if !ok {
		return nil, ErrCampaignNotFound
	}
	return p.list(ctx, `campaign_id = $3`, after, limit, campaignID)
}

// ReadCampaign is ByCampaign for a person or token reading the list: the
// recipients' addresses of many contacts, so the read is audited as a
// bulk read of the campaign's bounces (the API and the console both list
// them through here).
func (p *Processor) ReadCampaign(ctx context.Context, campaignID, after int64, limit int) ([]Bounce, error) {
	items, err := p.ByCampaign(ctx, campaignID, after, limit)
	if err != nil {
		return nil, err
	}
	return items, p.auditRead(ctx, &campaignID, "bounces", len(items))
}

// auditRead records a bulk read of bounce rows (recipient addresses): who
// (from the context), which campaign (nil: a report over the department)
// with cause, and how many rows.
func (p *Processor) auditRead(ctx context.Context, campaign *int64, cause string, n int) error {
	e := audit.Entry{Action: "bulk-read", TargetKind: "report", Count: int64(n), Cause: cause}
	if campaign != nil {
		e.TargetKind, e.TargetID = "campaign", campaign
	}
	return audit.Write(ctx, p.db, e)
}

// Unauthenticated returns the evidence rows (outcome unauthenticated) with
// id > after, oldest first, at most limit+1.
func (p *Processor) Unauthenticated(ctx context.Context, after int64, limit int) ([]Bounce, error) {
	return p.list(ctx, `outcome = 'unauthenticated'`, after, limit)
}

// list returns the rows matching where ($3 onwards are args) with id >
// after, oldest first, at most limit+1.
func (p *Processor) list(ctx context.Context, where string, after int64, limit int, args ...any) ([]Bounce, error) {
	rows, err := p.db.Query(ctx, `SELECT `+bounceCols+` FROM bounces WHERE id > $1 AND `+where+` ORDER BY id LIMIT $2`,
		append([]any{after, limit + 1}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("bounces: list: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Bounce])
}

// Stat is the number of bounces of one class and reason.
type Stat struct {
	Class  string `json:"class"`
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
	// Counted is how many of them changed a contact's counters.
	Counted int64 `json:"counted"`
}

// Stats counts applied bounces by class and reason since a time, for one
// campaign (campaignID > 0) or all; unauthenticated evidence is left out.
func (p *Processor) Stats(ctx context.Context, campaignID int64, since time.Time) ([]Stat, error) {
	rows, err := p.db.Query(ctx, `SELECT class, reason, count(*), count(*) FILTER (WHERE counted) FROM bounces
		WHERE created_at >= $1 AND ($2 = 0 OR campaign_id = $2) AND outcome = 'applied'
		GROUP BY class, reason ORDER BY count(*) DESC, class, reason`, since, campaignID)
	if err != nil {
		return nil, fmt.Errorf("bounces: stats: %w", err)
	}
	st, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Stat])
	if st == nil {
		st = []Stat{}
	}
	return st, err
}
