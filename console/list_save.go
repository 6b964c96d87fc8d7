package console

import (
	"errors"
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/optin"
)

// listSave creates a list, as POST /api/v1/lists does.
func (h *Handler) listSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewListForm(r)
	in := optin.ListInput{Slug: &f.Slug, Name: &f.Name, Purpose: &f.Purpose, OptIn: &f.OptIn, Description: &f.Description}
	return h.saveList(w, r, f, f.Validate(true), 0, func() error { return in.Validate(true) }, func() error {
		_, err := h.Optin.CreateList(r.Context(), in)
		return err
	})
}

// saveList runs save unless the form has errors e, and shows the form again
// with the errors (422) when the form or the list store refuses it (a slug
// that is taken, a field optin.ListInput does not take). When the form's
// own checks fail, check (the list's, storing nothing) is made too, so
// every wrong field shows at once, not one per attempt.
func (h *Handler) saveList(w http.ResponseWriter, r *http.Request, f *form.ListForm, e form.Errors, id int64, check, save func() error) error {
	var err error
	if len(e) > 0 {
		err = check()
	} else if err = save(); errors.Is(err, optin.ErrSlugTaken) {
		e["slug"], err = "list.err.taken", nil
	}
	if len(e) == 0 && err == nil {
		return h.redirect(w, r, Prefix+"lists", "list.saved")
	}
	all, err := formErrors(r, e, err, func(f string) string { return f })
	if err != nil {
		return err
	}
	p := h.listPage(r, f, id)
	p.Errs = all
	return h.render(w, r, http.StatusUnprocessableEntity, p)
}
