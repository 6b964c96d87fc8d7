package contacts

import (
	"context"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/db"
)

// HiddenFor returns the hidden attribute keys (data minimisation) the
// caller may not see: none for a caller with the privacy export
// permission, else every hidden key. It is the one rule for every reader
// of attribute values: contacts (HideFor) and the old and new values of
// change requests from the update page.
func HiddenFor(ctx context.Context, pool *db.Pool) ([]string, error) {
	if a, ok := access.ActorFrom(ctx); ok && a.Has(access.PrivacyExport) {
		return nil, nil
	}
	return hiddenAttributes(ctx, pool)
}

// HideFor removes the hidden attribute keys (data minimisation) from
// contacts read by a caller without the privacy export permission; the API
// of every domain that answers with contacts calls it.
func (s *Store) HideFor(ctx context.Context, cs ...*Contact) error {
	hidden, err := HiddenFor(ctx, s.db)
	if err != nil {
		return err
	}
	HideAttributes(hidden, cs...)
	return nil
}
