package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/internal/httpapi"
)

// privacyRequestFulfil fulfils a request: an access request mails the
// export, an erasure request erases the contact.
func (h *Handler) privacyRequestFulfil(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.Privacy.Fulfil(r.Context(), id, actorOf(r)); err != nil {
		return err
	}
	return redirect(w, r, Prefix+"privacy/requests/"+strconv.FormatInt(id, 10), "request.fulfilled")
}
