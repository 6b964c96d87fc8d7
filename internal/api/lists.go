package api

import (
	"net/http"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/optin"
)

func (s *Server) listRoutes() {
	s.rt.Handle("GET", "/api/v1/lists", access.ListsRead, s.listLists)
	s.rt.Handle("POST", "/api/v1/lists", access.ListsManage, s.createList)
	s.rt.Handle("GET", "/api/v1/lists/{id}", access.ListsRead, s.getList)
	s.rt.Handle("PATCH", "/api/v1/lists/{id}", access.ListsManage, s.updateList)
	s.rt.Handle("DELETE", "/api/v1/lists/{id}", access.ListsManage, s.deleteList)
}

func (s *Server) listLists(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	ls, err := s.Optin.ListLists(r.Context(), p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(ls, p.Limit, func(l optin.List) int64 { return l.ID }))
	return nil
}

func (s *Server) createList(w http.ResponseWriter, r *http.Request) error {
	var in optin.ListInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	l, err := s.Optin.CreateList(r.Context(), in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, l)
	return nil
}

func (s *Server) getList(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	l, err := s.Optin.GetList(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (s *Server) updateList(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in optin.ListInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	l, err := s.Optin.UpdateList(r.Context(), id, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (s *Server) deleteList(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Optin.DeleteList(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
