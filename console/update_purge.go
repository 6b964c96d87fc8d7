package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/httpapi"
)

// updatePurge starts the purge as a job; the browser goes to its progress.
func (h *Handler) updatePurge(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	in, e := form.NewPurgeForm(r).Input(h.loc())
	if len(e) > 0 {
		return invalid(e)
	}
	j, run, err := h.FollowUps.StartPurge(r.Context(), id, in, actorOf(r))
	if err != nil {
		return err
	}
	h.background(r, run)
	return h.redirect(w, r, Prefix+"jobs/"+strconv.FormatInt(j.ID, 10), "purge.started")
}
