package api

import (
	"context"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
)

// hideFor removes the hidden attribute keys (data minimisation) from a
// contact read by a caller without the privacy export permission.
func (s *Server) hideFor(ctx context.Context, c *contacts.Contact) error {
	if a, ok := access.ActorFrom(ctx); ok && a.Has(access.PrivacyExport) {
		return nil
	}
	hidden, err := s.Contacts.HiddenAttributes(ctx)
	if err != nil {
		return err
	}
	contacts.HideAttributes(hidden, c)
	return nil
}
