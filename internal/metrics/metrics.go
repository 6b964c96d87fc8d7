// Package metrics is in charge of the Prometheus registry postbode exposes at
// /metrics: build info, Go and process collectors, and the HTTP handler.
// Domain packages register their own series with promauto.With(reg).
package metrics

import (
	"net/http"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Version is the build version; set with -ldflags "-X .../internal/metrics.Version=v1.2.3".
var Version = "dev"

// NewRegistry returns a registry with Go, process and postbode_build_info collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	promauto.With(reg).NewGauge(prometheus.GaugeOpts{
		Name:        "postbode_build_info",
		Help:        "Build information; always 1.",
		ConstLabels: prometheus.Labels{"version": Version, "goversion": runtime.Version()},
	}).Set(1)
	return reg
}

// Handler serves the registry in the Prometheus exposition format.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
