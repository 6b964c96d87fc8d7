package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/privacy"
)

// agreementBodyBytes caps the upload of an agreement: the document
// (privacy.MaxAgreementBytes) and the small fields around it.
const agreementBodyBytes = privacy.MaxAgreementBytes + 1<<20

// agreementSave stores an uploaded processor agreement, as POST
// /api/v1/privacy/processor-agreements does (audited by the privacy
// service); a missing, too large or non-PDF document comes back with 422
// naming the field.
func (h *Handler) agreementSave(w http.ResponseWriter, r *http.Request) error {
	if err := httpapi.AllowUpload(w, h.UploadTimeout); err != nil {
		return err
	}
	f, err := form.NewAgreementForm(r, uploadParts(r))
	if err != nil {
		return err
	}
	signed, e := f.Validate()
	if len(e) == 0 {
		if _, err = h.Privacy.StoreAgreement(r.Context(), f.Processor, f.FileName, signed, f.Data, actorOf(r)); err == nil {
			return h.redirect(w, r, Prefix+"privacy/agreements", "agreement.stored")
		}
	}
	all, err := formErrors(r, e, err, func(f string) string {
		if f == "filename" {
			return "document" // the file name is the document's
		}
		return f
	})
	if err != nil {
		return err
	}
	p, err := h.agreementPage(r, f)
	if err != nil {
		return err
	}
	p.Errs = all
	return h.render(w, r, http.StatusUnprocessableEntity, p)
}
