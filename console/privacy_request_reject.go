package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/httpapi"
)

// privacyRequestReject rejects a request with a reason (required).
func (h *Handler) privacyRequestReject(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		return errs.Invalid("reason", "is required: why the request is rejected")
	}
	if _, err := h.Privacy.Reject(r.Context(), id, actorOf(r), reason); err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"privacy/requests/"+strconv.FormatInt(id, 10), "request.rejected")
}
