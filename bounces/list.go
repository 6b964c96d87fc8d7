package bounces

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/humantime"
)

// ErrNotFound is returned for a bounce the department does not have.
var ErrNotFound = errs.NotFound("bounce_not_found", "bounce not found")

// Causes of the audited bulk reads of the department's bounce lists.
const (
	causeList     = "bounces"
	causeEvidence = "unauthenticated bounces"
)

// Classes are the classes a bounce can have, in the order filters offer them.
var Classes = []Class{Hard, Soft, Block, Complaint, AutoReply, Unknown}

// Filter narrows a department's bounce list; the zero value matches every
// applied bounce.
type Filter struct {
	// Class is one of Classes; optional.
	Class string
	// Reason is a reason word (Result.Reason); optional.
	Reason string
	// CampaignID is one campaign; optional (0: all).
	CampaignID int64
	// From and Until bound the time a bounce was recorded: From <= t <
	// Until; optional (zero: open).
	From, Until time.Time
	// Evidence lists the reports kept without proof (outcome
	// unauthenticated) instead of the applied bounces.
	Evidence bool
}

// Validate checks the filter, naming the field in error.
func (f Filter) Validate() error {
	if f.Class != "" && !slices.Contains(Classes, Class(f.Class)) {
		return errs.Invalid("class", "must be one of hard, soft, block, complaint, auto-reply, unknown")
	}
	if len(f.Reason) > 64 || errs.TextProblem(f.Reason) != "" {
		return errs.Invalid("reason", "must be a reason word of at most 64 characters")
	}
	if f.CampaignID < 0 {
		return errs.Invalid("campaign_id", "must be a positive id")
	}
	if !f.From.IsZero() && !f.Until.IsZero() && !f.From.Before(f.Until) {
		return errs.Invalid("until", "must be later than from")
	}
	return nil
}

// ParseFilter reads a filter from text (the API's query parameters, the
// console's filter form): class, reason, a campaign id, and from/until
// times in layout (RFC 3339 for the API; a date, 2006-01-02, in loc for
// the console, until then meaning the end of that day). Each bad value is
// an invalid-field error naming it.
func ParseFilter(class, reason, campaign, from, until, layout string, loc *time.Location) (Filter, error) {
	f := Filter{Class: class, Reason: reason}
	if campaign != "" {
		n, err := strconv.ParseInt(campaign, 10, 64)
		if err != nil || n <= 0 {
			return f, errs.Invalid("campaign_id", "must be a positive id")
		}
		f.CampaignID = n
	}
	for _, t := range []struct {
		field, s string
		at       *time.Time
	}{{"from", from, &f.From}, {"until", until, &f.Until}} {
		if t.s == "" {
			continue
		}
		if layout == time.DateOnly {
			// A day on loc's clock (humantime.ParseDay): from its first
			// instant, until the first instant of the next.
			start, end, err := humantime.ParseDay(t.s, loc)
			if err != nil {
				return f, errs.Invalid(t.field, "must be a date written as year-month-day (YYYY-MM-DD)")
			}
			*t.at = start
			if t.field == "until" {
				*t.at = end
			}
			continue
		}
		v, err := time.Parse(layout, t.s)
		if err != nil {
			return f, errs.Invalid(t.field, "must be an RFC 3339 time like 2026-01-31T00:00:00Z")
		}
		*t.at = v
	}
	return f, f.Validate()
}

// List returns the bounces of the context's department (row-level
// security) matching f, newest first: those with id < before (0: from the
// newest), at most limit+1 (for the cursor). The recipients' addresses of
// many contacts make it a bulk read, audited with the number of rows; the
// API's GET /api/v1/bounces and the console's list both read through here.
func (p *Processor) List(ctx context.Context, f Filter, before int64, limit int) ([]Bounce, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	outcome, cause := "applied", causeList
	if f.Evidence {
		outcome, cause = "unauthenticated", causeEvidence
	}
	rows, err := p.db.Query(ctx, `SELECT `+bounceCols+` FROM bounces
		WHERE ($1 = 0 OR id < $1) AND outcome = $2 AND ($3 = '' OR class = $3) AND ($4 = '' OR reason = $4)
		  AND ($5 = 0 OR campaign_id = $5) AND ($6::timestamptz IS NULL OR created_at >= $6)
		  AND ($7::timestamptz IS NULL OR created_at < $7)
		ORDER BY id DESC LIMIT $8`, before, outcome, f.Class, f.Reason, f.CampaignID, nullTime(f.From), nullTime(f.Until), limit+1)
	if err != nil {
		return nil, fmt.Errorf("bounces: list: %w", err)
	}
	items, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Bounce])
	if err != nil {
		return nil, fmt.Errorf("bounces: list: %w", err)
	}
	return items, p.auditRead(ctx, nil, cause, min(len(items), limit))
}

// Get returns one bounce of the context's department.
func (p *Processor) Get(ctx context.Context, id int64) (Bounce, error) {
	rows, err := p.db.Query(ctx, `SELECT `+bounceCols+` FROM bounces WHERE id = $1`, id)
	if err != nil {
		return Bounce{}, fmt.Errorf("bounces: get: %w", err)
	}
	b, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Bounce])
	if errors.Is(err, pgx.ErrNoRows) {
		return Bounce{}, ErrNotFound
	}
	if err != nil {
		return Bounce{}, fmt.Errorf("bounces: get: %w", err)
	}
	return b, nil
}

// Totals are the counts of a department's applied bounces since a time.
type Totals struct {
	Hard, Soft, Other int64
	// Counted is how many of them count toward their contacts' inactivity.
	Counted int64
}

// TotalsSince sums Stats (the one count of bounces by class) by class.
func (p *Processor) TotalsSince(ctx context.Context, since time.Time) (Totals, error) {
	st, err := p.Stats(ctx, 0, since)
	if err != nil {
		return Totals{}, err
	}
	var t Totals
	for _, s := range st {
		switch Class(s.Class) {
		case Hard:
			t.Hard += s.Count
		case Soft:
			t.Soft += s.Count
		default:
			t.Other += s.Count
		}
		t.Counted += s.Counted
	}
	return t, nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// CampaignRef names a campaign.
type CampaignRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Campaigns returns the campaigns of the context's department that the
// given bounces name plus the limit most recent ones with bounces, newest
// first: what a filter by campaign offers and a list shows by name.
func (p *Processor) Campaigns(ctx context.Context, ids []int64, limit int) ([]CampaignRef, error) {
	rows, err := p.db.Query(ctx, `SELECT c.id, c.name FROM campaigns c
		WHERE c.id = ANY($1) OR c.id IN (SELECT DISTINCT b.campaign_id FROM bounces b WHERE b.campaign_id IS NOT NULL
			AND b.outcome = 'applied' ORDER BY b.campaign_id DESC LIMIT $2)
		ORDER BY c.id DESC`, ids, limit)
	if err != nil {
		return nil, fmt.Errorf("bounces: campaigns: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[CampaignRef])
}
