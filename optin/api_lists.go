package optin

import (
	"net/http"
	"strconv"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
)

func (a *API) listRoutes(rt *httpapi.Router) {
	rt.Handle("GET", "/api/v1/lists", access.ListsRead, a.listLists)
	rt.Handle("POST", "/api/v1/lists", access.ListsManage, a.createList)
	rt.Handle("GET", "/api/v1/lists/{id}", access.ListsRead, a.getList)
	rt.Handle("PATCH", "/api/v1/lists/{id}", access.ListsManage, a.updateList)
	rt.Handle("DELETE", "/api/v1/lists/{id}", access.ListsManage, a.deleteList)
}

func (a *API) listLists(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	ls, err := a.Store.ListLists(r.Context(), p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(ls, p.Limit, func(l List) int64 { return l.ID }))
	return nil
}

func (a *API) createList(w http.ResponseWriter, r *http.Request) error {
	var in ListInput
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	l, err := a.Store.CreateList(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/lists/"+strconv.FormatInt(l.ID, 10))
	httpapi.WriteJSON(w, http.StatusCreated, l)
	return nil
}

func (a *API) getList(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	l, err := a.Store.GetList(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) updateList(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in ListInput
	if err := httpapi.DecodePatch(w, r, a.MaxBodyBytes, &in); err != nil {
		return err
	}
	l, err := a.Store.UpdateList(r.Context(), id, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) deleteList(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Store.DeleteList(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
