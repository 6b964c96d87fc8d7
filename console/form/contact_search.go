package form

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/postbode/postbode/contacts"
)

// ContactSearchForm is the contact search: a query on address or name and
// the filters, all in the URL so the pager links keep them.
type ContactSearchForm struct {
	Query  string
	List   string
	Status string
	Stars  string
	Source string
}

// NewContactSearchForm reads the search from the query string.
func NewContactSearchForm(r *http.Request) *ContactSearchForm {
	q := r.URL.Query()
	return &ContactSearchForm{Query: trim(q.Get("q")), List: trim(q.Get("list")), Status: q.Get("status"),
		Stars: q.Get("stars"), Source: q.Get("source")}
}

// Validate checks the filters.
func (f *ContactSearchForm) Validate() Errors {
	e := Errors{}
	switch f.Status {
	case "", contacts.StatusActive, contacts.StatusInactive, contacts.StatusBlocklisted:
	default:
		e["status"] = "contacts.err.status"
	}
	if f.Stars != "" {
		if n, err := strconv.Atoi(f.Stars); err != nil || n < 1 || n > 5 {
			e["stars"] = "contacts.err.stars"
		}
	}
	if len(f.Query) > 200 {
		e["q"] = "contacts.err.query"
	}
	return e
}

// Filter is the domain filter (the list resolved by the caller).
func (f *ContactSearchForm) Filter(listID int64) contacts.Filter {
	n, _ := strconv.Atoi(f.Stars)
	return contacts.Filter{Query: f.Query, ListID: listID, Status: f.Status, Stars: n, Source: f.Source}
}

// Values is the search as URL values (for the pager links).
func (f *ContactSearchForm) Values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Query, "list": f.List, "status": f.Status, "stars": f.Stars, "source": f.Source} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}
