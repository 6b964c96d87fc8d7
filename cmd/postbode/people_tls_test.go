package main

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"testing"

	"github.com/postbode/postbode/internal/config"
	"github.com/postbode/postbode/internal/testenv"
)

// TestAdminListenerTLSAndAllowList serves the admin listener over HTTPS
// with HSTS and a redirect listener, and refuses clients outside the
// allow-list (health checks stay open).
func TestAdminListenerTLSAndAllowList(t *testing.T) {
	_, dbURL := testenv.DBWithURL(t)
	_, prefix := testenv.Redis(t)
	cfg := config.Default()
	cfg.Roles = []string{"api"}
	cfg.Database.URL, cfg.Database.Migrate = dbURL, false
	cfg.Redis.URL, cfg.Redis.KeyPrefix = testenv.RedisURL(), prefix
	cfg.Secrets.Key = "tls-secret-0123456789abcdef0123456789ab"
	cfg.SMTP.CaptureDir = t.TempDir()
	cfg.API.Listen = "127.0.0.1:0"
	cfg.API.TLS.CertFile, cfg.API.TLS.KeyFile = testenv.CertFiles(t, t.TempDir(), "localhost")
	cfg.API.TLS.RedirectListen = "127.0.0.1:0"
	cfg.People.AllowCIDRs = []string{"10.0.0.0/8", "fd00::/8"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan map[string]string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, testenv.Logger(t), started) }()
	var addrs map[string]string
	select {
	case addrs = <-started:
	case err := <-done:
		t.Fatal(err)
	}
	defer func() { cancel(); <-done }()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(url string) *http.Response {
		t.Helper()
		resp, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := get("https://" + addrs["admin"] + "/healthz"); r.StatusCode != 200 || r.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("healthz over TLS: %d %v", r.StatusCode, r.Header)
	}
	if r := get("https://" + addrs["admin"] + "/api/v1/contacts"); r.StatusCode != 403 {
		t.Fatalf("loopback is outside the allow-list: %d", r.StatusCode)
	}
	if r := get("http://" + addrs["admin_redirect"] + "/api/v1/contacts?x=1"); r.StatusCode != 308 ||
		r.Header.Get("Location") != "https://127.0.0.1:"+portOf(t, addrs["admin"])+"/api/v1/contacts?x=1" {
		t.Fatalf("redirect: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}

func portOf(t *testing.T, addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}
