package console

import (
	"net/http"

	"github.com/postbode/postbode/console/form"
)

// campaignTestSend sends the campaign to test addresses now and shows what
// each one's server answered.
func (h *Handler) campaignTestSend(w http.ResponseWriter, r *http.Request) error {
	p, c, err := h.campaignPage(r, "campaign")
	if err != nil {
		return err
	}
	f := form.NewTestSendForm(r)
	p.Set("Test", f)
	res, err := h.Campaigns.TestSend(r.Context(), c.ID, f.List())
	if fe, ok := fieldError(r, err); ok {
		p.Errs = map[string]string{"addresses": fe[firstKey(fe)]}
		return h.render(w, r, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	p.Flash = "test.sent"
	return h.show(w, r, p.Set("TestResults", res))
}

func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}
