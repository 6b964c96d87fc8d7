package pages

// Handlers: update your details (/p/{token}).

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/optin"
)

type kv struct{ Key, Value string }

type updateData struct {
	Base, Name, Email, Lists string
	Attrs                    []kv
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) (rtoken.Claims, contacts.Contact, bool) {
	c, ok := s.token(w, r, rtoken.Update)
	if !ok {
		return c, contacts.Contact{}, false
	}
	ct, err := s.r.Contact(r.Context(), c.ContactID)
	if err != nil {
		s.fail(w, r, err)
		return c, ct, false
	}
	return c, ct, true
}

func (s *Server) attrs(current map[string]any, override map[string]string) []kv {
	var out []kv
	for _, k := range s.r.EditableAttributes() {
		v := ""
		if x, ok := current[k]; ok && x != nil {
			v = fmt.Sprint(x)
		}
		if o, ok := override[k]; ok {
			v = o
		}
		out = append(out, kv{k, v})
	}
	return out
}

func (s *Server) updatePage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.token(w, r, rtoken.Update)
	if !ok {
		return
	}
	v, err := s.r.UpdateView(r.Context(), c.ContactID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "upd.title")
	switch r.URL.Query().Get("answer") {
	case "ok":
		s.actionPage(w, r, "upd.ok", p.T("upd.ok.body"), "upd.ok.button", "", map[string]string{"answer": "ok"})
	case "remove":
		s.actionPage(w, r, "upd.remove", p.T("upd.remove.body"), "upd.remove.button", "danger", map[string]string{"answer": "remove"})
	case "change":
		s.renderChange(w, r, http.StatusOK, v.Attributes, v.Name, nil, "")
	default:
		p.D = updateData{Base: r.URL.Path, Name: v.Name, Email: v.Email, Lists: v.Lists, Attrs: s.attrs(v.Attributes, nil)}
		s.render(w, http.StatusOK, "update", p)
	}
}

func (s *Server) renderChange(w http.ResponseWriter, r *http.Request, status int, current map[string]any, name string, attrs map[string]string, errField string) {
	p := s.newPage(r, "upd.change.title")
	p.D = updateData{Name: name, Attrs: s.attrs(current, attrs)}
	p.CSRF = s.csrfToken(w, r, r.URL.Path)
	if errField != "" {
		label := errField
		if errField == "name" {
			label = p.T("upd.name")
		}
		p.Error = p.Tf("upd.err", strings.TrimPrefix(label, "attributes."))
	}
	s.render(w, status, "update_change", p)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	c, ct, ok := s.updateContact(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	if !s.checkCSRF(r, r.URL.Path) {
		s.csrfFailed(w, r)
		return
	}
	who := s.who(r)
	p := s.newPage(r, "upd.title")
	var err error
	switch r.PostFormValue("answer") {
	case "ok":
		if err = s.r.AnswerOK(r.Context(), c.ContactID, c.CampaignID, who); err == nil {
			s.message(w, r, http.StatusOK, "upd.title", p.T("upd.ok.done"))
		}
	case "remove":
		if err = s.r.AnswerRemove(r.Context(), c.ContactID, c.CampaignID, who); err == nil {
			s.message(w, r, http.StatusOK, "upd.title", p.T("upd.remove.done"))
		}
	case "change":
		d := optin.Details{Name: r.PostFormValue("name"), Attributes: map[string]string{}}
		for _, k := range s.r.EditableAttributes() {
			if vs, ok := r.PostForm["attr."+k]; ok && len(vs) > 0 {
				d.Attributes[k] = vs[0]
			}
		}
		var res optin.ChangeResult
		res, err = s.r.SaveDetails(r.Context(), c.ContactID, c.CampaignID, d, who)
		var de *errs.Error
		if errors.As(err, &de) && de.Kind == errs.KindInvalid {
			s.renderChange(w, r, http.StatusUnprocessableEntity, ct.Attributes, d.Name, d.Attributes, de.Field)
			return
		}
		if err == nil {
			key := "upd.changed.done"
			if res.Pending {
				key = "upd.pending.done"
			}
			s.message(w, r, http.StatusOK, "upd.title", p.T(key))
		}
	default:
		s.csrfFailed(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, err)
	}
}
