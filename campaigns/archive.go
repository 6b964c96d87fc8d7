package campaigns

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/errs"
)

// Archivable are the states a campaign may be archived in: it has ended.
var Archivable = []string{StateFinished, StateCancelled}

// CanArchive reports whether c may go into the archive now (the rule of
// Archive, for screens that offer the action).
func CanArchive(c Campaign) bool { return c.ArchivedAt == nil && contains(Archivable, c.Status) }

// Archive puts a finished or cancelled campaign into the archive: the
// default list (Filter) leaves it out; its results, deliveries and links
// stay as they were. Archiving an archived campaign is a conflict.
func (s *Service) Archive(ctx context.Context, id int64) (Campaign, error) {
	return s.setArchived(ctx, id, true)
}

// Unarchive takes a campaign out of the archive, back into the default
// list. A campaign that is not archived is a conflict.
func (s *Service) Unarchive(ctx context.Context, id int64) (Campaign, error) {
	return s.setArchived(ctx, id, false)
}

func (s *Service) setArchived(ctx context.Context, id int64, archive bool) (Campaign, error) {
	var out Campaign
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		c, err := scanCampaign(tx.QueryRow(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		switch {
		case archive && c.ArchivedAt != nil:
			return errs.Conflict("archived", "the campaign is archived already")
		case archive && !contains(Archivable, c.Status):
			return conflict("archive", c.Status, Archivable...)
		case !archive && c.ArchivedAt == nil:
			return errs.Conflict("not_archived", "the campaign is not archived")
		}
		out, err = scanCampaign(tx.QueryRow(ctx, `UPDATE campaigns SET archived_at = CASE WHEN $2 THEN now() END,
			updated_at = now() WHERE id = $1 RETURNING `+campaignCols, id, archive))
		return err
	})
	return out, err
}
