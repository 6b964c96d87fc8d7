package contacts

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

func (a *API) listBlocks(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	bs, err := a.Store.ListBlocks(r.Context(), r.URL.Query().Get("q"), p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(bs, p.Limit, func(b Block) int64 { return b.ID }))
	return nil
}

type blockInput struct {
	Email  string `json:"email"`
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

func (a *API) block(w http.ResponseWriter, r *http.Request) error {
	var in blockInput
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Reason == "" {
		in.Reason = "manual"
	}
	if len(in.Note) > 1000 {
		return httpapi.Invalid("note", "is longer than 1000 characters")
	}
	if err := a.Store.BlockAddress(r.Context(), in.Email, in.Reason, in.Note); err != nil {
		return err
	}
	w.WriteHeader(http.StatusCreated)
	return nil
}

func (a *API) unblock(w http.ResponseWriter, r *http.Request) error {
	if err := a.Store.Unblock(r.Context(), r.PathValue("email")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
