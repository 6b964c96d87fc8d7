package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/privacy"
)

// breachShow is one breach with its 72-hour clock and the form that
// updates it (measures, notification of the authority and the people).
func (h *Handler) breachShow(w http.ResponseWriter, r *http.Request) error {
	b, err := h.pathBreach(r)
	if err != nil {
		return err
	}
	return h.show(w, r, h.breachPage(r, form.BreachFormOf(b, h.loc()), &b))
}

// pathBreach is the breach the path names (of the person's department).
func (h *Handler) pathBreach(r *http.Request) (privacy.Breach, error) {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return privacy.Breach{}, err
	}
	return h.Privacy.GetBreach(r.Context(), id)
}
