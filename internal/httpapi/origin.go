package httpapi

import (
	"net/http"
	"net/url"
)

// SameOrigin is false when the browser says the request came from another
// site (Sec-Fetch-Site) or names another origin, or an opaque one (null)
// without saying it is the listener's own. A client that is not a browser
// (curl, a script, a relay's webhook) sends neither header and passes. It
// is the one rule against cross-site requests of the admin listener: the
// console's forms and the API's changing requests (a form another site
// posts as text/plain can hold JSON: a login, a reset request) alike.
func SameOrigin(r *http.Request) bool {
	site := r.Header.Get("Sec-Fetch-Site")
	switch site {
	case "", "same-origin", "none":
	default:
		return false
	}
	switch o := r.Header.Get("Origin"); o {
	case "":
	case "null":
		// An opaque origin: a sandboxed frame, a data: URL, a form that
		// came through another site's redirect. Only the browser's word
		// that the request is the listener's own lets it through (the
		// login form has no session to tie a token to).
		return site == "same-origin"
	default:
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}
