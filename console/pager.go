package console

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"

	"github.com/postbode/postbode/internal/httpapi"
)

// pager is the pagination partial's data: links to the first and next page
// that keep the filters (cursor pagination, never offsets).
type pager struct {
	First, Next string
}

// pageOf reads ?cursor= and ?limit= the way the JSON API does.
func pageOf(r *http.Request, limit int) (httpapi.Page, error) {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return p, err
	}
	if r.URL.Query().Get("limit") == "" {
		p.Limit = limit
	}
	return p, nil
}

// newPager trims items to the page and builds the links from the filters.
func newPager[T any](path string, filters url.Values, p httpapi.Page, items []T, id func(T) int64) ([]T, *pager) {
	res := httpapi.NewPage(items, p.Limit, id)
	pg := &pager{}
	if p.After != 0 {
		pg.First = link(path, filters, "")
	}
	if res.NextCursor != "" {
		pg.Next = link(path, filters, res.NextCursor)
	}
	return res.Items, pg
}

func link(path string, filters url.Values, cursor string) string {
	v := url.Values{}
	for k, s := range filters {
		v[k] = s
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// cursorOf encodes an id as a cursor (for lists paged newest first).
func cursorOf(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}
