package privacy

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/postbode/postbode/internal/httpapi"
)

// Routes of the registers: processing activities (art. 30), data breaches
// (art. 33), processor agreements (art. 28).

// adminOnly: the admin role only (it is always allowed).
var adminOnly = []string{}

func (a *API) register(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "pdf" {
		return httpapi.Invalid("format", "must be json or pdf")
	}
	reg, err := a.S.Register(r.Context(), httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	if format != "pdf" {
		httpapi.WriteJSON(w, http.StatusOK, reg)
		return nil
	}
	b, err := reg.PDF(a.S.opt.HouseColour)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="processing-register.pdf"`)
	w.Write(b)
	return nil
}

func (a *API) listBreaches(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	items, err := a.S.Breaches(r.Context(), p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(items, p.Limit, func(b Breach) int64 { return b.ID }))
	return nil
}

func (a *API) getBreach(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := a.S.GetBreach(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, b)
	return nil
}

func (a *API) recordBreach(w http.ResponseWriter, r *http.Request) error {
	var in BreachInput
	if err := httpapi.DecodeJSON(w, r, a.MaxBodyBytes, &in); err != nil {
		return err
	}
	b, err := a.S.RecordBreach(r.Context(), in, httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, b)
	return nil
}

func (a *API) updateBreach(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in BreachInput
	if err := httpapi.DecodePatch(w, r, a.MaxBodyBytes, &in); err != nil {
		return err
	}
	b, err := a.S.UpdateBreach(r.Context(), id, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, b)
	return nil
}

func (a *API) storeAgreement(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var signed *time.Time
	if v := q.Get("signed_on"); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return httpapi.Invalid("signed_on", "must be a date YYYY-MM-DD")
		}
		signed = &t
	}
	// A document is a file: it has the upload time, not the read timeout
	// of a JSON body.
	if err := httpapi.AllowUpload(w, a.UploadTimeout); err != nil {
		return err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxAgreementBytes+1))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return httpapi.ErrBodyTimeout
	}
	if err != nil {
		return httpapi.Invalid("document", "must be at most 10 MiB")
	}
	ag, err := a.S.StoreAgreement(r.Context(), q.Get("processor"), q.Get("filename"), signed, data, httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, ag)
	return nil
}

func (a *API) listAgreements(w http.ResponseWriter, r *http.Request) error {
	items, err := a.S.Agreements(r.Context())
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (a *API) downloadAgreement(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	ag, data, err := a.S.AgreementDocument(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ag.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename=`+strconv.Quote(ag.Filename))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
	return nil
}
