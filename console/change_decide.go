package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/httpapi"
)

// changeDecide approves (applies) or rejects a change request.
func (h *Handler) changeDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var approve bool
	switch r.PathValue("decision") {
	case "approve":
		approve = true
	case "reject":
	default:
		return errs.Invalid("decision", "must be approve or reject")
	}
	if _, err := h.Optin.DecideChange(r.Context(), id, approve, actorOf(r)); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"changes", "change.decided")
}
