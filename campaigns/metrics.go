package campaigns

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	pbmetrics "github.com/postbode/postbode/internal/metrics"
)

// Metrics (registered with promauto.With(Options.Reg)); mta adds its own
// (postbode_dkim_sign_seconds, postbode_smtp_*, postbode_throttle_wait_seconds):
//
//	postbode_messages_total{result}         counter: campaign messages by final or interim result;
//	                                        result = sent | bounced | deferred | failed | skipped;
//	                                        shared with the bounce processor (internal/metrics Messages)
//	postbode_send_duration_seconds          histogram: from entering the queue (stream entry) to
//	                                        accepted by the receiving server
//	postbode_queue_depth{state}             gauge: messages of running and paused campaigns in Redis, as seen
//	                                        by this sender; state = ready (waiting to be read) |
//	                                        pending (read by a worker, not yet recorded) | retry
//	                                        (waiting for a retry)
//	postbode_queue_oldest_age_seconds       gauge: age of the oldest queue entry (running and paused)
//	postbode_retries_total                  counter: retry attempts (sends of a deferred message)
//	postbode_queue_reclaimed_total          counter: entries claimed from dead workers
//	postbode_recipients_expanded_total      counter: recipients added to queues by the scheduler
//	postbode_expand_batch_seconds           histogram: one expansion transaction
type metrics struct {
	messages      *prometheus.CounterVec
	latency       prometheus.Histogram
	queueDepth    *prometheus.GaugeVec
	oldestAge     prometheus.Gauge
	retries       prometheus.Counter
	reclaimed     prometheus.Counter
	expanded      prometheus.Counter
	expandSeconds prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	m := &metrics{
		messages: pbmetrics.Messages(reg),
		latency: f.NewHistogram(prometheus.HistogramOpts{Name: "postbode_send_duration_seconds",
			Help:    "Time from entering the queue to being accepted by the receiving server.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 14)}),
		queueDepth: f.NewGaugeVec(prometheus.GaugeOpts{Name: "postbode_queue_depth",
			Help: "Messages of running campaigns in Redis by state (ready, pending, retry)."}, []string{"state"}),
		oldestAge: f.NewGauge(prometheus.GaugeOpts{Name: "postbode_queue_oldest_age_seconds",
			Help: "Age of the oldest queue entry of the running campaigns."}),
		retries: f.NewCounter(prometheus.CounterOpts{Name: "postbode_retries_total",
			Help: "Retry attempts: sends of a message that was deferred before."}),
		reclaimed: f.NewCounter(prometheus.CounterOpts{Name: "postbode_queue_reclaimed_total",
			Help: "Queue entries claimed from workers that stopped without acknowledging them."}),
		expanded: f.NewCounter(prometheus.CounterOpts{Name: "postbode_recipients_expanded_total",
			Help: "Recipients added to campaign queues."}),
		expandSeconds: f.NewHistogram(prometheus.HistogramOpts{Name: "postbode_expand_batch_seconds",
			Help: "Time of one recipient expansion transaction.", Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10)}),
	}
	return m
}

var clockBase = time.Now()

// nanotime is a monotonic clock reading in nanoseconds.
func nanotime() int64 { return int64(time.Since(clockBase)) }

// Stages are the accumulated wall times of the send path's stages, summed
// over all workers (for benchmarks and capacity planning).
type Stages struct {
	Messages int64
	// Render, Compose and Sign: building messages; SMTP: Transport.Send incl.
	// throttles; Queue: reading the batch from Postgres, recording outcomes
	// and acknowledging the stream entries.
	Render, Compose, Sign, SMTP, Queue time.Duration
}

type stageAcc struct {
	mu sync.Mutex
	s  Stages
}

func (a *stageAcc) add(st stageTimes, queue, smtp time.Duration, n int) {
	a.mu.Lock()
	a.s.Messages += int64(n)
	a.s.Render += time.Duration(st.render)
	a.s.Compose += time.Duration(st.compose)
	a.s.Sign += time.Duration(st.sign)
	a.s.SMTP += smtp
	a.s.Queue += queue
	a.mu.Unlock()
}

// Stages returns the stage times accumulated since the service started.
func (s *Service) Stages() Stages {
	s.stages.mu.Lock()
	defer s.stages.mu.Unlock()
	return s.stages.s
}
