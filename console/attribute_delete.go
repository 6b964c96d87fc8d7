package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/privacy"
)

// attributeDelete deletes an attribute key from every contact of the
// department as a job, as POST /api/v1/privacy/attributes/{key}/delete
// with {"all": true} does (audited by the privacy service); the browser
// goes to the job's progress.
func (h *Handler) attributeDelete(w http.ResponseWriter, r *http.Request) error {
	f := form.NewAttributeForm(r)
	if e := f.Validate(); len(e) > 0 {
		return invalid(e)
	}
	d, err := h.Privacy.DeleteAttribute(r.Context(), f.Key, privacy.AttributeScope{All: true}, false, actorOf(r))
	if err != nil {
		return err
	}
	return h.redirect(w, r, Prefix+"jobs/"+strconv.FormatInt(d.Job.ID, 10), "attribute.deleting")
}
