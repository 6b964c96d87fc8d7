package httpapi_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/internal/testenv"
)

func commonName(t *testing.T, c *tls.Certificate) string {
	t.Helper()
	x, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return x.Subject.CommonName
}

func TestCertFilesReloadOnChange(t *testing.T) {
	dir := t.TempDir()
	cf, kf := testenv.CertFiles(t, dir, "one.example.org")
	var logs bytes.Buffer
	c, err := httpapi.LoadCertFiles(cf, kf, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := c.GetCertificate(nil)
	if commonName(t, got) != "one.example.org" {
		t.Fatal("first certificate")
	}
	time.Sleep(1100 * time.Millisecond)
	testenv.CertFiles(t, dir, "two.example.org")
	later := time.Now().Add(time.Second)
	os.Chtimes(cf, later, later)
	got, _ = c.GetCertificate(nil)
	if commonName(t, got) != "two.example.org" {
		t.Fatal("not reloaded after the files changed")
	}
	// A broken file keeps the previous certificate.
	time.Sleep(1100 * time.Millisecond)
	os.WriteFile(cf, []byte("garbage"), 0o600)
	later = later.Add(time.Second)
	os.Chtimes(cf, later, later)
	got, _ = c.GetCertificate(nil)
	if commonName(t, got) != "two.example.org" || !strings.Contains(logs.String(), "keeping the previous certificate") {
		t.Fatalf("broken file: %s", logs.String())
	}
	if _, err := httpapi.LoadCertFiles(cf, kf, slog.Default()); err == nil {
		t.Fatal("a broken pair loaded at start")
	}
}

func TestHSTSOnlyOverTLS(t *testing.T) {
	h := httpapi.HSTS(180*24*time.Hour, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsSrv := httptest.NewTLSServer(h)
	defer tlsSrv.Close()
	resp, err := tlsSrv.Client().Get(tlsSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=15552000" {
		t.Fatalf("over TLS: %q", got)
	}
	plain := httptest.NewServer(h)
	defer plain.Close()
	resp, _ = http.Get(plain.URL)
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Fatalf("over plain HTTP: %q", got)
	}
}

func TestRedirectHTTPS(t *testing.T) {
	for addr, want := range map[string]string{"0.0.0.0:8443": "https://admin.example.org:8443/api/v1/x?y=1",
		"[::]:443": "https://admin.example.org/api/v1/x?y=1"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "http://admin.example.org:8080/api/v1/x?y=1", nil)
		httpapi.RedirectHTTPS(addr).ServeHTTP(rec, req)
		if rec.Code != http.StatusPermanentRedirect || rec.Header().Get("Location") != want {
			t.Errorf("%s: %d %q", addr, rec.Code, rec.Header().Get("Location"))
		}
	}
}

func TestAllowList(t *testing.T) {
	prefixes := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8:1::/48")}
	var logs bytes.Buffer
	h := httpapi.AllowList(prefixes, []string{"/healthz"}, slog.New(slog.NewTextHandler(&logs, nil)),
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	for _, c := range []struct {
		remote, path string
		want         int
	}{
		{"192.0.2.77:1234", "/api/v1/contacts", 204},
		{"[::ffff:192.0.2.8]:1234", "/api/v1/contacts", 204},
		{"[2001:db8:1:5::9]:1234", "/api/v1/contacts", 204},
		{"198.51.100.23:1234", "/api/v1/contacts", 403},
		{"[2001:db8:2::9]:1234", "/api/v1/contacts", 403},
		{"198.51.100.23:1234", "/healthz", 204},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", c.path, nil)
		req.RemoteAddr = c.remote
		h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s %s: %d, want %d", c.remote, c.path, rec.Code, c.want)
		}
	}
	if !strings.Contains(logs.String(), "198.51.100.0/24") || !strings.Contains(logs.String(), "2001:db8:2::/48") {
		t.Errorf("refusals not logged by network: %s", logs.String())
	}
	if strings.Contains(logs.String(), "198.51.100.23") || strings.Contains(logs.String(), "2001:db8:2::9") {
		t.Errorf("a full address reached the log: %s", logs.String())
	}
}
