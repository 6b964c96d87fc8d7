package httpapi

import "net/http"

// SecureCookie tells whether a cookie set in answer to r is marked Secure:
// when the site is configured at an https address (a proxy in front
// terminates TLS) or r itself came over TLS. It is the one rule for every
// cookie the listeners set: the staff session, the console's flash
// message, the recipient pages' form cookie.
func SecureCookie(configured bool, r *http.Request) bool {
	return configured || r.TLS != nil
}
