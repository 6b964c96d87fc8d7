package metrics

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// MessageResults are the values of the result label of
// postbode_messages_total.
var MessageResults = []string{"sent", "bounced", "deferred", "failed", "skipped"}

// Messages returns postbode_messages_total{result} of reg: campaign
// messages by final or interim result; result = sent | bounced | deferred
// | failed | skipped (MessageResults). Two parts of the daemon count into
// it: the send workers count each result as they record it (bounced: a
// 5xx refusal while sending), and the bounce processor counts bounced when
// a bounce arrives for a message the receiving server had accepted (its
// delivery moves from sent to bounced, once). Both call Messages with the
// process's registry and share the one counter.
func Messages(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "postbode_messages_total",
		Help: "Campaign messages by result (sent, bounced, deferred, failed, skipped)."}, []string{"result"})
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			panic(err) // as promauto: a programming error (a clash of names)
		}
		existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
		if !ok {
			panic(err)
		}
		return existing
	}
	for _, r := range MessageResults {
		c.WithLabelValues(r)
	}
	return c
}
