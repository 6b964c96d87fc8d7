package console

import (
	"net/http"
	"net/url"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/mta"
	"github.com/postbode/postbode/staff"
)

// adminPeopleShown is the people the admin screen lists on a page (a
// "next page" link leads on).
const adminPeopleShown = 100

// adminInvitationsShown bounds the open invitations the admin screen lists
// (the newest; GET /api/v1/invitations pages through all of them).
const adminInvitationsShown = 1000

// adminShow is the admin screen: the people of the department and its open
// invitations, roles with
// their permissions, departments, API tokens, and the DKIM DNS records of
// the sending identities.
func (h *Handler) adminShow(w http.ResponseWriter, r *http.Request) error {
	p, err := h.adminPage(r)
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

// adminPage is the admin screen's page.
func (h *Handler) adminPage(r *http.Request) (*page, error) {
	ctx := r.Context()
	pg, err := pageOf(r, adminPeopleShown)
	if err != nil {
		return nil, err
	}
	people, err := h.Staff.List(ctx, access.Department(ctx), pg.After, pg.Limit)
	if err != nil {
		return nil, err
	}
	people, pager := newPager(Prefix+"admin", url.Values{}, pg, people, staff.PersonCursor)
	// Each person's roles only in the departments the viewer manages users
	// in (all of the viewer's own), as the API answers (staff.Viewer).
	viewer, err := h.Staff.ViewerOf(ctx)
	if err != nil {
		return nil, err
	}
	people = viewer.ShownAll(people)
	invitations, err := h.Staff.Invitations(ctx, access.Department(ctx), 0, adminInvitationsShown)
	if err != nil {
		return nil, err
	}
	invitations = httpapi.NewPage(invitations, adminInvitationsShown, staff.InvitationCursor).Items
	roles, err := h.Staff.Roles(ctx)
	if err != nil {
		return nil, err
	}
	depts, err := h.Staff.OwnDepartments(ctx)
	if err != nil {
		return nil, err
	}
	// The screen offers only what the service would do for this viewer: no
	// actions on a person who holds a permission the viewer lacks, nor on
	// an invitation to a role the viewer may not give, and only the roles
	// the viewer may give (the service refuses the rest too).
	ids := make([]int64, len(people))
	for i, pe := range people {
		ids[i] = pe.ID
	}
	beyond, err := h.Staff.Unreachable(ctx, ids, 0)
	if err != nil {
		return nil, err
	}
	beyondHere, err := h.Staff.Unreachable(ctx, ids, access.Department(ctx))
	if err != nil {
		return nil, err
	}
	beyondInvitation, err := h.Staff.Unactionable(ctx, invitations, access.Department(ctx))
	if err != nil {
		return nil, err
	}
	var grantable []staff.Role
	for _, ro := range roles {
		if staff.CanGrant(ctx, ro) {
			grantable = append(grantable, ro)
		}
	}
	p := h.newPage(r, "admin", "admin").Set("People", people).Set("Pager", pager).Set("Invitations", invitations).Set("Roles", grantable).Set("Departments", depts).
		Set("Beyond", beyond).Set("BeyondHere", beyondHere).Set("BeyondInvitation", beyondInvitation)
	if h.Tokens != nil {
		toks, err := h.Tokens.List(ctx)
		if err != nil {
			return nil, err
		}
		beyondTok, err := h.Staff.UnreachableTokens(ctx, toks)
		if err != nil {
			return nil, err
		}
		p.Set("Tokens", toks).Set("BeyondToken", beyondTok)
	}
	var keys []mta.PublishedKey
	if h.DKIM != nil {
		keys = h.DKIM.Published()
	}
	return p.Set("DKIM", keys).Set("SplitTXT", mta.SplitTXT), nil
}
