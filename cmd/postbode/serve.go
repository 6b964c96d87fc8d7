package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/postbode/postbode/bounces"
	"github.com/postbode/postbode/campaigns"
	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/apitoken"
	"github.com/postbode/postbode/internal/config"
	"github.com/postbode/postbode/internal/cpusched"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/jobs"
	"github.com/postbode/postbode/internal/metrics"
	"github.com/postbode/postbode/mta"
	"github.com/postbode/postbode/optin"
	"github.com/postbode/postbode/privacy"
	"github.com/postbode/postbode/staff"
)

// app holds what every role shares. Roles add their work to g and their
// drain steps (run first at shutdown, before ctx is cancelled) to drains.
type app struct {
	cfg      config.Config
	log      *slog.Logger
	db       *db.Pool
	replica  *db.Pool // database.replica_url; nil when unset
	rdb      redis.UniversalClient
	reg      *prometheus.Registry
	httpm    httpapi.HTTPMetrics
	adminMux *http.ServeMux
	contacts *contacts.Store
	optin    *optin.Store
	jobs     *jobs.Store
	tokens   *apitoken.Store
	g        *errgroup.Group
	drains   []func(context.Context)
	// ready is closed once every listener is up; addresses are then in addrs.
	addrs map[string]string

	// Built on first use and shared by the roles of this process (see
	// transport, dkim, privacy).
	tr      mta.Transport
	signer  *mta.DKIM
	privSvc *privacy.Service
	campSvc *campaigns.Service
	// bounceProc and bounceMetrics: see bounces().
	bounceProc    *bounces.Processor
	bounceMetrics *bounces.Metrics
	// staffSvc: see staff().
	staffSvc *staff.Service
}

// roleStarters start each role; a starter registers goroutines on a.g and
// returns quickly.
var roleStarters = map[string]func(ctx context.Context, a *app) error{
	"api":       startAPI,
	"public":    startPublic,
	"inbound":   startInbound,
	"scheduler": startScheduler,
	"sender":    startSender,
	"janitor":   startJanitor,
}

// drainTimeout bounds phase one of shutdown (in-flight work finishing).
const drainTimeout = 20 * time.Second

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "[--config FILE] [--roles api,public,...] [--no-migrate]", stdout)
	cfgPath := configFlag(fs)
	roles := fs.String("roles", "", "comma-separated roles to run; optional, default from config (all)")
	noMigrate := fs.Bool("no-migrate", false, "do not apply migrations at start")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *roles != "" {
		cfg.Roles = strings.Split(*roles, ",")
		if err := cfg.Validate(); err != nil {
			return err
		}
	}
	if *noMigrate {
		cfg.Database.Migrate = false
	}
	if err := checkConfigFiles(cfg); err != nil {
		return err
	}
	return serve(ctx, cfg, newLogger(cfg.Log, stderr), nil)
}

// serve runs the configured roles until ctx is done. When started is not
// nil it receives the bound listener addresses once everything is up.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, started chan<- map[string]string) error {
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	if cfg.HasRole("sender") && cfg.Sending.BatchScheduling {
		// Signing and sending are CPU work: see sending.batch_scheduling.
		if n, err := cpusched.Batch(); err != nil {
			log.Warn("cannot switch to the SCHED_BATCH scheduling policy; running with the policy given", slog.Any("error", err))
		} else if n > 0 {
			log.Info("threads switched to the SCHED_BATCH scheduling policy", slog.Int("threads", n))
		}
	}
	runCtx, cancelRun := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRun()
	g, gctx := errgroup.WithContext(runCtx)
	a.g = g
	for _, r := range config.AllRoles {
		if cfg.HasRole(r) {
			if err := roleStarters[r](gctx, a); err != nil {
				return fmt.Errorf("start role %s: %w", r, err)
			}
		}
	}
	if err := a.startAdmin(gctx); err != nil {
		return err
	}
	log.Info("postbode started", slog.String("roles", strings.Join(cfg.Roles, ",")), slog.Any("listen", a.addrs))
	if started != nil {
		started <- a.addrs
	}
	select {
	case <-ctx.Done():
	case <-gctx.Done():
	}
	log.Info("shutting down: draining")
	drainCtx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	for i := len(a.drains) - 1; i >= 0; i-- {
		a.drains[i](drainCtx)
	}
	cancel()
	cancelRun()
	err = g.Wait()
	if errors.Is(err, context.Canceled) || errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info("stopped", slog.Any("error", err))
	return err
}

func newApp(ctx context.Context, cfg config.Config, log *slog.Logger) (*app, error) {
	pool, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Database.Migrate {
		if _, err := db.Migrate(ctx, pool, log); err != nil {
			pool.Close()
			return nil, err
		}
	}
	rdb, err := openRedis(ctx, cfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("redis: %w", err)
	}
	replica, err := openReplica(ctx, cfg)
	if err != nil {
		rdb.Close()
		pool.Close()
		return nil, err
	}
	reg := metrics.NewRegistry()
	metrics.RegisterStores(reg, pool, rdb)
	a := &app{cfg: cfg, log: log, db: pool, replica: replica, rdb: rdb, reg: reg, httpm: httpapi.NewHTTPMetrics(reg),
		adminMux: http.NewServeMux(), addrs: map[string]string{},
		contacts: contacts.NewStore(pool, cfg.Secrets.Key, cfg.Bounces.HardThreshold),
		optin:    optin.NewStore(pool), jobs: jobs.NewStore(pool), tokens: apitoken.NewStore(pool)}
	return a, nil
}

func (a *app) close() {
	if a.replica != nil {
		a.replica.Close()
	}
	a.rdb.Close()
	a.db.Close()
}

// startAdmin serves the admin listener (the API, /metrics, /healthz and
// /readyz) when the api role runs, and the metrics listener (the last three
// only) when metrics.listen is set. A process without the api role opens no
// admin listener, so role processes on one host do not contend for its port.
func (a *app) startAdmin(ctx context.Context) error {
	if a.cfg.HasRole("api") {
		a.addHealth(a.adminMux)
		if err := a.listenHTTP("admin", a.cfg.API.Listen, &http.Server{Handler: a.adminAllowList(a.adminMux), ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: a.cfg.API.ReadTimeout.Duration, WriteTimeout: 10 * time.Minute, IdleTimeout: 2 * time.Minute}); err != nil {
			return err
		}
	}
	if a.cfg.Metrics.Listen == "" {
		if !a.cfg.HasRole("api") {
			a.log.Info("no api role and no metrics.listen: this process serves no metrics or health checks")
		}
		return nil
	}
	mux := http.NewServeMux()
	a.addHealth(mux)
	return a.listenHTTP("metrics", a.cfg.Metrics.Listen, &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute})
}

// addHealth registers /metrics, /healthz and /readyz on mux.
func (a *app) addHealth(mux *http.ServeMux) {
	mux.Handle("GET /metrics", metrics.Handler(a.reg))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", a.readyz)
}

func (a *app) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"postgres": "ok", "redis": "ok"}
	status := http.StatusOK
	if err := a.db.Ping(ctx); err != nil {
		checks["postgres"], status = "unreachable", http.StatusServiceUnavailable
	}
	if err := a.rdb.Ping(ctx).Err(); err != nil {
		checks["redis"], status = "unreachable", http.StatusServiceUnavailable
	}
	httpapi.WriteJSON(w, status, checks)
}

// listenKeys are the config keys of the HTTP listeners by name.
var listenKeys = map[string]string{"admin": "api.listen", "public": "public.listen", "metrics": "metrics.listen"}

// listenTCP binds addr, the value of config key key. Its error names the
// key, and when another program holds the port it says how to move it.
func listenTCP(key, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%s %s: %w; another program holds it: set %s (or %s) to a free address", key, addr, err, key, config.EnvName(key))
	}
	return nil, fmt.Errorf("%s %s: %w", key, addr, err)
}

// listenHTTP binds addr and serves srv (its Handler, timeouts and limits
// set by the caller) until shutdown; the server stops taking requests in
// the drain phase.
func (a *app) listenHTTP(name, addr string, srv *http.Server) error {
	ln, err := listenTCP(listenKeys[name], addr)
	if err != nil {
		return err
	}
	a.addrs[name] = ln.Addr().String()
	if ln, err = a.withTLS(name, ln, srv); err != nil {
		return err
	}
	srv.ErrorLog = slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)
	a.g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	a.drains = append(a.drains, func(ctx context.Context) { srv.Shutdown(ctx) })
	return nil
}

// runUntilDrained runs work on a.g with a context that the drain phase
// cancels (stop, when not nil, is called first to let work end its current
// step); the drain waits for work to return within the drain deadline.
func (a *app) runUntilDrained(ctx context.Context, stop func(), work func(ctx context.Context) error) {
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	a.drains = append(a.drains, func(dctx context.Context) {
		if stop != nil {
			stop()
		} else {
			cancel()
		}
		select {
		case <-done:
		case <-dctx.Done():
		}
		cancel()
	})
	a.g.Go(func() error {
		defer close(done)
		return work(runCtx)
	})
}
