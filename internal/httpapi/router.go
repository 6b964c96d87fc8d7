package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/errs"
)

// Public marks a route that needs no sign-in.
const Public = access.Public

// Authenticator resolves an API token (Authorization: Bearer) to the
// acting person or service account with their permissions.
type Authenticator interface {
	AuthenticateToken(ctx context.Context, secret string, ip netip.Addr) (access.Actor, error)
}

// SessionAuthenticator also resolves a session cookie and checks the
// session's CSRF token (sent in the X-CSRF-Token header on every request
// that is not GET or HEAD).
type SessionAuthenticator interface {
	AuthenticateSession(ctx context.Context, secret string, ip netip.Addr) (access.Actor, error)
	CheckCSRF(sessionSecret, token string) bool
}

// SessionCookie is the name of the session cookie.
const SessionCookie = "postbode_session"

// Route is one registered API route, for the OpenAPI cross-check and the
// permission tests.
type Route struct {
	Method string
	Path   string
	Perm   access.Permission
}

// Router registers JSON API routes on a ServeMux with permission checks,
// error writing and request metrics.
type Router struct {
	mux     *http.ServeMux
	log     *slog.Logger
	auth    Authenticator
	changed ChangeAuditor
	routes  []Route
	// query: the query parameters of each route ("METHOD /path"), from
	// the OpenAPI document Mount serves; nil until Mount sets it.
	query    map[string][]string
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// HTTPMetrics are the request metrics shared by the admin and public listeners.
type HTTPMetrics struct {
	Requests *prometheus.CounterVec
	Duration *prometheus.HistogramVec
}

// NewHTTPMetrics registers the HTTP request series on reg.
func NewHTTPMetrics(reg prometheus.Registerer) HTTPMetrics {
	f := promauto.With(reg)
	return HTTPMetrics{
		// route: the ServeMux pattern ("GET /api/v1/contacts/{id}") or "unmatched";
		// code: the HTTP status code, or "499" when the client closed the
		// connection before the answer (not a server error).
		Requests: f.NewCounterVec(prometheus.CounterOpts{Name: "postbode_http_requests_total",
			Help: "HTTP requests by route pattern and status code."}, []string{"route", "code"}),
		Duration: f.NewHistogramVec(prometheus.HistogramOpts{Name: "postbode_http_request_duration_seconds",
			Help: "HTTP request latency by route pattern.", Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12)}, []string{"route"}),
	}
}

// NewRouter returns a router on mux.
func NewRouter(mux *http.ServeMux, log *slog.Logger, auth Authenticator, m HTTPMetrics) *Router {
	rt := &Router{mux: mux, log: log, auth: auth, requests: m.Requests, duration: m.Duration}
	return rt
}

// Routes returns the registered API routes.
func (rt *Router) Routes() []Route { return rt.routes }

// Handle registers h for "METHOD path", allowed to actors holding perm
// (Public: anyone; access.SignedIn: any signed-in actor). The handler runs
// with the actor in its context, scoped to the actor's department. A
// request other than GET or HEAD that a browser marks as cross-site is
// refused first (SameOrigin, 403 csrf), whatever its credentials. Path
// values and query parameters that are not storable text are refused with
// 422 naming them before h runs; on a router set up by Mount, so is a
// query parameter the OpenAPI document does not give the route (400,
// unknown_parameter).
func (rt *Router) Handle(method, path string, perm access.Permission, h HandlerFunc) {
	pattern := method + " " + path
	rt.routes = append(rt.routes, Route{Method: method, Path: path, Perm: perm})
	pathNames := wildcards(path)
	allowed, checked := rt.query[pattern], rt.query != nil
	rt.mux.Handle(pattern, rt.Wrap(pattern, func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !SameOrigin(r) {
			return NewError(http.StatusForbidden, "csrf", "a browser sent this request from another site")
		}
		if perm != Public {
			a, err := rt.authenticate(r)
			if err != nil {
				rt.logRefusal(r, err)
				return err
			}
			if perm != access.SignedIn && !a.Has(perm) {
				return NewError(http.StatusForbidden, "forbidden", "this needs the permission "+string(perm))
			}
			r = r.WithContext(access.WithActor(r.Context(), a))
		}
		if err := checkRequestText(r, pathNames); err != nil {
			return err
		}
		if checked {
			if err := checkQuery(r, allowed); err != nil {
				return err
			}
		}
		if err := h(w, r); err != nil {
			return err
		}
		return rt.auditChange(w, r, perm, pattern)
	}))
}

// ChangeAuditor records a staff request that changed something (a
// successful POST, PUT, PATCH or DELETE) in the audit log; route is the
// pattern ("PATCH /api/v1/contacts/{id}"); header is the answer's (a
// create names the new object in its Location).
type ChangeAuditor func(r *http.Request, header http.Header, route string) error

// OnChange sets the auditor of changing requests.
func (rt *Router) OnChange(a ChangeAuditor) { rt.changed = a }

func (rt *Router) auditChange(w http.ResponseWriter, r *http.Request, perm access.Permission, route string) error {
	if rt.changed == nil || perm == Public || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	if sw, ok := w.(*statusWriter); ok && sw.status >= 400 {
		return nil
	}
	if err := rt.changed(r, w.Header(), route); err != nil {
		rt.log.Error("audit of a change failed", slog.String("route", route), slog.Any("error", err))
	}
	return nil
}

// Wrap adapts h into an http.Handler that writes errors and records metrics
// under route. Every answer is kept out of caches (it may hold personal
// data: a contact, an export, a person) and is read only as the type it
// says it is.
func (rt *Router) Wrap(route string, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		err := h(sw, r)
		if err != nil && sw.body {
			rt.cut(sw, r, route, start, err)
		}
		if err != nil {
			WriteError(sw, r, rt.log, err)
		}
		rt.observe(route, sw.status, start)
	})
}

func (rt *Router) observe(route string, status int, start time.Time) {
	rt.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	rt.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
}

// cut ends a request that failed after its body began (a streamed
// download): no error can be answered any more, and ending normally would
// hand the client a file that looks complete. The connection is cut
// instead (http.ErrAbortHandler, net/http's way to abort a response), so
// the client sees a transfer that did not finish. It does not return.
func (rt *Router) cut(sw *statusWriter, r *http.Request, route string, start time.Time, err error) {
	status := http.StatusInternalServerError
	if ClientGone(r, err) {
		status = StatusClientClosed
	} else {
		rt.log.Error("request failed after its answer began; the connection is cut", slog.String("route", route), slog.Any("error", err))
	}
	rt.observe(route, status, start)
	panic(http.ErrAbortHandler)
}

// NotFound registers the catch-all that answers unknown paths with a JSON 404.
func (rt *Router) NotFound(prefix string) {
	rt.mux.Handle(prefix, rt.Wrap("unmatched", func(w http.ResponseWriter, r *http.Request) error {
		return NewError(http.StatusNotFound, "not_found", "no such route")
	}))
}

func (rt *Router) authenticate(r *http.Request) (access.Actor, error) {
	ip := ClientIP(r)
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(secret) == "" {
			return access.Actor{}, NewError(http.StatusUnauthorized, "unauthorized", "a bearer token is required (Authorization: Bearer ...)")
		}
		a, err := rt.auth.AuthenticateToken(r.Context(), strings.TrimSpace(secret), ip)
		return a, authError(err, "unknown or revoked token")
	}
	sa, ok := rt.auth.(SessionAuthenticator)
	c, err := r.Cookie(SessionCookie)
	if !ok || err != nil || c.Value == "" {
		return access.Actor{}, NewError(http.StatusUnauthorized, "unauthorized", "sign in, or send a bearer token (Authorization: Bearer ...)")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !sa.CheckCSRF(c.Value, r.Header.Get("X-CSRF-Token")) {
		return access.Actor{}, NewError(http.StatusForbidden, "csrf", "missing or wrong X-CSRF-Token header")
	}
	a, err := sa.AuthenticateSession(r.Context(), c.Value, ip)
	return a, authError(err, "the session has ended: sign in again")
}

// logRefusal logs a refusal by a department's allow-list, naming only the
// client's network.
func (rt *Router) logRefusal(r *http.Request, err error) {
	var de *errs.Error
	if errors.As(err, &de) && de.Code == "ip_not_allowed" {
		rt.log.Info("request refused by a department allow-list", slog.String("ip_prefix", IPPrefix(ClientIP(r))),
			slog.String("route", r.Pattern))
	}
}

// authError maps an authentication failure to 401 (unknown credentials),
// 403 (a known person who may not act now) or 503.
func authError(err error, unknown string) error {
	if err == nil {
		return nil
	}
	var de *errs.Error
	if errors.As(err, &de) {
		if de.Code == "unauthenticated" || de.Kind == errs.KindNotFound {
			return NewError(http.StatusUnauthorized, "unauthorized", unknown)
		}
		return err
	}
	return errs.Unavailable("auth_unavailable", "cannot check the credentials now")
}

// Actor names the caller for audit records and job owners:
// "person:<id>" or "token:<id>:<name>".
func Actor(ctx context.Context) string { return access.Label(ctx) }

// ClientIP is the address of the client of r (the TCP peer).
func ClientIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	// body: bytes of the body were written.
	body bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	w.body = w.body || len(b) > 0
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming handlers flush.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
