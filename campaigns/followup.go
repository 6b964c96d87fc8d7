package campaigns

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/identity"
)

// querier is what both a pool and a transaction offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// CreateFollowUp creates a draft campaign that follows parentID (e.g. a
// reminder of an update mailing): kind, From, Reply-To, bodies, lists and
// tracking are copied, name and subject are given, and only contactIDs (that
// are still eligible when it is sent) receive it. The audience is written
// with COPY in the same transaction. It returns the new campaign's id.
func (s *Service) CreateFollowUp(ctx context.Context, parentID int64, name, subject string, contactIDs []int64) (int64, error) {
	if strings.TrimSpace(name) == "" {
		return 0, errs.Invalid("name", "required")
	}
	if err := errs.Name("name", name); err != nil {
		return 0, err
	}
	if strings.TrimSpace(subject) == "" {
		return 0, errs.Invalid("subject", "required")
	}
	if len(contactIDs) == 0 {
		return 0, errs.Invalid("contact_ids", "at least one contact is required")
	}
	var id int64
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		p, err := scanCampaign(tx.QueryRow(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE id = $1`, parentID))
		if err != nil {
			return err
		}
		// The From address is the parent's: checked again, as any
		// campaign write's is, under identity.HoldFrom (its domain may
		// have been claimed by another department since).
		if err := identity.HoldFrom(ctx, tx); err != nil {
			return err
		}
		dept, err := s.departmentIn(ctx, tx, parentID)
		if err != nil {
			return err
		}
		if err := identity.CheckFrom(ctx, tx, dept, "from_email", p.FromEmail); err != nil {
			return err
		}
		c := p
		c.Name, c.Subject, c.HasAudience, c.ParentID = name, subject, true, &parentID
		c, err = s.insert(ctx, tx, c, "follow-up:"+fmt.Sprint(parentID))
		if err != nil {
			return err
		}
		id = c.ID
		ids := dedupe(contactIDs)
		// Contacts erased meanwhile would break the foreign key: keep those that exist.
		_, err = tx.Exec(ctx, `CREATE TEMP TABLE audience_in (contact_id bigint) ON COMMIT DROP`)
		if err != nil {
			return fmt.Errorf("campaigns: follow-up audience: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audience_in"}, []string{"contact_id"},
			pgx.CopyFromSlice(len(ids), func(i int) ([]any, error) { return []any{ids[i]}, nil })); err != nil {
			return fmt.Errorf("campaigns: follow-up audience copy: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO campaign_audience (campaign_id, contact_id)
			SELECT $1, a.contact_id FROM audience_in a JOIN contacts c ON c.id = a.contact_id`, id)
		if err != nil {
			return fmt.Errorf("campaigns: follow-up audience: %w", err)
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return 0, errs.NotFound("campaign_not_found", "parent campaign not found")
	}
	return id, err
}
