// Package metrics is in charge of the Prometheus registry postbode exposes at
// /metrics: build info, Go and process collectors, and the HTTP handler.
// Domain packages register their own series with promauto.With(reg).
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/postbode/postbode/internal/buildinfo"
)

// NewRegistry returns a registry with Go, process and postbode_build_info collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	bi := buildinfo.Get()
	promauto.With(reg).NewGauge(prometheus.GaugeOpts{
		Name:        "postbode_build_info",
		Help:        "Build information (as `postbode version` prints it); always 1.",
		ConstLabels: prometheus.Labels{"version": bi.Version, "revision": bi.Commit, "goversion": bi.GoVersion},
	}).Set(1)
	return reg
}

// Handler serves the registry in the Prometheus exposition format.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
