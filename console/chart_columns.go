package console

import (
	"time"

	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/internal/humantime"
)

// column is one rect of a server-made SVG column chart, laid out in a
// 600 x 160 drawing area (labels below it).
type column struct {
	X, Y, W, H float64
	Value      int64
	Class      string
	Title      string
}

// columnChart is a campaign's outcomes over time: per hour three columns
// (delivered, bounced, deferred) and an hour label, on the clock of Zone.
type columnChart struct {
	Zone    string
	Columns []column
	Labels  []chartLabel
	Legend  []chartLabel
}

type chartLabel struct {
	X     float64
	Text  string
	Class string
}

// columns lays out the timeline buckets as grouped columns, their hours in
// loc (the organisation's zone; nil: UTC).
func columns(p *page, tl []campaigns.TimeBucket, loc *time.Location) columnChart {
	ch := columnChart{Zone: humantime.Zone(loc)}
	if len(tl) == 0 {
		return ch
	}
	names := []string{p.T("result.sent"), p.T("result.bounced"), p.T("result.deferred")}
	classes := []string{"bar", "bar-bounced", "bar-deferred"}
	var all []int64
	for _, b := range tl {
		all = append(all, b.Delivered, b.Bounced, b.Deferred)
	}
	m := maxOf(all)
	slot := 600 / float64(len(tl))
	w := slot / 3 * 0.9
	every := (len(tl) + 7) / 8 // at most 8 hour labels
	for i, b := range tl {
		hour := humantime.Clock(b.Hour, loc)
		for k, v := range []int64{b.Delivered, b.Bounced, b.Deferred} {
			h := share(v, m) * 1.5
			ch.Columns = append(ch.Columns, column{X: float64(i)*slot + float64(k)*w, Y: 160 - h, W: w, H: h,
				Value: v, Class: classes[k], Title: humantime.Time(b.Hour, loc) + " " + names[k]})
		}
		if i%every == 0 {
			ch.Labels = append(ch.Labels, chartLabel{X: float64(i) * slot, Text: hour})
		}
	}
	for k, n := range names {
		ch.Legend = append(ch.Legend, chartLabel{X: float64(k) * 200, Text: n, Class: classes[k]})
	}
	return ch
}
