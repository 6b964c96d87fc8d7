package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
)

// Page is a cursor page request: items after Cursor, at most Limit.
type Page struct {
	After int64
	Limit int
}

// PageResponse is the shape of every paginated list.
type PageResponse[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// ParsePage reads ?cursor= and ?limit= (default 100, max 1000).
func ParsePage(r *http.Request) (Page, error) {
	p := Page{Limit: 100}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return p, Invalid("limit", "must be an integer from 1 to 1000")
		}
		p.Limit = n
	}
	if s := r.URL.Query().Get("cursor"); s != "" {
		b, err := base64.RawURLEncoding.Strict().DecodeString(s)
		if err != nil {
			return p, Invalid("cursor", "is not a cursor this API returned")
		}
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil || n < 0 {
			return p, Invalid("cursor", "is not a cursor this API returned")
		}
		p.After = n
	}
	return p, nil
}

// NewPage builds the response for items fetched with limit+1 rows: when
// there is one more than the limit, the cursor points after the last kept one.
func NewPage[T any](items []T, limit int, id func(T) int64) PageResponse[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) <= limit {
		return PageResponse[T]{Items: items}
	}
	items = items[:limit]
	last := id(items[len(items)-1])
	return PageResponse[T]{Items: items, NextCursor: base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(last, 10)))}
}
