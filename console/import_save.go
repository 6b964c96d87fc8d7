package console

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strconv"

	"github.com/postbode/postbode/console/form"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/optin"
)

// importSave spools the upload, records a job and imports in the
// background; the browser goes to the job's page, which shows progress.
func (h *Handler) importSave(w http.ResponseWriter, r *http.Request) error {
	if err := httpapi.AllowUpload(w, h.UploadTimeout); err != nil {
		return err
	}
	f, err := form.NewImportForm(r, uploadParts(r), h.SpoolDir, h.MaxImportBytes)
	if errors.Is(err, optin.ErrImportTooLarge) {
		return err
	}
	if err != nil {
		return err
	}
	if e := f.Validate(); len(e) > 0 {
		f.Close()
		p, err := h.importPage(r, f)
		if err != nil {
			return err
		}
		p.setErrs(e)
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	params := f.Params()
	job, err := h.Jobs.StartSpooled(r.Context(), jobs.KindImport, params, actorOf(r), f.File.Name())
	if err != nil {
		f.Close()
		return err
	}
	file := f.File
	h.background(r, func(ctx context.Context) {
		defer os.Remove(file.Name())
		defer file.Close()
		h.Importer.Run(ctx, job.ID, file, params)
	})
	return h.redirect(w, r, Prefix+"imports/"+strconv.FormatInt(job.ID, 10), "import.flash")
}
