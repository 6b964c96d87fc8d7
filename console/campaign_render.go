package console

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/httpapi"
)

// frameCSP lets the rendered mail show its own styles and images inside the
// preview frame, runs none of its scripts, and may be framed only here.
const frameCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'; sandbox"

// campaignRender serves the campaign's HTML rendered for one contact (0:
// the sample contact), for the preview frame.
func (h *Handler) campaignRender(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := strconv.ParseInt(r.URL.Query().Get("contact"), 10, 64)
	if err != nil || cid < 0 {
		return errs.Invalid("contact", "is not a contact id")
	}
	out, err := h.Campaigns.Preview(r.Context(), id, cid)
	if err != nil {
		return err
	}
	return writeFrame(w, out.HTML)
}

// writeFrame answers a rendered mail for a sandboxed preview frame.
func writeFrame(w http.ResponseWriter, html string) error {
	w.Header().Set("Content-Security-Policy", frameCSP)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err := w.Write([]byte(html))
	return err
}
