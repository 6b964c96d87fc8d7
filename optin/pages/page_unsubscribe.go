package pages

// Handlers: unsubscribe (/u/{token}), RFC 8058 one-click.

import (
	"net/http"
	"strings"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/optin"
)

type unsubscribeData struct {
	Email         string
	Lists         []optin.ListRef
	CampaignLists string
}

func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.token(w, r, rtoken.Unsubscribe)
	if !ok {
		return
	}
	ct, err := s.r.Contact(r.Context(), c.ContactID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lists, err := s.r.SubscribedLists(r.Context(), c.ContactID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	camp, err := s.r.CampaignLists(r.Context(), c.CampaignID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var names []string
	for _, l := range lists {
		for _, id := range camp {
			if l.ID == id {
				names = append(names, l.Name)
			}
		}
	}
	p := s.newPage(r, "unsub.title")
	p.D = unsubscribeData{Email: contacts.RedactEmail(ct.Email), Lists: lists, CampaignLists: strings.Join(names, ", ")}
	p.CSRF = s.csrfToken(w, r, r.URL.Path)
	s.render(w, http.StatusOK, "unsubscribe", p)
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	c, ok := s.token(w, r, rtoken.Unsubscribe)
	if !ok {
		return
	}
	if r.Header.Get("Content-Type") == "" {
		// A one-click POST without a content type is read as a form.
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if !s.parseForm(w, r) {
		return
	}
	// RFC 8058 §3.2: a POST whose body is "List-Unsubscribe=One-Click"
	// unsubscribes at once; no cookie or form token is involved.
	oneClick := r.PostFormValue("List-Unsubscribe") == "One-Click"
	if !oneClick && !s.checkCSRF(r, r.URL.Path) {
		s.csrfFailed(w, r)
		return
	}
	all := !oneClick && r.PostFormValue("scope") == "all"
	if _, err := s.r.Unsubscribe(r.Context(), c.ContactID, c.CampaignID, all, oneClick, s.who(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "unsub.done.title")
	s.message(w, r, http.StatusOK, "unsub.done.title", p.T("unsub.done.body"))
}
