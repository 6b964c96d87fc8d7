package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/postbode/postbode/internal/httpapi"
)

// importErrors downloads the rejected rows of an import as CSV.
func (h *Handler) importErrors(w http.ResponseWriter, r *http.Request) error {
	j, err := h.importJob(r)
	if err != nil {
		return err
	}
	rows := make([][]string, 0, len(j.Errors))
	for _, e := range j.Errors {
		rows = append(rows, []string{strconv.FormatInt(e.Row, 10), e.Field, e.Reason})
	}
	return httpapi.WriteCSV(w, fmt.Sprintf("import-%d-errors", j.ID), []string{"row", "field", "reason"}, rows)
}
