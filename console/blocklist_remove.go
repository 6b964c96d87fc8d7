package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/errs"
)

var errHashOnly = errs.Conflict("blocklist_hash_only", "this entry keeps only a hash of an erased person's address and stays on the blocklist")

// blocklistRemove takes an address off the department's blocklist through
// contacts.Unblock (what DELETE /api/v1/blocklist/{email} calls): its
// contact becomes active again unless its hard bounces keep it inactive.
// Audited as the API's removal is.
func (h *Handler) blocklistRemove(w http.ResponseWriter, r *http.Request) error {
	b, err := h.pathBlock(r)
	if err != nil {
		return err
	}
	if err := h.Contacts.Unblock(r.Context(), b.Email); err != nil {
		return err
	}
	e := audit.Entry{Action: "contact-change", TargetKind: "contacts", Count: 1, Cause: "POST /console/blocklist/{id}/remove"}
	if err := audit.Write(r.Context(), h.Audit, e); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"blocklist", "blocklist.removed")
}
