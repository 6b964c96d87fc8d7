package api

import (
	"net/http"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
)

func (s *Server) tokenRoutes() {
	s.rt.Handle("GET", "/api/v1/tokens", access.UsersManage, s.listTokens)
	s.rt.Handle("POST", "/api/v1/tokens", access.UsersManage, s.createToken)
	s.rt.Handle("DELETE", "/api/v1/tokens/{id}", access.UsersManage, s.revokeToken)
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.Tokens.List(r.Context())
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": ts})
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	t, secret, err := s.Tokens.Create(r.Context(), in.Name, in.Role)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, map[string]any{"token": secret, "id": t.ID, "name": t.Name, "role": t.Role, "created_at": t.CreatedAt})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Tokens.Revoke(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
