package optin

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
)

// Recipient action names (the action column of recipient_actions and the
// action label of postbode_recipient_actions_total).
const (
	ActSubscribe       = "subscribe"        // subscribe form sent
	ActConfirm         = "confirm"          // double opt-in confirmed
	ActUnsubscribe     = "unsubscribe"      // unsubscribe page form
	ActOneClick        = "one-click"        // RFC 8058 one-click POST
	ActAnswerOK        = "answer-ok"        // "Yes, all correct"
	ActAnswerChange    = "answer-change"    // details saved
	ActAnswerRemove    = "answer-remove"    // "Take me off your list"
	ActOpen            = "open"             // open pixel fetched
	ActClick           = "click"            // tracked link followed
	ActPrivacyRequest  = "privacy-request"  // privacy request from /r
	ActPrivacyVerified = "privacy-verified" // privacy request confirmed from /q
)

// ActionNames lists every action name (metric label values).
var ActionNames = []string{ActSubscribe, ActConfirm, ActUnsubscribe, ActOneClick,
	ActAnswerOK, ActAnswerChange, ActAnswerRemove, ActOpen, ActClick, ActPrivacyRequest, ActPrivacyVerified}

// Action is one thing a recipient did, with who (IP, user agent) and when.
type Action struct {
	ContactID  int64
	CampaignID int64
	ListID     int64
	Action     string
	Detail     string
	IP         netip.Addr
	UserAgent  string
	At         time.Time
}

// ActionLog writes recipient actions to Postgres in batches (COPY) from one
// goroutine, so a page never waits for the log. Record blocks only when the
// buffer is full (back pressure, nothing dropped); Close writes what is
// buffered before it returns (the drain step at shutdown). With a cap
// (SetCap) the opens and clicks beyond it are counted, not written.
type ActionLog struct {
	db  *db.Pool
	log *slog.Logger
	ch  chan logItem

	mu     sync.RWMutex
	closed bool
	done   chan struct{}

	bound *ActionCap // optional: set by SetCap before the first Record

	recorded *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	written  prometheus.Counter
	failed   prometheus.Counter
}

type logItem struct {
	a     Action
	flush chan struct{} // non-nil: a Flush marker
}

// Batching limits of the action log.
const (
	actionBatch    = 2000
	actionInterval = 50 * time.Millisecond
)

// NewActionLog starts the writer; reg receives the metrics (nil: none kept).
func NewActionLog(db *db.Pool, log *slog.Logger, reg prometheus.Registerer) *ActionLog {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	f := promauto.With(reg)
	l := &ActionLog{db: db, log: log, ch: make(chan logItem, 20000), done: make(chan struct{}),
		// action: see optin.ActionNames.
		recorded: f.NewCounterVec(prometheus.CounterOpts{Name: "postbode_recipient_actions_total",
			Help: "Recipient actions on the public pages, by action."}, []string{"action"}),
		// action: open, click (the actions ActionCap bounds).
		dropped: f.NewCounterVec(prometheus.CounterOpts{Name: "postbode_recipient_actions_dropped_total",
			Help: "Opens and clicks not written to the action log: over the cap per contact, campaign, action and link a day."}, []string{"action"}),
		written: f.NewCounter(prometheus.CounterOpts{Name: "postbode_recipient_action_log_written_total",
			Help: "Recipient actions written to the action log."}),
		failed: f.NewCounter(prometheus.CounterOpts{Name: "postbode_recipient_action_log_failed_total",
			Help: "Recipient actions that could not be written after retries."}),
	}
	for _, a := range ActionNames {
		l.recorded.WithLabelValues(a)
	}
	l.dropped.WithLabelValues(ActOpen)
	l.dropped.WithLabelValues(ActClick)
	go l.run()
	return l
}

// SetCap bounds the opens and clicks the log writes (see ActionCap). Call
// it while wiring, before the first Record.
func (l *ActionLog) SetCap(c *ActionCap) { l.bound = c }

// Record queues an action; At defaults to now. After Close it is written
// synchronously. A nil log records nothing.
func (l *ActionLog) Record(ctx context.Context, a Action) {
	if l == nil {
		return
	}
	if a.At.IsZero() {
		a.At = time.Now()
	}
	// One value Postgres refuses would lose the whole batch it is copied in.
	a.UserAgent, a.Detail = errs.Clip(a.UserAgent, 1000), errs.Printable(a.Detail)
	l.recorded.WithLabelValues(a.Action).Inc()
	l.mu.RLock()
	if !l.closed {
		select {
		case l.ch <- logItem{a: a}:
			l.mu.RUnlock()
			return
		case <-ctx.Done():
		}
	}
	l.mu.RUnlock()
	l.write(context.WithoutCancel(ctx), []Action{a})
}

// Flush waits until every action recorded before it is written.
func (l *ActionLog) Flush(ctx context.Context) error {
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return nil
	}
	done := make(chan struct{})
	select {
	case l.ch <- logItem{flush: done}:
	case <-ctx.Done():
		l.mu.RUnlock()
		return ctx.Err()
	}
	l.mu.RUnlock()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops taking actions into the buffer and writes what is buffered,
// waiting at most until ctx ends.
func (l *ActionLog) Close(ctx context.Context) {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.ch)
	}
	l.mu.Unlock()
	select {
	case <-l.done:
	case <-ctx.Done():
		l.log.Warn("action log: drain cut short", slog.Int("buffered", len(l.ch)))
	}
}

func (l *ActionLog) run() {
	defer close(l.done)
	batch := make([]Action, 0, actionBatch)
	var flushes []chan struct{}
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		var it logItem
		var ok bool
		if len(batch) == 0 && len(flushes) == 0 {
			it, ok = <-l.ch
		} else {
			select {
			case it, ok = <-l.ch:
			case <-t.C:
				l.commit(&batch, &flushes)
				continue
			}
		}
		if !ok {
			l.commit(&batch, &flushes)
			return
		}
		if it.flush != nil {
			flushes = append(flushes, it.flush)
			l.commit(&batch, &flushes)
			continue
		}
		if len(batch) == 0 {
			t.Reset(actionInterval)
		}
		if batch = append(batch, it.a); len(batch) >= actionBatch {
			l.commit(&batch, &flushes)
		}
	}
}

func (l *ActionLog) commit(batch *[]Action, flushes *[]chan struct{}) {
	if len(*batch) > 0 {
		l.write(context.Background(), *batch)
		*batch = (*batch)[:0]
	}
	for _, f := range *flushes {
		close(f)
	}
	*flushes = (*flushes)[:0]
}

// write copies a batch, retrying a few times: Postgres may be restarting.
func (l *ActionLog) write(ctx context.Context, batch []Action) {
	if batch = l.admit(ctx, batch); len(batch) == 0 {
		return
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 200 * time.Millisecond)
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = l.copy(wctx, batch)
		cancel()
		if err == nil {
			l.written.Add(float64(len(batch)))
			return
		}
	}
	l.failed.Add(float64(len(batch)))
	l.log.Error("action log: batch lost", slog.Int("count", len(batch)), slog.Any("error", err))
}

// admit drops the opens and clicks over the cap, one Redis round trip for
// the batch; when Redis cannot be reached the batch is written whole.
func (l *ActionLog) admit(ctx context.Context, batch []Action) []Action {
	if l.bound == nil {
		return batch
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	batch, dropped, err := l.bound.Admit(cctx, batch)
	if err != nil {
		l.log.Warn("action log: cap not checked", slog.Int("count", len(batch)), slog.Any("error", err))
	}
	for a, n := range dropped {
		l.dropped.WithLabelValues(a).Add(float64(n))
	}
	return batch
}

func (l *ActionLog) copy(ctx context.Context, batch []Action) error {
	_, err := l.db.CopyFrom(ctx, pgx.Identifier{"recipient_actions"},
		[]string{"contact_id", "campaign_id", "list_id", "action", "detail", "ip", "user_agent", "created_at"},
		pgx.CopyFromSlice(len(batch), func(i int) ([]any, error) {
			a := batch[i]
			var ip any
			if a.IP.IsValid() {
				ip = a.IP
			}
			return []any{nullID(a.ContactID), nullID(a.CampaignID), nullID(a.ListID), a.Action, a.Detail, ip, a.UserAgent, a.At}, nil
		}))
	if err != nil {
		return fmt.Errorf("optin: write actions: %w", err)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
