package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/privacy"
)

// agreementList lists the stored processor agreements (GDPR art. 28(3))
// with the upload form; uploading and downloading need settings.manage,
// as in the API.
func (h *Handler) agreementList(w http.ResponseWriter, r *http.Request) error {
	p, err := h.agreementPage(r, &form.AgreementForm{})
	if err != nil {
		return err
	}
	return h.show(w, r, p)
}

// agreementPage is the agreements screen with the upload form f.
func (h *Handler) agreementPage(r *http.Request, f *form.AgreementForm) (*page, error) {
	as, err := h.Privacy.Agreements(r.Context())
	if err != nil {
		return nil, err
	}
	return h.newPage(r, "agreements", "privacy").Set("Agreements", as).Set("Form", f).
		Set("MaxMiB", privacy.MaxAgreementBytes>>20), nil
}
