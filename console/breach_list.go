package console

import (
	"net/http"
	"net/url"
	"time"

	"github.com/postbode/postbode/internal/humantime"
	"github.com/postbode/postbode/privacy"
)

// breachList is the data-breach register, a page at a time, each breach
// with its 72-hour clock (GDPR art. 33(1)).
func (h *Handler) breachList(w http.ResponseWriter, r *http.Request) error {
	pg, err := pageOf(r, 50)
	if err != nil {
		return err
	}
	bs, err := h.Privacy.Breaches(r.Context(), pg.After, pg.Limit)
	if err != nil {
		return err
	}
	items, pager := newPager(r.URL.Path, url.Values{}, pg, bs, func(b privacy.Breach) int64 { return b.ID })
	lang, now := pageLang(r), time.Now()
	rows := make([]breachRow, len(items))
	for i, b := range items {
		rows[i] = breachRow{Breach: b, Clock: clockOf(b, now, lang)}
	}
	return h.show(w, r, h.newPage(r, "breaches", "privacy").Set("Breaches", rows).Set("Pager", pager))
}

// breachRow is a breach with its clock.
type breachRow struct {
	privacy.Breach
	Clock breachClock
}

// breachClock is the 72-hour clock of a breach, as durations in words
// to the minute (humantime.Duration): the time since discovery, and while the authority
// is still to be notified the time left until the deadline or, past it,
// how late it is.
type breachClock struct {
	Elapsed, Left, Late string
	// Pending: the authority is still to be notified.
	Pending bool
}

func clockOf(b privacy.Breach, now time.Time, lang string) breachClock {
	words := func(d time.Duration) string { return humantime.Duration(d.Truncate(time.Minute), lang) }
	c := breachClock{Elapsed: words(now.Sub(b.DiscoveredAt)), Pending: b.Authority == privacy.NotifyPending}
	if !c.Pending {
		return c
	}
	if left := b.NotifyBy.Sub(now); left > 0 {
		c.Left = words(left)
	} else {
		c.Late = words(-left)
	}
	return c
}
