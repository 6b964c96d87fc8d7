package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/mta"
)

// adminShow is the admin screen: the people of the department, roles with
// their permissions, departments, API tokens, and the DKIM DNS records of
// the sending identities.
func (h *Handler) adminShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	people, err := h.Staff.List(ctx, access.Department(ctx))
	if err != nil {
		return err
	}
	roles, err := h.Staff.Roles(ctx)
	if err != nil {
		return err
	}
	depts, err := h.Staff.Departments(ctx)
	if err != nil {
		return err
	}
	p := h.newPage(r, "admin", "admin").Set("People", people).Set("Roles", roles).Set("Departments", depts)
	if h.Tokens != nil {
		toks, err := h.Tokens.List(ctx)
		if err != nil {
			return err
		}
		p.Set("Tokens", toks)
	}
	var keys []mta.PublishedKey
	if h.DKIM != nil {
		keys = h.DKIM.Published()
	}
	return h.show(w, r, p.Set("DKIM", keys).Set("SplitTXT", mta.SplitTXT))
}
