package console

import (
	"errors"
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/optin"
)

// bulkCause is the audit cause of a bulk action's entries (one per
// contact changed), with the action after it.
const bulkCause = "POST /console/contacts/bulk"

// bulkResult says what a bulk action did: how many contacts changed, how
// many were already so (not on the list, already blocklisted) and how many
// are gone or not in the department.
type bulkResult struct {
	Changed, Unchanged, Missing int
}

// contactBulkConfirm shows the contacts ticked in the search and what the
// action will do to them, with the button that does it. It changes
// nothing.
func (h *Handler) contactBulkConfirm(w http.ResponseWriter, r *http.Request) error {
	f, p, err := h.bulkForm(r)
	if err != nil {
		return err
	}
	if p.Errs != nil {
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	var found []contacts.Contact
	missing := 0
	for _, id := range f.IDs {
		c, err := h.visibleContact(r.Context(), id)
		if errors.Is(err, contacts.ErrNotFound) {
			missing++
			continue
		} else if err != nil {
			return err
		}
		found = append(found, c)
	}
	return h.show(w, r, p.Set("Contacts", found).Set("Missing", missing))
}

// contactBulk does a bulk action on the selected contacts, one contact at
// a time through the services the single-contact routes and the API use
// (optin Unsubscribe, contacts BlockAddress), writes an audit entry per
// contact changed and shows what was done.
func (h *Handler) contactBulk(w http.ResponseWriter, r *http.Request) error {
	f, p, err := h.bulkForm(r)
	if err != nil {
		return err
	}
	if p.Errs != nil {
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	var res bulkResult
	for _, id := range f.IDs {
		c, err := h.Contacts.Get(r.Context(), id)
		if errors.Is(err, contacts.ErrNotFound) {
			res.Missing++
			continue
		} else if err != nil {
			return err
		}
		changed, err := h.bulkOne(r, f, c)
		if err != nil {
			return err
		}
		if !changed {
			res.Unchanged++
			continue
		}
		res.Changed++
		e := audit.Entry{Action: "contact-change", TargetKind: "contact", TargetID: &c.ID, Count: 1, Cause: bulkCause + " " + f.Action}
		if err := audit.Write(r.Context(), h.Audit, e); err != nil {
			return err
		}
	}
	return h.show(w, r, p.Set("Result", res))
}

// bulkOne does the action to one contact and says whether it changed.
func (h *Handler) bulkOne(r *http.Request, f *form.ContactBulkForm, c contacts.Contact) (bool, error) {
	switch f.Action {
	case "unsubscribe":
		n, err := h.Optin.Unsubscribe(r.Context(), c.ID, []int64{f.List}, optin.Consent{Source: "manual", Evidence: f.Note})
		return n > 0, err
	default: // block (Validate allows no other)
		if c.Status == "blocklisted" {
			return false, nil
		}
		return true, h.Contacts.BlockAddress(r.Context(), c.Email, f.Reason, f.Note)
	}
}

// bulkForm reads and checks the bulk form of r and builds its page; the
// page carries the form's errors when it is invalid.
func (h *Handler) bulkForm(r *http.Request) (*form.ContactBulkForm, *page, error) {
	f := form.NewContactBulkForm(r)
	p, err := h.bulkPage(r, f)
	if err != nil {
		return nil, nil, err
	}
	if e := f.Validate(); len(e) > 0 {
		p.setErrs(e)
	}
	return f, p, nil
}

// bulkPage is the page of the bulk action: the form's choices and the
// list it names.
func (h *Handler) bulkPage(r *http.Request, f *form.ContactBulkForm) (*page, error) {
	p := h.newPage(r, "contact_bulk", "contacts").Set("Form", f).Set("Max", form.MaxBulk)
	if f.Action == "unsubscribe" && f.List > 0 {
		l, err := h.Optin.GetList(r.Context(), f.List)
		if errors.Is(err, optin.ErrListNotFound) {
			f.List = 0 // Validate names the field
		} else if err != nil {
			return nil, err
		} else {
			p.Set("List", l)
		}
	}
	return p, nil
}
