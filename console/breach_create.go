package console

import (
	"net/http"
	"time"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/privacy"
)

// breachCreate shows the form of a new entry in the data-breach register,
// discovered now unless told otherwise.
func (h *Handler) breachCreate(w http.ResponseWriter, r *http.Request) error {
	f := &form.BreachForm{DiscoveredAt: time.Now().In(h.loc()).Format(form.MomentLayout),
		Authority: privacy.NotifyPending, People: privacy.NotifyPending}
	return h.show(w, r, h.breachPage(r, f, nil))
}

// breachPage is the breach form: a new breach when b is nil, else b with
// its clock.
func (h *Handler) breachPage(r *http.Request, f *form.BreachForm, b *privacy.Breach) *page {
	p := h.newPage(r, "breach_edit", "privacy").Set("Form", f).Set("Zone", h.loc().String()).
		Set("States", []string{privacy.NotifyPending, privacy.NotifyDone, privacy.NotifyNotRequired})
	if b != nil {
		p.Set("B", b).Set("Clock", clockOf(*b, time.Now(), p.Lang))
	}
	return p
}

// loc is the organisation's time zone (UTC when none is set).
func (h *Handler) loc() *time.Location {
	if h.Location == nil {
		return time.UTC
	}
	return h.Location
}
