package mta

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics (all registered on the Registerer passed to the constructors; a
// second constructor on the same Registerer shares the series):
//
//	postbode_dkim_sign_seconds                  histogram: signing one message (all its signatures;
//	                                            messages signed together share the batch's time)
//	postbode_smtp_connections_total{result}     counter: SMTP connection attempts;
//	                                            result = ok | dial_error | tls_error | auth_error | protocol_error
//	postbode_smtp_connections_open{transport}   gauge: open SMTP connections; transport = relay | mx
//	postbode_smtp_send_seconds{transport}       histogram: one Send call (a batch), seconds;
//	                                            transport = relay | mx | capture
//	postbode_smtp_replies_total{transport,class} counter: per-envelope results;
//	                                            class = 2xx | 4xx | 5xx | network
//	postbode_throttle_wait_seconds{scope}       histogram: time Limiter.Acquire waited;
//	                                            scope = global | domain_rate | domain_concurrency
type metrics struct {
	signSeconds  prometheus.Histogram
	connsTotal   *prometheus.CounterVec
	connsOpen    *prometheus.GaugeVec
	sendSeconds  *prometheus.HistogramVec
	replies      *prometheus.CounterVec
	throttleWait *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		signSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "postbode_dkim_sign_seconds", Help: "Time to DKIM-sign one message (all its signatures; messages signed together share the batch's time).",
			Buckets: []float64{50e-6, 100e-6, 200e-6, 400e-6, 800e-6, 1.6e-3, 3.2e-3, 6.4e-3, 0.0128}}),
		connsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "postbode_smtp_connections_total", Help: "Outgoing SMTP connection attempts by result (ok, dial_error, tls_error, auth_error, protocol_error)."},
			[]string{"result"}),
		connsOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "postbode_smtp_connections_open", Help: "Open outgoing SMTP connections by transport (relay, mx)."},
			[]string{"transport"}),
		sendSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "postbode_smtp_send_seconds", Help: "Time of one Send call (a batch to one domain) by transport (relay, mx, capture).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12)}, []string{"transport"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "postbode_smtp_replies_total", Help: "Per-message delivery results by transport (relay, mx, capture) and class (2xx, 4xx, 5xx, network)."},
			[]string{"transport", "class"}),
		throttleWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "postbode_throttle_wait_seconds", Help: "Time Limiter.Acquire waited, by scope (global, domain_rate, domain_concurrency).",
			Buckets: []float64{0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}}, []string{"scope"}),
	}
	if reg == nil {
		return m
	}
	m.signSeconds = register(reg, m.signSeconds)
	m.connsTotal = register(reg, m.connsTotal)
	m.connsOpen = register(reg, m.connsOpen)
	m.sendSeconds = register(reg, m.sendSeconds)
	m.replies = register(reg, m.replies)
	m.throttleWait = register(reg, m.throttleWait)
	return m
}

// register registers c, or returns the collector already registered under its name.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

// observeResults counts results by class.
func (m *metrics) observeResults(transport string, rs []Result) {
	for _, r := range rs {
		class := "network"
		switch {
		case r.Code >= 200 && r.Code < 300 && r.Err == nil:
			class = "2xx"
		case r.Code >= 400 && r.Code < 500:
			class = "4xx"
		case r.Code >= 500 && r.Code < 600:
			class = "5xx"
		}
		m.replies.WithLabelValues(transport, class).Inc()
	}
}
