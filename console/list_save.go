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
	return h.saveList(w, r, f, f.Validate(true), 0, func() error {
		_, err := h.Optin.CreateList(r.Context(), in)
		return err
	})
}

// saveList runs save unless the form has errors e, and shows the form again
// with the errors (422) when the form or the list store refuses it (a slug
// that is taken, a field optin.ListInput does not take).
func (h *Handler) saveList(w http.ResponseWriter, r *http.Request, f *form.ListForm, e form.Errors, id int64, save func() error) error {
	var domain map[string]string
	if len(e) == 0 {
		err := save()
		switch fe, ok := fieldError(r, err); {
		case ok:
			domain = fe
		case errors.Is(err, optin.ErrSlugTaken):
			e["slug"] = "list.err.taken"
		case err != nil:
			return err
		}
	}
	if len(e) > 0 || domain != nil {
		p := h.listPage(r, f, id)
		p.setErrs(e)
		for k, v := range domain {
			p.Errs[k] = v
		}
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	return redirect(w, r, Prefix+"lists", "list.saved")
}
