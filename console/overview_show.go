package console

import (
	"net/http"
	"time"

	"github.com/postbode/postbode/bounces"
	"github.com/postbode/postbode/campaigns"
)

// inFlight is a running or paused campaign with its progress.
type inFlight struct {
	campaigns.Campaign
	Stats campaigns.Stats
}

// rates are the bounce and complaint rates over a window.
type rates struct {
	Sent, Bounced, Complaints int64
	BounceRate, ComplaintRate float64
}

// overviewShow is the start screen: campaigns in flight, queue depth,
// bounce and complaint rates of the last 7 days, open privacy requests
// and one-star contacts due for erasure.
func (h *Handler) overviewShow(w http.ResponseWriter, r *http.Request) error {
	p := h.newPage(r, "overview", "overview")
	// The page polls only the campaigns part (?part=flight), so reading it
	// again does not repeat the audited privacy reports.
	p.Poll = r.URL.Path + "?part=flight"
	flightOnly := r.URL.Query().Get("part") == "flight"
	p.Set("FlightOnly", flightOnly)
	ctx := r.Context()
	if h.Campaigns != nil && p.S.Can(permCampaignsRead) {
		fl, running, err := h.inFlight(r)
		if err != nil {
			return err
		}
		p.Set("InFlight", fl).Set("Running", running)
		qs, err := h.Campaigns.QueueStats(ctx)
		if err != nil {
			return err
		}
		var depth int64
		for _, q := range qs {
			depth += q.Ready + q.Pending + q.Retry
		}
		p.Set("Queue", depth)
		rt, err := h.rates(r, 7*24*time.Hour)
		if err != nil {
			return err
		}
		p.Set("Rates", rt)
	}
	if h.Privacy != nil && p.S.Can(permPrivacyRead) && !flightOnly {
		actor := actorOf(r)
		open, err := h.Privacy.OpenRequests(ctx, actor)
		if err != nil {
			return err
		}
		pv, err := h.Privacy.Preview(ctx, actor)
		if err != nil {
			return err
		}
		p.Set("Requests", open).Set("Retention", pv)
	}
	return h.show(w, r, p)
}

// inFlight returns the running and paused campaigns with their stats, and
// whether any still runs (the page then keeps polling).
func (h *Handler) inFlight(r *http.Request) ([]inFlight, bool, error) {
	var out []inFlight
	running := false
	for _, st := range []string{campaigns.StateRunning, campaigns.StatePaused} {
		cs, err := h.Campaigns.List(r.Context(), campaigns.Filter{Status: st}, 0, 50)
		if err != nil {
			return nil, false, err
		}
		for _, c := range cs {
			s, err := h.Campaigns.Stats(r.Context(), c.ID)
			if err != nil {
				return nil, false, err
			}
			running = running || st == campaigns.StateRunning
			out = append(out, inFlight{Campaign: c, Stats: s})
		}
	}
	return out, running, nil
}

// rates computes bounce and complaint rates over the last window.
func (h *Handler) rates(r *http.Request, window time.Duration) (rates, error) {
	var rt rates
	since := time.Now().Add(-window)
	sent, err := h.Campaigns.SentSince(r.Context(), since)
	if err != nil {
		return rt, err
	}
	rt.Sent = sent
	if h.Bounces != nil {
		st, err := h.Bounces.Stats(r.Context(), 0, since)
		if err != nil {
			return rt, err
		}
		for _, s := range st {
			switch bounces.Class(s.Class) {
			case bounces.Complaint:
				rt.Complaints += s.Count
			case bounces.Hard, bounces.Soft, bounces.Block:
				rt.Bounced += s.Count
			}
		}
	}
	if sent > 0 {
		rt.BounceRate = float64(rt.Bounced) * 100 / float64(sent)
		rt.ComplaintRate = float64(rt.Complaints) * 100 / float64(sent)
	}
	return rt, nil
}
