package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/audit"
)

// blocklistSave puts the addresses of the form (one a line) on the
// department's blocklist, each through contacts.BlockAddress (what POST
// /api/v1/blocklist calls): a contact of the department with that address
// becomes blocklisted. Any bad line sends the form back with 422, every bad
// line named with its reason, and nothing added. One audit entry counts
// the addresses added.
func (h *Handler) blocklistSave(w http.ResponseWriter, r *http.Request) error {
	f := form.NewBlocklistForm(r)
	if e := f.Validate(); len(e) > 0 {
		p, err := h.blocklistPage(r, f)
		if err != nil {
			return err
		}
		p.setErrs(e)
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	added := 0
	for _, email := range f.Emails {
		on, err := h.Contacts.IsBlocked(r.Context(), email)
		if err != nil {
			return err
		}
		if on {
			continue
		}
		if err := h.Contacts.BlockAddress(r.Context(), email, f.Reason, f.Note); err != nil {
			return err
		}
		added++
	}
	if added > 0 {
		e := audit.Entry{Action: "contact-change", TargetKind: "contacts", Count: int64(added), Cause: "POST /console/blocklist"}
		if err := audit.Write(r.Context(), h.Audit, e); err != nil {
			return err
		}
	}
	flash := "blocklist.added"
	if added < len(f.Emails) {
		flash = "blocklist.added.some"
	}
	return h.redirect(w, r, Prefix+"blocklist", flash)
}
