package api

import (
	"net/http"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
)

func (s *Server) blocklistRoutes() {
	s.rt.Handle("GET", "/api/v1/blocklist", access.ContactsRead, s.listBlocks)
	s.rt.Handle("POST", "/api/v1/blocklist", access.ContactsWrite, s.block)
	s.rt.Handle("DELETE", "/api/v1/blocklist/{email}", access.ContactsWrite, s.unblock)
}

func (s *Server) listBlocks(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	bs, err := s.Contacts.ListBlocks(r.Context(), p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(bs, p.Limit, func(b contacts.Block) int64 { return b.ID }))
	return nil
}

type blockInput struct {
	Email  string `json:"email"`
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

func (s *Server) block(w http.ResponseWriter, r *http.Request) error {
	var in blockInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if in.Reason == "" {
		in.Reason = "manual"
	}
	if len(in.Note) > 1000 {
		return httpapi.Invalid("note", "is longer than 1000 characters")
	}
	if err := s.Contacts.BlockAddress(r.Context(), in.Email, in.Reason, in.Note); err != nil {
		return err
	}
	w.WriteHeader(http.StatusCreated)
	return nil
}

func (s *Server) unblock(w http.ResponseWriter, r *http.Request) error {
	if err := s.Contacts.Unblock(r.Context(), r.PathValue("email")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
