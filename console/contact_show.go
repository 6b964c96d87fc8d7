package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/httpapi"
)

// contactShow is one contact: fields, subscriptions, the consent timeline,
// deliveries, bounces, recipient actions, and the actions staff may take.
func (h *Handler) contactShow(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := h.visibleContact(ctx, id)
	if err != nil {
		return err
	}
	p := h.newPage(r, "contact", "contacts").Set("C", c).Set("BlockReasons", form.BlockReasons)
	subs, err := h.Optin.Subscriptions(ctx, id)
	if err != nil {
		return err
	}
	consents, err := h.Optin.ConsentRecords(ctx, id, 0, 100)
	if err != nil {
		return err
	}
	actions, err := h.Optin.ContactActions(ctx, id, 0, 50)
	if err != nil {
		return err
	}
	blocked, err := h.Contacts.IsBlocked(ctx, c.Email)
	if err != nil {
		return err
	}
	p.Set("Subs", subs).Set("Consents", consents).Set("Actions", actions).Set("Blocked", blocked)
	if h.Campaigns != nil {
		ds, err := h.Campaigns.ContactDeliveries(ctx, id, 0, 50)
		if err != nil {
			return err
		}
		p.Set("Deliveries", ds)
	}
	if h.Bounces != nil {
		bs, err := h.Bounces.ByContact(ctx, id, 0, 50)
		if err != nil {
			return err
		}
		p.Set("Bounces", bs)
	}
	return h.show(w, r, p)
}
