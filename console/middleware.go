package console

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/staff"
)

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
		c, err := r.Cookie(staff.CookieName)
		var s Session
		if err == nil {
			s, err = h.loadSession(r, c.Value)
		}
		if err != nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, Prefix+"login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(w, r, errForbidden)
			return
		}
		next.ServeHTTP(w, r.WithContext(withSession(r.Context(), s)))
	})
}

// csrf refuses a POST whose form token is not the session's, and any POST
// a browser marks as coming from another site. The form is read whole
// first, however it is encoded, so a body over the cap is refused as too
// large on every form route, with a session or without (login,
// invitation, reset).
func (h *Handler) csrf(next http.Handler) http.Handler { return h.csrfOf(false, next) }

// csrfUpload is csrf for a route that takes a file: the body is streamed,
// its token read from its first part (csrfToken).
func (h *Handler) csrfUpload(next http.Handler) http.Handler { return h.csrfOf(true, next) }

func (h *Handler) csrfOf(upload bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		if !httpapi.SameOrigin(r) {
			h.fail(w, r, errCSRF)
			return
		}
		token, r, err := csrfToken(r, upload, h.MaxBodyBytes)
		if err != nil {
			h.fail(w, r, err) // too large: 413 naming the limit, not "form expired"
			return
		}
		s, ok := sessionFrom(r.Context())
		if ok {
			if !h.Staff.CheckCSRF(s.secret, token) {
				h.fail(w, r, errCSRF)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// allow refuses the request with 403 unless the session has perm.
func (h *Handler) allow(perm access.Permission, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionFrom(r.Context())
		if !s.Can(perm) {
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

// secureCookie tells whether a cookie set in answer to r is Secure
// (httpapi.SecureCookie): every cookie of the console follows it.
func (h *Handler) secureCookie(r *http.Request) bool {
	return httpapi.SecureCookie(h.SecureCookie, r)
}

// setCookie stores the session secret in the session cookie
// (staff.SessionCookie); "" removes it.
func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, secret string) {
	maxAge := 0
	if secret == "" {
		maxAge = -1
	}
	http.SetCookie(w, staff.SessionCookie(secret, h.secureCookie(r), maxAge))
}

// csrfToken is the form's token, and r to go on with. An upload
// (multipart on an upload route) is streamed, not parsed into memory, so
// its token is the first part of the body, named csrf (the form puts the
// hidden field first); the rest of the body is left for the handler
// (uploadParts). Any other form is read whole, url-encoded or multipart
// alike: its body is capped at formBytes (secure), so it is held in memory. A body
// over the route's cap is the error: the form is refused as too large,
// before its token is judged (a token cut off is not an expired form, a
// password cut off no wrong password).
func csrfToken(r *http.Request, upload bool, formBytes int64) (string, *http.Request, error) {
	// Media type names are case-insensitive: "Multipart/Form-Data" is an
	// upload too, not a form to parse into memory.
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if err := r.ParseForm(); tooLarge(err) {
			return "", r, err
		}
		return r.PostFormValue("csrf"), r, nil
	}
	if !upload {
		if err := r.ParseMultipartForm(formBytes); tooLarge(err) {
			return "", r, err
		}
		return r.PostFormValue("csrf"), r, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", r, nil
	}
	part, err := mr.NextPart()
	if tooLarge(err) {
		return "", r, err
	}
	if err != nil || part.FormName() != "csrf" {
		return "", r, nil
	}
	b, err := io.ReadAll(io.LimitReader(part, maxCSRFLen))
	part.Close()
	if err != nil {
		return "", r, nil
	}
	return string(b), r.WithContext(context.WithValue(r.Context(), uploadKey{}, mr)), nil
}

// tooLarge reports whether err is a body over its cap (http.MaxBytesReader).
func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// maxCSRFLen bounds the token part of an upload.
const maxCSRFLen = 256

type uploadKey struct{}

// uploadParts is the rest of an upload's body after its CSRF token (nil
// when r is not an upload that passed the check).
func uploadParts(r *http.Request) *multipart.Reader {
	mr, _ := r.Context().Value(uploadKey{}).(*multipart.Reader)
	return mr
}
