package contacts

import (
	"context"

	"github.com/postbode/postbode/internal/access"
)

// HideFor removes the hidden attribute keys (data minimisation) from
// contacts read by a caller without the privacy export permission; the API
// of every domain that answers with contacts calls it.
func (s *Store) HideFor(ctx context.Context, cs ...*Contact) error {
	if a, ok := access.ActorFrom(ctx); ok && a.Has(access.PrivacyExport) {
		return nil
	}
	hidden, err := s.HiddenAttributes(ctx)
	if err != nil {
		return err
	}
	HideAttributes(hidden, cs...)
	return nil
}
