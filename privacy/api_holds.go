package privacy

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

// Routes of legal holds (privacy role).

func (a *API) placeHold(w http.ResponseWriter, r *http.Request) error {
	var in HoldInput
	if err := httpapi.DecodeJSON(w, r, a.MaxBodyBytes, &in); err != nil {
		return err
	}
	h, err := a.S.PlaceHold(r.Context(), in, httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, h)
	return nil
}

func (a *API) releaseHold(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	h, err := a.S.ReleaseHold(r.Context(), id, httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, h)
	return nil
}

func (a *API) listHolds(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	active := r.URL.Query().Get("active")
	if active != "" && active != "true" && active != "false" {
		return httpapi.Invalid("active", "must be true or false")
	}
	items, err := a.S.Holds(r.Context(), active == "true", p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(items, p.Limit, func(h Hold) int64 { return h.ID }))
	return nil
}
