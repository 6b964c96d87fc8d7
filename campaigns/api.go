package campaigns

import (
	"context"
	_ "embed"
	"net/http"
	"strconv"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
)

//go:embed openapi.json
var openAPIFragment []byte

// API is the campaigns part of the admin API (an httpapi.Module).
type API struct {
	S *Service
	// MaxBodyBytes caps JSON bodies; default 2 MiB (campaign HTML).
	MaxBodyBytes int64
}

// NewAPI returns the campaign routes on s.
func NewAPI(s *Service) *API { return &API{S: s, MaxBodyBytes: 2 << 20} }

// OpenAPI returns the fragment documenting the routes.
func (a *API) OpenAPI() []byte { return openAPIFragment }

// Routes registers the campaign routes: marketers write, every role reads
// (the preview, which shows a contact's data, only marketer and privacy).
func (a *API) Routes(rt *httpapi.Router) {
	rt.Handle("POST", "/api/v1/campaigns", access.CampaignsSend, a.create)
	rt.Handle("GET", "/api/v1/campaigns", access.CampaignsRead, a.list)
	rt.Handle("GET", "/api/v1/campaigns/{id}", access.CampaignsRead, a.get)
	rt.Handle("PATCH", "/api/v1/campaigns/{id}", access.CampaignsSend, a.update)
	rt.Handle("POST", "/api/v1/campaigns/{id}/duplicate", access.CampaignsSend, a.duplicate)
	rt.Handle("POST", "/api/v1/campaigns/{id}/schedule", access.CampaignsSend, a.schedule)
	rt.Handle("POST", "/api/v1/campaigns/{id}/unschedule", access.CampaignsSend, a.op(a.S.Unschedule))
	rt.Handle("POST", "/api/v1/campaigns/{id}/start", access.CampaignsSend, a.op(a.S.Start))
	rt.Handle("POST", "/api/v1/campaigns/{id}/pause", access.CampaignsSend, a.op(a.S.Pause))
	rt.Handle("POST", "/api/v1/campaigns/{id}/resume", access.CampaignsSend, a.op(a.S.Resume))
	rt.Handle("POST", "/api/v1/campaigns/{id}/cancel", access.CampaignsSend, a.op(a.S.Cancel))
	rt.Handle("POST", "/api/v1/campaigns/{id}/archive", access.CampaignsSend, a.op(a.S.Archive))
	rt.Handle("POST", "/api/v1/campaigns/{id}/unarchive", access.CampaignsSend, a.op(a.S.Unarchive))
	rt.Handle("POST", "/api/v1/campaigns/{id}/test", access.CampaignsSend, a.test)
	rt.Handle("GET", "/api/v1/campaigns/{id}/preview", access.ContactsRead, a.preview)
	rt.Handle("GET", "/api/v1/campaigns/{id}/stats", access.CampaignsRead, a.stats)
}

func (a *API) create(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := httpapi.DecodeJSON(w, r, a.MaxBodyBytes, &in); err != nil {
		return err
	}
	c, err := a.S.Create(r.Context(), in, httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/campaigns/"+strconv.FormatInt(c.ID, 10))
	httpapi.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (a *API) duplicate(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.S.Duplicate(r.Context(), id, httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/campaigns/"+strconv.FormatInt(c.ID, 10))
	httpapi.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := Filter{Status: q.Get("status"), Query: q.Get("q"), Archived: q.Get("archived")}
	items, err := a.S.List(r.Context(), f, p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(items, p.Limit, func(c Campaign) int64 { return c.ID }))
	return nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.S.Get(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) update(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in Input
	if err := httpapi.DecodePatch(w, r, a.MaxBodyBytes, &in); err != nil {
		return err
	}
	c, err := a.S.Update(r.Context(), id, in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, c)
	return nil
}

type scheduleInput struct {
	SendAt *time.Time `json:"send_at"`
}

func (a *API) schedule(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in scheduleInput
	if err := httpapi.DecodeJSON(w, r, a.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.SendAt == nil {
		return httpapi.Invalid("send_at", "required (RFC 3339 time)")
	}
	c, err := a.S.Schedule(r.Context(), id, *in.SendAt)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, c)
	return nil
}

// op adapts a state transition (start, pause, resume, cancel, unschedule,
// archive, unarchive).
func (a *API) op(fn func(ctx context.Context, id int64) (Campaign, error)) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpapi.PathID(r, "id")
		if err != nil {
			return err
		}
		c, err := fn(r.Context(), id)
		if err != nil {
			return err
		}
		httpapi.WriteJSON(w, http.StatusOK, c)
		return nil
	}
}

type testInput struct {
	Addresses    []string `json:"addresses"`
	ContactID    int64    `json:"contact_id"`
	ContactEmail string   `json:"contact_email"`
}

func (a *API) test(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var in testInput
	if err := httpapi.DecodeJSON(w, r, a.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.ContactID != 0 && in.ContactEmail != "" {
		return httpapi.Invalid("contact_email", "give contact_id or contact_email, not both")
	}
	if in.ContactID < 0 {
		return httpapi.Invalid("contact_id", "must be a positive contact id")
	}
	// A real contact's merge fields are shown to whoever reads the test
	// mail: that needs contacts.read, as a preview does.
	if act, ok := access.ActorFrom(r.Context()); (in.ContactID != 0 || in.ContactEmail != "") && (!ok || !act.Has(access.ContactsRead)) {
		return httpapi.NewError(http.StatusForbidden, "forbidden", "a test send with a contact's merge fields needs the permission "+string(access.ContactsRead))
	}
	res, err := a.S.TestSendAs(r.Context(), id, in.Addresses, TestContact{ID: in.ContactID, Email: in.ContactEmail})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"results": res})
	return nil
}

func (a *API) preview(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := strconv.ParseInt(r.URL.Query().Get("contact_id"), 10, 64)
	if err != nil || cid <= 0 {
		return httpapi.Invalid("contact_id", "required, a positive contact id")
	}
	out, err := a.S.Preview(r.Context(), id, cid)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"subject": out.Subject, "html": out.HTML, "text": out.Text})
	return nil
}

func (a *API) stats(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	st, err := a.S.Stats(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, st)
	return nil
}
