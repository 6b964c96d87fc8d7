package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/errs"
)

// Public marks a route that needs no token.
const Public = "public"

// Authenticator resolves a bearer secret to a token (with its role).
type Authenticator interface {
	Lookup(ctx context.Context, secret string) (apitoken.Token, error)
}

// Route is one registered API route, for the OpenAPI cross-check.
type Route struct {
	Method string
	Path   string
	Roles  []string
}

// Router registers JSON API routes on a ServeMux with role checks, error
// writing and request metrics.
type Router struct {
	mux      *http.ServeMux
	log      *slog.Logger
	auth     Authenticator
	routes   []Route
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

// Handle registers h for "METHOD path", allowed for the given roles (admin is
// always allowed; Public needs no token). Path values and query parameters
// that are not storable text are refused with 422 naming them before h runs.
func (rt *Router) Handle(method, path string, roles []string, h HandlerFunc) {
	pattern := method + " " + path
	rt.routes = append(rt.routes, Route{Method: method, Path: path, Roles: roles})
	pathNames := wildcards(path)
	rt.mux.Handle(pattern, rt.Wrap(pattern, func(w http.ResponseWriter, r *http.Request) error {
		if !contains(roles, Public) {
			tok, err := rt.authenticate(r)
			if err != nil {
				return err
			}
			if tok.Role != apitoken.RoleAdmin && !contains(roles, tok.Role) {
				return NewError(http.StatusForbidden, "forbidden", "the "+tok.Role+" role may not do this")
			}
			r = r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok))
		}
		if err := checkRequestText(r, pathNames); err != nil {
			return err
		}
		return h(w, r)
	}))
}

// Wrap adapts h into an http.Handler that writes errors and records metrics
// under route.
func (rt *Router) Wrap(route string, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		if err := h(sw, r); err != nil {
			WriteError(sw, r, rt.log, err)
		}
		rt.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		rt.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// NotFound registers the catch-all that answers unknown paths with a JSON 404.
func (rt *Router) NotFound(prefix string) {
	rt.mux.Handle(prefix, rt.Wrap("unmatched", func(w http.ResponseWriter, r *http.Request) error {
		return NewError(http.StatusNotFound, "not_found", "no such route")
	}))
}

func (rt *Router) authenticate(r *http.Request) (apitoken.Token, error) {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || secret == "" {
		return apitoken.Token{}, NewError(http.StatusUnauthorized, "unauthorized", "a bearer token is required (Authorization: Bearer ...)")
	}
	tok, err := rt.auth.Lookup(r.Context(), strings.TrimSpace(secret))
	if errors.Is(err, apitoken.ErrNotFound) {
		return tok, NewError(http.StatusUnauthorized, "unauthorized", "unknown or revoked token")
	}
	if err != nil {
		return tok, errs.Unavailable("auth_unavailable", "cannot check the token now")
	}
	return tok, nil
}

type tokenKey struct{}

// TokenFrom returns the authenticated token of the request, if any.
func TokenFrom(ctx context.Context) (apitoken.Token, bool) {
	t, ok := ctx.Value(tokenKey{}).(apitoken.Token)
	return t, ok
}

// Actor names the caller for audit records: "token:<id>:<name>".
func Actor(ctx context.Context) string {
	if t, ok := TokenFrom(ctx); ok {
		return "token:" + strconv.FormatInt(t.ID, 10) + ":" + t.Name
	}
	return "anonymous"
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
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

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
