package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/optin"
)

// contactUnsubscribe takes the contact off one list and records the
// opt-out (source manual), as POST /api/v1/contacts/{id}/unsubscribe does.
func (h *Handler) contactUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	c, err := h.pathContact(r)
	if err != nil {
		return err
	}
	list, err := strconv.ParseInt(r.FormValue("list"), 10, 64)
	if err != nil || list <= 0 {
		return invalid(map[string]string{"list": "contact.err.list"})
	}
	n, err := h.Optin.Unsubscribe(r.Context(), c.ID, []int64{list}, optin.Consent{Source: "manual"})
	if err != nil {
		return err
	}
	if n == 0 {
		return invalid(map[string]string{"list": "contact.err.notonlist"})
	}
	return h.redirect(w, r, Prefix+"contacts/"+strconv.FormatInt(c.ID, 10), "contact.unsubscribed")
}
