package console

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// cookieName is the session cookie; it is scoped to Prefix.
const cookieName = "postbode_console"

// csp allows nothing inline: scripts, styles and images come from the console
// itself; forms post only to it; nobody may frame it.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'"

// handlerFunc is a screen action; a returned error becomes an error page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// secure adds the security headers and caps the body at MaxBodyBytes
// (outermost middleware).
func (h *Handler) secure(next http.Handler) http.Handler { return h.secureMax(h.MaxBodyBytes, next) }

// secureMax is secure with another body cap (uploads).
func (h *Handler) secureMax(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Frame-Options", "SAMEORIGIN")
		if r.Body != nil && r.Method != http.MethodGet {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// session looks the cookie up; without a valid session a GET is sent to the
// login page and anything else gets 403.
func (h *Handler) session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(cookieName)
		var s Session
		if err == nil {
			s, err = h.Staff.Session(r.Context(), c.Value)
		}
		if err != nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, Prefix+"login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(w, r, errForbidden)
			return
		}
		ctx := h.Staff.Bind(r.Context(), s)
		next.ServeHTTP(w, r.WithContext(withSession(ctx, s)))
	})
}

// csrf refuses a POST whose form token is not the session's, and any POST
// a browser marks as coming from another site.
func (h *Handler) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		if !sameOrigin(r) {
			h.fail(w, r, errCSRF)
			return
		}
		s, ok := sessionFrom(r.Context())
		if ok {
			tok := csrfToken(r)
			if s.CSRF == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.CSRF)) != 1 {
				h.fail(w, r, errCSRF)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin is false when the browser says the request came from another
// site (Sec-Fetch-Site) or names another origin.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

// allow refuses the request with 403 unless the session has perm.
func (h *Handler) allow(perm string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		if perm != "" && !s.Can(perm) {
			h.fail(w, r, errForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// action adapts a handlerFunc, turning its error into an error page.
func (h *Handler) action(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.fail(w, r, err)
		}
	})
}

// setCookie stores the session secret: HttpOnly, SameSite=Strict, scoped to the console.
func setCookie(w http.ResponseWriter, r *http.Request, secret string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: secret, Path: Prefix, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: int(maxAge.Seconds())})
}

// csrfToken is the form's token. An upload carries it in the action URL so
// the body can be streamed to disk instead of parsed into memory first.
func csrfToken(r *http.Request) string {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.URL.Query().Get("csrf")
	}
	return r.PostFormValue("csrf")
}
