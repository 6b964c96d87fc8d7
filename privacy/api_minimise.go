package privacy

import (
	"net/http"

	"github.com/postbode/postbode/internal/httpapi"
)

// Routes of data minimisation (privacy role).

func (a *API) listHidden(w http.ResponseWriter, r *http.Request) error {
	items, err := a.S.HiddenAttributes(r.Context())
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (a *API) hideAttribute(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := httpapi.DecodeJSON(w, r, a.MaxBodyBytes, &in); err != nil {
			return err
		}
	}
	if err := a.S.HideAttribute(r.Context(), r.PathValue("key"), in.Reason, httpapi.Actor(r.Context())); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) showAttribute(w http.ResponseWriter, r *http.Request) error {
	if err := a.S.ShowAttribute(r.Context(), r.PathValue("key"), httpapi.Actor(r.Context())); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type deleteAttributeInput struct {
	AttributeScope
	DryRun bool `json:"dry_run"`
}

func (a *API) deleteAttribute(w http.ResponseWriter, r *http.Request) error {
	var in deleteAttributeInput
	if err := httpapi.DecodeJSON(w, r, 2<<20, &in); err != nil {
		return err
	}
	out, err := a.S.DeleteAttribute(r.Context(), r.PathValue("key"), in.AttributeScope, in.DryRun, httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	status := http.StatusAccepted
	if in.DryRun {
		status = http.StatusOK
	}
	httpapi.WriteJSON(w, status, out)
	return nil
}
