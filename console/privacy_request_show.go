package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/privacy"
)

// privacyRequestShow is one request with the fulfil and reject forms
// (fulfilling an erasure erases: the page says so before the POST).
func (h *Handler) privacyRequestShow(w http.ResponseWriter, r *http.Request) error {
	p, err := h.privacyRequestPage(r)
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

// privacyRequestPage is the page of the request the path names; NeedsNote
// says whether its fulfil form asks what was done, by the privacy
// service's rule.
func (h *Handler) privacyRequestPage(r *http.Request) (*page, error) {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	q, err := h.Privacy.GetRequest(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return h.newPage(r, "privacy_request", "privacy").Set("Q", q).Set("NeedsNote", privacy.NeedsNote(q.Kind)).
		Set("MaxNote", privacy.MaxNoteLen), nil
}
