package console

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/privacy"
)

// holdReleaseConfirm asks before a legal hold is released: from then on
// retention and erasure requests may erase what it kept.
func (h *Handler) holdReleaseConfirm(w http.ResponseWriter, r *http.Request) error {
	hold, err := h.pathHold(r)
	if err != nil {
		return err
	}
	return h.show(w, r, h.newPage(r, "hold_release", "privacy").Set("H", hold))
}

// pathHold is the active hold the path names (of the person's
// department); a released or expired one is not found.
func (h *Handler) pathHold(r *http.Request) (privacy.Hold, error) {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return privacy.Hold{}, err
	}
	hs, err := h.Privacy.Holds(r.Context(), true, id-1, 1)
	if err != nil {
		return privacy.Hold{}, err
	}
	if len(hs) == 0 || hs[0].ID != id {
		return privacy.Hold{}, privacy.ErrHoldNotFound
	}
	return hs[0], nil
}
