package console

import (
	"net/http"
	"time"

	"github.com/postbode/postbode/campaigns"
)

// bar is one bar of a server-made SVG chart.
type bar struct {
	Label string
	Value int64
	// Width is the bar's share of the widest, in percent.
	Width float64
	Y     int
}

// bars lays out labelled values as horizontal bars.
func bars(labels []string, values []int64) []bar {
	out := make([]bar, len(values))
	for i, v := range values {
		out[i] = bar{Label: labels[i], Value: v, Width: share(v, maxOf(values)), Y: i * 28}
	}
	return out
}

// maxOf is the largest of values, at least 1 (a scale never divides by 0).
func maxOf(values []int64) int64 {
	var m int64 = 1
	for _, v := range values {
		m = max(m, v)
	}
	return m
}

// share is v as a percentage of the largest value m.
func share(v, m int64) float64 { return float64(v) * 100 / float64(m) }

// campaignResults shows a campaign's outcome: delivered, bounced, deferred
// and the rest as a chart, bounces by class and reason, opens and clicks.
func (h *Handler) campaignResults(w http.ResponseWriter, r *http.Request) error {
	p, c, err := h.campaignPage(r, "campaign_results")
	if err != nil {
		return err
	}
	s := p.D["Stats"].(campaigns.Stats)
	labels := []string{p.T("result.sent"), p.T("result.bounced"), p.T("result.deferred"), p.T("result.failed"),
		p.T("result.skipped"), p.T("result.cancelled"), p.T("result.opened"), p.T("result.clicked")}
	p.Set("Bars", bars(labels, []int64{s.Sent, s.Bounced, s.Deferred, s.Failed, s.Skipped, s.Cancelled, s.Opened, s.Clicked}))
	tl, err := h.Campaigns.Timeline(r.Context(), c.ID)
	if err != nil {
		return err
	}
	p.Set("Timeline", columns(p, tl, h.Location))
	links, err := h.Optin.LinkClicks(r.Context(), c.ID)
	if err != nil {
		return err
	}
	p.Set("Links", links)
	if h.Bounces != nil {
		bs, err := h.Bounces.Stats(r.Context(), c.ID, time.Time{})
		if err != nil {
			return err
		}
		p.Set("Bounces", bs)
	}
	return h.show(w, r, p)
}
