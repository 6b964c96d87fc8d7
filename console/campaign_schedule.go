package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/console/form"
)

// campaignSchedule sets the send time of a draft.
func (h *Handler) campaignSchedule(w http.ResponseWriter, r *http.Request) error {
	p, c, err := h.campaignPage(r, "campaign")
	if err != nil {
		return err
	}
	f := form.NewScheduleForm(r)
	p.Set("Sched", f)
	if e := f.Validate(); len(e) > 0 {
		p.setErrs(e)
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	_, err = h.Campaigns.Schedule(r.Context(), c.ID, f.At)
	if fe, ok := fieldError(r, err); ok {
		p.Errs = map[string]string{"date": fe[firstKey(fe)]}
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"campaigns/"+strconv.FormatInt(c.ID, 10), "campaign.scheduled")
}
