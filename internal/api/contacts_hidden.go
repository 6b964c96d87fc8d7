package api

import (
	"context"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/httpapi"
)

// hideFor removes the hidden attribute keys (data minimisation) from a
// contact read by a caller without the privacy or admin role.
func (s *Server) hideFor(ctx context.Context, c *contacts.Contact) error {
	if tok, ok := httpapi.TokenFrom(ctx); ok && (tok.Role == apitoken.RolePrivacy || tok.Role == apitoken.RoleAdmin) {
		return nil
	}
	hidden, err := s.Contacts.HiddenAttributes(ctx)
	if err != nil {
		return err
	}
	contacts.HideAttributes(hidden, c)
	return nil
}
