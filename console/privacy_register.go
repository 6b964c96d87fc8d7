package console

import (
	"net/http"
)

// privacyRegister is the register of processing activities (GDPR art.
// 30(1)), read only: the fields of GET /api/v1/privacy/register, built by
// the same call (privacy.Service.Register, which audits the read).
func (h *Handler) privacyRegister(w http.ResponseWriter, r *http.Request) error {
	reg, err := h.Privacy.Register(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	return h.show(w, r, h.newPage(r, "privacy_register", "privacy").Set("Reg", reg))
}
