package mta

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// TransportConfig picks and configures a Transport (smtp.mode in config).
type TransportConfig struct {
	// Mode is capture, relay or mx; optional, default capture.
	Mode string
	// CaptureDir is where capture writes .eml files; required in capture mode.
	CaptureDir string
	// Relay configures relay mode.
	Relay RelayConfig
	// MX configures mx mode.
	MX MXConfig
}

// NewTransport returns the transport cfg.Mode names.
func NewTransport(cfg TransportConfig, reg prometheus.Registerer) (Transport, error) {
	switch cfg.Mode {
	case "", "capture":
		return NewCapture(cfg.CaptureDir, reg)
	case "relay":
		return NewRelay(cfg.Relay, reg)
	case "mx":
		return NewMX(cfg.MX, reg), nil
	}
	return nil, fmt.Errorf("mta: mode %q: must be capture, relay or mx", cfg.Mode)
}
