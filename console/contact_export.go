package console

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/httpapi"
)

// contactExport downloads everything held on a contact (the access export)
// as PDF or JSON; the privacy service records it in the audit log.
func (h *Handler) contactExport(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	format := r.PathValue("format")
	if format != "pdf" && format != "json" {
		return errs.Invalid("format", "must be pdf or json")
	}
	ex, err := h.Privacy.Export(r.Context(), id, actorOf(r), format)
	if err != nil {
		return err
	}
	var body []byte
	if format == "pdf" {
		if body, err = ex.PDF(r.URL.Query().Get("lang")); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
	} else {
		if body, err = json.MarshalIndent(ex, "", "  "); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="contact-%d.%s"`, id, format))
	_, err = w.Write(body)
	return err
}
