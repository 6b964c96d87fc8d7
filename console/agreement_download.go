package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/internal/httpapi"
)

// agreementDownload sends a stored agreement's document, as GET
// /api/v1/privacy/processor-agreements/{id}/document does.
func (h *Handler) agreementDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	ag, data, err := h.Privacy.AgreementDocument(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ag.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename=`+strconv.Quote(ag.Filename))
	w.Write(data) // a broken connection is the browser's to report
	return nil
}
