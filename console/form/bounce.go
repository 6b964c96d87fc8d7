package form

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/postbode/postbode/bounces"
	"github.com/postbode/postbode/internal/errs"
)

// BounceFilterForm is the bounce list's filters, all in the URL so the
// pager links keep them: class, reason, campaign and a date range (dates
// in the organisation's zone, until inclusive).
type BounceFilterForm struct {
	Class, Reason, Campaign, From, Until string
}

// NewBounceFilterForm reads the filters from the query string.
func NewBounceFilterForm(r *http.Request) *BounceFilterForm {
	q := r.URL.Query()
	return &BounceFilterForm{Class: q.Get("class"), Reason: q.Get("reason"), Campaign: trim(q.Get("campaign")),
		From: trim(q.Get("from")), Until: trim(q.Get("until"))}
}

// bounceFields maps the domain's field names to the form's.
var bounceFields = map[string]string{"campaign_id": "campaign"}

// Filter is the domain filter (bounces.ParseFilter, the API's one rule),
// dates read in loc; a bad value is an error on its field with the
// domain's message.
func (f *BounceFilterForm) Filter(loc *time.Location) (bounces.Filter, map[string]string) {
	if loc == nil {
		loc = time.UTC
	}
	bf, err := bounces.ParseFilter(f.Class, f.Reason, f.Campaign, f.From, f.Until, time.DateOnly, loc)
	var e *errs.Error
	if errors.As(err, &e) {
		field := e.Field
		if n, ok := bounceFields[field]; ok {
			field = n
		}
		return bf, map[string]string{field: e.Message}
	}
	return bf, nil
}

// Values is the filter as URL values (for the pager links).
func (f *BounceFilterForm) Values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"class": f.Class, "reason": f.Reason, "campaign": f.Campaign, "from": f.From, "until": f.Until} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}
