package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// listCreate shows the form of a new list.
func (h *Handler) listCreate(w http.ResponseWriter, r *http.Request) error {
	return h.show(w, r, h.listPage(r, &form.ListForm{OptIn: "double"}, 0))
}

// listPage is the list editor: a new list when id is 0, else list id's
// name and description.
func (h *Handler) listPage(r *http.Request, f *form.ListForm, id int64) *page {
	return h.newPage(r, "list_edit", "lists").Set("Form", f).Set("ID", id)
}
