package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/postbode/postbode/contacts"
)

// campaignPreview renders the campaign for a chosen contact (by address or
// id), or at first for the sample contact a test send uses: subject and
// text here, the HTML in a sandboxed frame.
func (h *Handler) campaignPreview(w http.ResponseWriter, r *http.Request) error {
	p, c, err := h.campaignPage(r, "campaign_preview")
	if err != nil {
		return err
	}
	who := strings.TrimSpace(r.URL.Query().Get("contact"))
	p.Set("Who", who)
	var ct contacts.Contact // ID 0: the sample contact
	if who != "" {
		ct, err = h.contactByRef(r, who)
		if errors.Is(err, contacts.ErrNotFound) {
			p.Errs = map[string]string{"contact": p.T("preview.err.contact")}
			return h.render(w, r, http.StatusUnprocessableEntity, p)
		}
		if err != nil {
			return err
		}
	}
	out, err := h.Campaigns.Preview(r.Context(), c.ID, ct.ID)
	if fe, ok := fieldError(r, err); ok {
		p.Errs = fe
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	return h.show(w, r, p.Set("R", out).Set("ContactID", ct.ID))
}

// contactByRef finds a contact by id or address.
func (h *Handler) contactByRef(r *http.Request, ref string) (contacts.Contact, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return h.Contacts.Get(r.Context(), id)
	}
	return h.Contacts.GetByEmail(r.Context(), ref)
}
