package console

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
)

// importErrors downloads the rejected rows of an import as CSV.
func (h *Handler) importErrors(w http.ResponseWriter, r *http.Request) error {
	j, err := h.importJob(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="import-%d-errors.csv"`, j.ID))
	cw := csv.NewWriter(w)
	cw.Write([]string{"row", "field", "reason"})
	for _, e := range j.Errors {
		cw.Write([]string{strconv.FormatInt(e.Row, 10), e.Field, e.Reason})
	}
	cw.Flush()
	return cw.Error()
}
