package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/httpapi"
)

// importErrors downloads the rejected rows of an import as CSV, in the
// person's language as the import screen shows them, typed input with what
// a reader cannot see escaped (errs.Visible) as on the screen.
func (h *Handler) importErrors(w http.ResponseWriter, r *http.Request) error {
	j, err := h.importJob(r)
	if err != nil {
		return err
	}
	lang := pageLang(r)
	rows := make([][]string, 0, len(j.Errors))
	for _, e := range j.Errors {
		rows = append(rows, []string{strconv.FormatInt(e.Row, 10), errs.Visible(e.Field), errs.Visible(trMsg(lang, e.Reason))})
	}
	header := []string{tr(lang, "import.row"), tr(lang, "import.field"), tr(lang, "import.reason")}
	return httpapi.WriteCSV(w, fmt.Sprintf("import-%d-errors", j.ID), header, rows)
}
