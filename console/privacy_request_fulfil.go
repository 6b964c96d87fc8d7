package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/postbode/postbode/internal/httpapi"
)

// privacyRequestFulfil fulfils a request: an access request mails the
// export, an erasure request erases the contact, and the other kinds are
// closed with the note of what was done (the privacy service says which
// need one and mails it); a refused note shows the page again.
func (h *Handler) privacyRequestFulfil(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	_, err = h.Privacy.FulfilNote(r.Context(), id, actorOf(r), note)
	if fe, ok := fieldError(r, err); ok {
		p, perr := h.privacyRequestPage(r)
		if perr != nil {
			return perr
		}
		p.Errs = fe
		return h.render(w, r, http.StatusUnprocessableEntity, p.Set("Note", note))
	}
	if err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"privacy/requests/"+strconv.FormatInt(id, 10), "request.fulfilled")
}
