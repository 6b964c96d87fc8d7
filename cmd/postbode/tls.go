package main

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/postbode/postbode/internal/config"
	"github.com/postbode/postbode/internal/httpapi"
)

// tlsKeys are the config sections of the listeners' TLS settings by name.
var tlsKeys = map[string]string{"admin": "api.tls", "public": "public.tls"}

// tlsFor returns the TLS settings of a listener by name.
func (a *app) tlsFor(name string) config.TLSConfig {
	switch name {
	case "admin":
		return a.cfg.API.TLS
	case "public":
		return a.cfg.Public.TLS
	}
	return config.TLSConfig{}
}

// withTLS makes ln serve HTTPS when the listener has certificate files:
// the certificate reloads when the files change, every answer carries
// HSTS, and an optional plain listener redirects to https.
func (a *app) withTLS(name string, ln net.Listener, srv *http.Server) (net.Listener, error) {
	tc := a.tlsFor(name)
	if !tc.Enabled() {
		return ln, nil
	}
	cf, err := httpapi.LoadCertFiles(tc.CertFile, tc.KeyFile, a.log.With(slog.String("listener", name)))
	if err != nil {
		ln.Close()
		return nil, err
	}
	srv.Handler = httpapi.HSTS(tc.HSTSMaxAge.Duration, srv.Handler)
	srv.TLSConfig = cf.TLSConfig()
	if tc.RedirectListen != "" {
		rln, err := listenTCP(tlsKeys[name]+".redirect_listen", tc.RedirectListen)
		if err != nil {
			ln.Close()
			return nil, err
		}
		a.addrs[name+"_redirect"] = rln.Addr().String()
		rsrv := &http.Server{Handler: httpapi.RedirectHTTPS(ln.Addr().String()), ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
		a.g.Go(func() error {
			if err := rsrv.Serve(rln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
		a.drains = append(a.drains, func(ctx context.Context) { rsrv.Shutdown(ctx) })
	}
	return tls.NewListener(ln, srv.TLSConfig), nil
}

// adminAllowList applies people.allow_cidrs to the admin listener (health
// checks stay open).
func (a *app) adminAllowList(h http.Handler) http.Handler {
	prefixes, _ := config.ParseCIDRs(a.cfg.People.AllowCIDRs) // validated with the config
	return httpapi.AllowList(prefixes, []string{"/healthz", "/readyz"}, a.log, h)
}
