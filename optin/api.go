package optin

import (
	"context"
	_ "embed"
	"net/http"
	"sync"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
)

//go:embed openapi.json
var openAPIFragment []byte

// FollowUpAPI is the update-mailing follow-up part of the admin API
// (an httpapi.Module): reminders, the answer report, the purge, and the
// change requests from the update page.
type FollowUpAPI struct {
	F     *FollowUps
	Store *Store
	// MaxBodyBytes caps JSON bodies; default 64 KiB.
	MaxBodyBytes int64

	bgCtx context.Context
	bg    sync.WaitGroup
}

// NewFollowUpAPI returns the routes; bgCtx bounds purge jobs (Wait waits for them).
func NewFollowUpAPI(bgCtx context.Context, f *FollowUps, s *Store) *FollowUpAPI {
	return &FollowUpAPI{F: f, Store: s, MaxBodyBytes: 64 << 10, bgCtx: bgCtx}
}

// OpenAPI returns the fragment documenting the routes.
func (a *FollowUpAPI) OpenAPI() []byte { return openAPIFragment }

// Wait blocks until running purge jobs have stopped.
func (a *FollowUpAPI) Wait() { a.bg.Wait() }

// Routes registers the routes: marketers create reminders, read reports and
// decide change requests; a purge needs the privacy role (or admin).
func (a *FollowUpAPI) Routes(rt *httpapi.Router) {
	rt.Handle("POST", "/api/v1/update-mailings/{id}/reminders", access.CampaignsSend, a.reminder)
	rt.Handle("GET", "/api/v1/update-mailings/{id}/report", access.ContactsRead, a.report)
	rt.Handle("GET", "/api/v1/update-mailings/{id}/report/{answer}", access.ContactsRead, a.reportContacts)
	rt.Handle("POST", "/api/v1/update-mailings/{id}/purge", access.PrivacyErase, a.purge)
	rt.Handle("GET", "/api/v1/change-requests", access.ContactsWrite, a.changeRequests)
	rt.Handle("POST", "/api/v1/change-requests/{id}/approve", access.ContactsWrite, a.decide(true))
	rt.Handle("POST", "/api/v1/change-requests/{id}/reject", access.ContactsWrite, a.decide(false))
}

func (a *FollowUpAPI) reminder(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in ReminderInput
	if err := httpapi.DecodeJSON(w, r, a.MaxBodyBytes, &in); err != nil {
		return err
	}
	rem, err := a.F.CreateReminder(r.Context(), id, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, rem)
	return nil
}

func (a *FollowUpAPI) report(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := a.F.Report(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, rep)
	return nil
}

func (a *FollowUpAPI) reportContacts(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	items, err := a.F.ReportContacts(r.Context(), id, r.PathValue("answer"), p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(items, p.Limit, func(c ReportContact) int64 { return c.ContactID }))
	return nil
}

func (a *FollowUpAPI) purge(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in PurgeInput
	if err := httpapi.DecodeJSON(w, r, a.MaxBodyBytes, &in); err != nil {
		return err
	}
	j, run, err := a.F.StartPurge(r.Context(), id, in, httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	a.bg.Add(1)
	bg := access.Detach(a.bgCtx, r.Context())
	go func() {
		defer a.bg.Done()
		run(bg)
	}()
	httpapi.WriteJSON(w, http.StatusAccepted, j)
	return nil
}

func (a *FollowUpAPI) changeRequests(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	status := r.URL.Query().Get("status")
	switch status {
	case "", ChangeApplied, ChangePending, ChangeApproved, ChangeRejected:
	default:
		return httpapi.Invalid("status", "must be applied, pending, approved or rejected")
	}
	items, err := a.Store.ChangeRequests(r.Context(), status, p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(items, p.Limit, func(c ChangeRequest) int64 { return c.ID }))
	return nil
}

func (a *FollowUpAPI) decide(approve bool) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpapi.PathID(r, "id")
		if err != nil {
			return err
		}
		cr, err := a.Store.DecideChange(r.Context(), id, approve, httpapi.Actor(r.Context()))
		if err != nil {
			return err
		}
		httpapi.WriteJSON(w, http.StatusOK, cr)
		return nil
	}
}
