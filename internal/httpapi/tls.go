package httpapi

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// CertFiles serves a certificate from PEM files and reloads it when either
// file changes (checked at most once a second, on handshakes), so renewed
// certificates take effect without a restart. A file that fails to load
// keeps the previous certificate in use (and is logged).
type CertFiles struct {
	certFile, keyFile string
	log               *slog.Logger

	mu        sync.Mutex
	cert      *tls.Certificate
	mtimes    [2]time.Time
	lastCheck time.Time
}

// LoadCertFiles loads the pair now (an error here stops the start).
func LoadCertFiles(certFile, keyFile string, log *slog.Logger) (*CertFiles, error) {
	c := &CertFiles{certFile: certFile, keyFile: keyFile, log: log}
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *CertFiles) stat() ([2]time.Time, error) {
	var m [2]time.Time
	for i, f := range []string{c.certFile, c.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return m, err
		}
		m[i] = fi.ModTime()
	}
	return m, nil
}

func (c *CertFiles) load() error {
	m, err := c.stat()
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("tls: %s: %w", c.certFile, err)
	}
	c.cert, c.mtimes = &cert, m
	return nil
}

// GetCertificate is for tls.Config.GetCertificate.
func (c *CertFiles) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); now.Sub(c.lastCheck) >= time.Second {
		c.lastCheck = now
		if m, err := c.stat(); err == nil && m != c.mtimes {
			if err := c.load(); err != nil {
				c.log.Error("certificate files changed but do not load; keeping the previous certificate", slog.Any("error", err))
				c.mtimes = m
			} else {
				c.log.Info("certificate reloaded", slog.String("file", c.certFile))
			}
		}
	}
	return c.cert, nil
}

// TLSConfig returns a server TLS configuration using the files.
func (c *CertFiles) TLSConfig() *tls.Config {
	return &tls.Config{GetCertificate: c.GetCertificate, MinVersion: tls.VersionTLS12}
}

// HSTS adds Strict-Transport-Security (RFC 6797 §6.1) to every answer
// sent over TLS.
func HSTS(maxAge time.Duration, next http.Handler) http.Handler {
	v := "max-age=" + strconv.Itoa(int(maxAge.Seconds()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", v)
		}
		next.ServeHTTP(w, r)
	})
}

// RedirectHTTPS answers every plain HTTP request with a permanent redirect
// to the same path on https at httpsAddr's port (omitted when 443).
func RedirectHTTPS(httpsAddr string) http.Handler {
	_, port, _ := net.SplitHostPort(httpsAddr)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if port != "" && port != "443" {
			host = net.JoinHostPort(host, port)
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}
