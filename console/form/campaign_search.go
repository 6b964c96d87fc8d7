package form

import (
	"net/http"
	"net/url"

	"github.com/postbode/postbode/campaigns"
)

// CampaignSearchForm is the campaign list's search: a part of the name or
// subject, a status and whether archived campaigns show, all in the URL
// so the pager links keep them. The campaigns service judges the filter
// (campaigns.Filter.Validate), as for the API: a wrong one is a 422 naming
// the parameter.
type CampaignSearchForm struct {
	Query    string
	Status   string
	Archived string
}

// NewCampaignSearchForm reads the search from the query string.
func NewCampaignSearchForm(r *http.Request) *CampaignSearchForm {
	q := r.URL.Query()
	return &CampaignSearchForm{Query: trim(q.Get("q")), Status: q.Get("status"), Archived: q.Get("archived")}
}

// Filter is the domain filter.
func (f *CampaignSearchForm) Filter() campaigns.Filter {
	return campaigns.Filter{Status: f.Status, Query: f.Query, Archived: f.Archived}
}

// Values is the search as URL values (for the pager links).
func (f *CampaignSearchForm) Values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Query, "status": f.Status, "archived": f.Archived} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}
