package console

import (
	"net/http"
	"strconv"
	"strings"

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
	list := f.List()
	res, err := h.Campaigns.TestSend(r.Context(), c.ID, list)
	if fe, ok := fieldError(r, err); ok {
		k := firstKey(fe)
		msg := fe[k]
		// addresses[i]: say which of the addresses typed is wrong.
		if i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(k, "addresses["), "]")); err == nil && i >= 0 && i < len(list) {
			msg = "“" + list[i] + "”: " + msg
		}
		p.Errs = map[string]string{"addresses": msg}
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
