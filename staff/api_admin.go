package staff

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/strictjson"
)

// adminRoutes are the routes of administrators: persons of their current
// department, roles, the department itself, and the two reports.
func (a *API) adminRoutes(rt *httpapi.Router) {
	rt.Handle("GET", "/api/v1/persons", access.UsersManage, a.listPersons)
	rt.Handle("POST", "/api/v1/persons", access.UsersManage, a.invite)
	rt.Handle("GET", "/api/v1/invitations", access.UsersManage, a.listInvitations)
	rt.Handle("POST", "/api/v1/invitations", access.UsersManage, a.invite)
	rt.Handle("GET", "/api/v1/invitations/{id}", access.UsersManage, a.getInvitation)
	rt.Handle("DELETE", "/api/v1/invitations/{id}", access.UsersManage, a.revokeInvitation)
	rt.Handle("POST", "/api/v1/invitations/{id}/resend", access.UsersManage, a.resendInvitation)
	rt.Handle("GET", "/api/v1/persons/{id}", access.UsersManage, a.getPerson)
	rt.Handle("POST", "/api/v1/persons/{id}/reset", access.UsersManage, a.adminReset)
	rt.Handle("POST", "/api/v1/persons/{id}/disable", access.UsersManage, a.personOp(a.S.Disable))
	rt.Handle("POST", "/api/v1/persons/{id}/enable", access.UsersManage, a.personOp(a.S.Enable))
	rt.Handle("DELETE", "/api/v1/persons/{id}/totp", access.UsersManage, a.personOp(a.S.DisableTOTP))
	rt.Handle("PUT", "/api/v1/persons/{id}/role", access.UsersManage, a.setRole)
	rt.Handle("DELETE", "/api/v1/persons/{id}/role", access.UsersManage, a.removeFromDepartment)
	rt.Handle("GET", "/api/v1/persons/{id}/sessions", access.UsersManage, a.personSessions)
	rt.Handle("DELETE", "/api/v1/persons/{id}/sessions/{sid}", access.UsersManage, a.revokePersonSession)
	rt.Handle("GET", "/api/v1/roles", access.UsersManage, a.listRoles)
	rt.Handle("PUT", "/api/v1/roles/{name}", access.UsersManage, a.saveRole)
	rt.Handle("GET", "/api/v1/permissions", access.SignedIn, a.listPermissions)
	rt.Handle("GET", "/api/v1/departments", access.SignedIn, a.listDepartments)
	rt.Handle("POST", "/api/v1/departments", access.SettingsManage, a.createDepartment)
	rt.Handle("PATCH", "/api/v1/departments/current", access.SettingsManage, a.updateDepartment)
	rt.Handle("GET", "/api/v1/departments/current/identity", access.CampaignsRead, a.getIdentity)
	rt.Handle("PUT", "/api/v1/departments/current/identity", access.SettingsManage, a.putIdentity)
	rt.Handle("GET", "/api/v1/reports/people", access.UsersManage, a.reportPeople)
	rt.Handle("GET", "/api/v1/reports/roles", access.UsersManage, a.reportRoles)
}

// inDepartment loads a person of the actor's department; a person of
// another department is not found.
func (a *API) inDepartment(r *http.Request) (Person, error) {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return Person{}, err
	}
	return a.S.InDepartment(r.Context(), id)
}

// listPersons pages through the persons of the actor's department, oldest
// first (cursor and limit as every paged list).
func (a *API) listPersons(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	ps, err := a.S.List(r.Context(), access.Department(r.Context()), p.After, p.Limit)
	if err != nil {
		return err
	}
	v, err := a.S.ViewerOf(r.Context())
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(v.ShownAll(ps), p.Limit, PersonCursor))
	return nil
}

// reportBatch is how many persons the people report reads at a time.
const reportBatch = 1000

// allPersons returns every person of department dept, read a page at a
// time (the people report lists them all).
func (a *API) allPersons(ctx context.Context, dept int64) ([]Person, error) {
	var out []Person
	var after int64
	for {
		ps, err := a.S.List(ctx, dept, after, reportBatch)
		if err != nil {
			return nil, err
		}
		page := httpapi.NewPage(ps, reportBatch, PersonCursor)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out, nil
		}
		after = PersonCursor(page.Items[len(page.Items)-1])
	}
}

func (a *API) getPerson(w http.ResponseWriter, r *http.Request) error {
	p, err := a.inDepartment(r)
	if err != nil {
		return err
	}
	return a.writePerson(w, r, http.StatusOK, p)
}

// writePerson answers with p as the actor may see it (Viewer): only the
// memberships of departments where they manage users, all when p is
// themself.
func (a *API) writePerson(w http.ResponseWriter, r *http.Request, status int, p Person) error {
	v, err := a.S.ViewerOf(r.Context())
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, status, v.Shown(p))
	return nil
}

// adminReset mails an active person a password reset link; like a new
// invitation, only the administrator of the person's sole department may
// send one (see OnlyInDepartment), and not to anyone holding permissions
// they lack.
func (a *API) adminReset(w http.ResponseWriter, r *http.Request) error {
	return a.sendLink(w, r, a.S.AdminResetAndSend)
}

// sendLink sends the person of the path a link made by send, when they
// belong only to the caller's department.
func (a *API) sendLink(w http.ResponseWriter, r *http.Request, send func(context.Context, int64) (Person, Delivery, error)) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	p, err := a.S.OnlyInDepartment(r.Context(), id)
	if err != nil {
		return err
	}
	p, d, err := send(r.Context(), p.ID)
	if err != nil {
		return err
	}
	v, err := a.S.ViewerOf(r.Context())
	if err != nil {
		return err
	}
	return sent(w, "person", v.Shown(p), d, http.StatusOK)
}

// sent answers with what a link was made for, under key, and how the link
// went out (the link itself only when no mailer is configured).
func sent(w http.ResponseWriter, key string, v any, d Delivery, status int) error {
	out := map[string]any{key: v}
	if d.Mailed {
		out["mailed"] = true
	} else {
		out["link"] = d.Link
	}
	httpapi.WriteJSON(w, status, out)
	return nil
}

// personOp runs op on a person of the actor's department only (see
// OnlyInDepartment) and answers 204.
func (a *API) personOp(op func(ctx context.Context, id int64) error) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpapi.PathID(r, "id")
		if err != nil {
			return err
		}
		p, err := a.S.OnlyInDepartment(r.Context(), id)
		if err != nil {
			return err
		}
		if err := op(r.Context(), p.ID); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (a *API) setRole(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Role string `json:"role"`
	}
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	// A person of another department may be added by id when the
	// administrator works there too (see Addable).
	if _, err := a.S.Addable(r.Context(), id); err != nil {
		return err
	}
	if err := a.S.SetMembership(r.Context(), id, access.Department(r.Context()), in.Role); err != nil {
		return err
	}
	p, err := a.S.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return a.writePerson(w, r, http.StatusOK, p)
}

func (a *API) removeFromDepartment(w http.ResponseWriter, r *http.Request) error {
	p, err := a.inDepartment(r)
	if err != nil {
		return err
	}
	if err := a.S.RemoveMembership(r.Context(), p.ID, access.Department(r.Context())); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) personSessions(w http.ResponseWriter, r *http.Request) error {
	p, err := a.inDepartment(r)
	if err != nil {
		return err
	}
	ss, err := a.S.DepartmentSessions(r.Context(), p.ID, access.Department(r.Context()))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": ss})
	return nil
}

func (a *API) revokePersonSession(w http.ResponseWriter, r *http.Request) error {
	p, err := a.inDepartment(r)
	if err != nil {
		return err
	}
	sid, err := httpapi.PathID(r, "sid")
	if err != nil {
		return err
	}
	if err := a.S.RevokeDepartmentSession(r.Context(), sid, p.ID, access.Department(r.Context())); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listRoles(w http.ResponseWriter, r *http.Request) error {
	roles, err := a.S.Roles(r.Context())
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": roles})
	return nil
}

func (a *API) saveRole(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Description string              `json:"description"`
		Permissions []access.Permission `json:"permissions"`
	}
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	role, err := a.S.SaveRole(r.Context(), r.PathValue("name"), in.Description, in.Permissions)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, role)
	return nil
}

func (a *API) listPermissions(w http.ResponseWriter, r *http.Request) error {
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": access.All})
	return nil
}

// listDepartments lists the departments the actor belongs to.
func (a *API) listDepartments(w http.ResponseWriter, r *http.Request) error {
	out, err := a.S.OwnDepartments(r.Context())
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type departmentInput struct {
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	MainPersonID *int64   `json:"main_person_id"`
	AllowCIDRs   []string `json:"allow_cidrs"`
}

func (in departmentInput) department() (Department, error) {
	d := Department{Slug: in.Slug, Name: in.Name, MainPersonID: in.MainPersonID}
	for _, c := range in.AllowCIDRs {
		p, err := netip.ParsePrefix(strings.TrimSpace(c))
		if err != nil {
			return d, httpapi.Invalid("allow_cidrs", "not a CIDR: "+c)
		}
		d.AllowCIDRs = append(d.AllowCIDRs, p.Masked())
	}
	return d, nil
}

// createDepartment creates a department with the creator as its
// administrator (so it is never without one).
func (a *API) createDepartment(w http.ResponseWriter, r *http.Request) error {
	var in departmentInput
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	actor, _ := access.ActorFrom(r.Context())
	if actor.PersonID == 0 {
		return httpapi.NewError(http.StatusConflict, "no_person", "a department is created by a person, who becomes its administrator: log in (POST /api/v1/auth/login) or use a token the person made (POST /api/v1/auth/tokens), not a service token")
	}
	d, err := in.department()
	if err != nil {
		return err
	}
	d.MainPersonID = &actor.PersonID
	if d, err = a.S.SaveDepartment(r.Context(), d); err != nil {
		return err
	}
	if err := a.S.SetMembership(r.Context(), actor.PersonID, d.ID, access.RoleAdmin); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, d)
	return nil
}

// departmentPatch is the body of PATCH /departments/current, a merge patch:
// a field left out stays; main_person_id null clears the main person,
// allow_cidrs null or [] clears the allow-list.
type departmentPatch struct {
	Slug         *string                    `json:"slug"`
	Name         *string                    `json:"name"`
	MainPersonID strictjson.Field[int64]    `json:"main_person_id"`
	AllowCIDRs   strictjson.Field[[]string] `json:"allow_cidrs"`
}

func (a *API) updateDepartment(w http.ResponseWriter, r *http.Request) error {
	var in departmentPatch
	if err := httpapi.DecodePatch(w, r, a.MaxBodyBytes, &in); err != nil {
		return err
	}
	var cidrs []netip.Prefix
	if in.AllowCIDRs.Set {
		d, err := departmentInput{AllowCIDRs: in.AllowCIDRs.Value}.department()
		if err != nil {
			return err
		}
		cidrs = d.AllowCIDRs
	}
	if id := in.MainPersonID.Ptr(); id != nil {
		if _, err := a.inDepartmentID(r, *id); err != nil {
			return httpapi.Invalid("main_person_id", "must be a person of this department")
		}
	}
	d, err := a.S.UpdateDepartment(r.Context(), access.Department(r.Context()), func(d *Department) error {
		if in.Slug != nil && *in.Slug != d.Slug {
			return httpapi.Invalid("slug", "cannot be changed")
		}
		if in.Name != nil {
			d.Name = *in.Name
		}
		if in.MainPersonID.Set {
			d.MainPersonID = in.MainPersonID.Ptr()
		}
		if in.AllowCIDRs.Set {
			d.AllowCIDRs = cidrs
		}
		return nil
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) inDepartmentID(r *http.Request, id int64) (Person, error) {
	p, err := a.S.Get(r.Context(), id)
	if err != nil {
		return p, err
	}
	for _, m := range p.Memberships {
		if m.DepartmentID == access.Department(r.Context()) {
			return p, nil
		}
	}
	return Person{}, ErrNotFound
}

// reportPeople lists every person of the actor's department with their
// role in each department the actor may see it in (Viewer: where the actor
// manages users; all of the actor's own) (JSON, or CSV with format=csv).
func (a *API) reportPeople(w http.ResponseWriter, r *http.Request) error {
	all, err := a.allPersons(r.Context(), access.Department(r.Context()))
	if err != nil {
		return err
	}
	v, err := a.S.ViewerOf(r.Context())
	if err != nil {
		return err
	}
	ps := v.ShownAll(all)
	if r.URL.Query().Get("format") != "csv" {
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": ps})
		return nil
	}
	var rows [][]string
	for _, p := range ps {
		for _, m := range p.Memberships {
			rows = append(rows, []string{strconv.FormatInt(p.ID, 10), p.Email, p.Name, p.Status,
				strconv.FormatBool(p.TOTPEnabled), m.DepartmentSlug, m.Role})
		}
	}
	return httpapi.WriteCSV(w, "people", []string{"person_id", "email", "name", "status", "totp", "department", "role"}, rows)
}

// reportRoles lists every role with its permissions (one CSV row per pair).
func (a *API) reportRoles(w http.ResponseWriter, r *http.Request) error {
	roles, err := a.S.Roles(r.Context())
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") != "csv" {
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": roles})
		return nil
	}
	groups := map[access.Permission]access.Group{}
	for _, i := range access.All {
		groups[i.Name] = i.Group
	}
	var rows [][]string
	for _, ro := range roles {
		for _, p := range ro.Permissions {
			rows = append(rows, []string{ro.Name, strconv.FormatBool(ro.Builtin), string(p), string(groups[p])})
		}
	}
	return httpapi.WriteCSV(w, "roles", []string{"role", "builtin", "permission", "group"}, rows)
}
