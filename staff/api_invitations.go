package staff

import (
	"net/http"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
)

// invite records an invitation into the actor's department and mails its
// link; the answer holds the link only when no mailer is configured. It
// is the same for every address not yet in the department, with or
// without an account elsewhere, and names no person.
func (a *API) invite(w http.ResponseWriter, r *http.Request) error {
	var in NewPerson
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	in.DepartmentID, in.Password, in.DepartmentSlug = access.Department(r.Context()), "", ""
	v, d, err := a.S.InviteAndSend(r.Context(), in)
	if err != nil {
		return err
	}
	return sentInvitation(w, v, d, http.StatusCreated)
}

func (a *API) listInvitations(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	vs, err := a.S.Invitations(r.Context(), access.Department(r.Context()), p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(vs, p.Limit, InvitationCursor))
	return nil
}

func (a *API) getInvitation(w http.ResponseWriter, r *http.Request) error {
	v, err := a.S.Invitation(r.Context(), access.Department(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

// revokeInvitation ends an open invitation: its link stops working.
func (a *API) revokeInvitation(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.S.RevokeInvitation(r.Context(), access.Department(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resendInvitation sends an open (pending or expired) invitation again
// with a new link, valid from now; the old link stops working.
func (a *API) resendInvitation(w http.ResponseWriter, r *http.Request) error {
	v, d, err := a.S.ResendInvitation(r.Context(), access.Department(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	return sentInvitation(w, v, d, http.StatusOK)
}

// sentInvitation answers with the invitation and how its link went out.
func sentInvitation(w http.ResponseWriter, v Invitation, d Delivery, status int) error {
	return sent(w, "invitation", v, d, status)
}
