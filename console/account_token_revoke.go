package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/httpapi"
)

// accountTokenRevokeConfirm asks before revoking one of the person's own
// tokens (a GET changes nothing); another person's token is not found.
func (h *Handler) accountTokenRevokeConfirm(w http.ResponseWriter, r *http.Request) error {
	t, err := h.ownToken(r)
	if err != nil {
		return err
	}
	return h.show(w, r, h.newPage(r, "account_token_revoke", "account").Set("Token", t))
}

// accountTokenRevoke revokes one of the person's own tokens (the rule of
// DELETE /api/v1/auth/tokens/{id}): programs using it are refused from
// now on.
func (h *Handler) accountTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	s, _ := sessionFrom(r.Context())
	if err := h.Staff.RevokeOwnToken(r.Context(), id, s.PersonID); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"account", "token.revoked")
}

// ownToken is the signed-in person's live token the path names ({id}).
func (h *Handler) ownToken(r *http.Request) (apitoken.Token, error) {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return apitoken.Token{}, err
	}
	s, _ := sessionFrom(r.Context())
	ts, err := h.Staff.OwnTokens(r.Context(), s.PersonID)
	if err != nil {
		return apitoken.Token{}, err
	}
	for _, t := range ts {
		if t.ID == id {
			return t, nil
		}
	}
	return apitoken.Token{}, apitoken.ErrNotFound
}
