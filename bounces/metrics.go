package bounces

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/postbode/postbode/internal/metrics"
)

// Metrics are the bounce series. Register them once per process with
// NewMetrics and share them between the listener, the processor and the
// webhook intake.
type Metrics struct {
	// Messages is postbode_messages_total{result}, shared with the send
	// workers (internal/metrics Messages); the processor counts
	// result="bounced" when a bounce moves a delivery the receiving
	// server had accepted (or not yet recorded) to bounced, once per
	// delivery: a later report of the same message, or one of a message
	// refused while sending, moves nothing and counts nothing.
	Messages *prometheus.CounterVec
	// Bounces counts applied bounces.
	// class: hard, soft, block, complaint, auto-reply, unknown;
	// reason: one of MetricReasons, anything else is "other".
	Bounces *prometheus.CounterVec
	// Inbound counts SMTP intake.
	// result: accepted (stored, 250), relay_refused (RCPT for a foreign
	// domain, 550), bad_address (501 at MAIL or RCPT: an address that is
	// not UTF-8 or holds a NUL, which cannot be stored), too_large (552), store_error (451), overloaded (421,
	// connection cap or per-IP cap reached), timeout (421, DATA or session
	// deadline passed), unproven_limited (452 at RCPT or 451 after DATA:
	// mail without a bounce token beyond inbound.unproven_* limits),
	// token_limited (452 at RCPT: a token address beyond its messages a day).
	Inbound *prometheus.CounterVec
	// Processed counts processed inbound messages.
	// outcome: bounce, complaint, unknown (not understood; recorded, never
	// counted), unsubscribe, auto-reply, uncorrelated, unauthenticated (no
	// proof: evidence only), forged, ignored, failed (given up), retry.
	Processed *prometheus.CounterVec
	// Forged counts VERP addresses and X-Postbode-Ref tokens that did not verify.
	Forged prometheus.Counter
	// Unauthenticated counts reports (inbound mail and webhooks) kept as
	// evidence only, because nothing proved which message they answer.
	// reason: one of UnauthenticatedReasons.
	Unauthenticated *prometheus.CounterVec
	// Latency is the time from acceptance (250) to applied consequences.
	Latency prometheus.Histogram
	// Backlog is the number of stored inbound messages not yet processed.
	Backlog prometheus.Gauge
	// Expired counts raw inbound messages deleted by bounces.raw_retention.
	Expired prometheus.Counter
	// Webhook counts webhook notifications.
	// kind: sns, generic; result: applied, confirmed, ignored, bad_signature,
	// invalid, stale (Timestamp outside the replay window), duplicate (a
	// MessageId already applied).
	Webhook *prometheus.CounterVec
}

// NewMetrics registers the bounce series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		Messages: metrics.Messages(reg),
		Bounces: f.NewCounterVec(prometheus.CounterOpts{Name: "postbode_bounces_total",
			Help: "Bounces applied, by class and reason."}, []string{"class", "reason"}),
		Inbound: f.NewCounterVec(prometheus.CounterOpts{Name: "postbode_inbound_messages_total",
			Help: "Inbound SMTP messages and recipients by result."}, []string{"result"}),
		Processed: f.NewCounterVec(prometheus.CounterOpts{Name: "postbode_inbound_processed_total",
			Help: "Inbound messages processed, by outcome."}, []string{"outcome"}),
		Forged: f.NewCounter(prometheus.CounterOpts{Name: "postbode_inbound_forged_tokens_total",
			Help: "VERP addresses and X-Postbode-Ref tokens that failed the HMAC check."}),
		Unauthenticated: f.NewCounterVec(prometheus.CounterOpts{Name: "postbode_inbound_unauthenticated_total",
			Help: "Bounce and complaint reports kept as evidence only, for lack of proof, by reason."}, []string{"reason"}),
		Latency: f.NewHistogram(prometheus.HistogramOpts{Name: "postbode_inbound_processing_latency_seconds",
			Help:    "Time from accepting an inbound message to applying its consequences.",
			Buckets: prometheus.ExponentialBuckets(0.01, 3, 12)}),
		Backlog: f.NewGauge(prometheus.GaugeOpts{Name: "postbode_inbound_queue_depth",
			Help: "Stored inbound messages waiting to be processed."}),
		Expired: f.NewCounter(prometheus.CounterOpts{Name: "postbode_inbound_expired_total",
			Help: "Raw inbound messages deleted after bounces.raw_retention."}),
		Webhook: f.NewCounterVec(prometheus.CounterOpts{Name: "postbode_bounce_webhook_total",
			Help: "Bounce webhook notifications by kind and result."}, []string{"kind", "result"}),
	}
}

// MetricReasons are the reason label values of postbode_bounces_total; a
// reason outside this set is counted as "other", so the series stay bounded.
var MetricReasons = []string{
	"userunknown", "hostunknown", "hasmoved", "notaccept", "suspend", "mailboxfull",
	"toolarge", "mesgtoobig", "exceedlimit", "speeding", "filtered", "blocked", "spamdetected", "policyviolation",
	"virusdetected", "contenterror", "securityerror", "authfailure", "badreputation",
	"ratelimited", "norelaying", "requireptr", "notcompliantrfc", "rejected", "expired",
	"networkerror", "systemerror", "systemfull", "mailererror", "syntaxerror", "onhold",
	"delayed", "suppressed", "feedback", "abuse", "fraud", "vacation", "autoreply",
	"undefined", "unparsed",
}

func metricReason(r string) string {
	for _, v := range MetricReasons {
		if v == r {
			return r
		}
	}
	return "other"
}
