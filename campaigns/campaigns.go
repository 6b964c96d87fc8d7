// Package campaigns is in charge of campaigns: their life cycle (draft,
// scheduled, running, paused, cancelled, finished) and API, the scheduler that
// starts due campaigns and expands their recipients into a Redis Stream, the
// send workers that render, sign and deliver each message and record the
// outcome, retries with exponential backoff, and the statistics.
//
// Storage. Postgres holds the record: campaigns, one deliveries row per
// recipient and the campaign_stats counters. Redis holds only work in
// flight, under the configured key prefix with one hash tag per campaign so
// every key of a campaign lives on one Redis Cluster slot:
//
//	<prefix>{c42}:q      stream of recipients to send (field "c" = contact id),
//	                     read by the consumer group "send"
//	<prefix>{c42}:retry  sorted set of contact ids waiting for a retry, scored
//	                     by the due time (unix ms)
//	<prefix>{c42}:s:<contact id>  the stream entry sending to the contact now
//	                     (expires after Options.ClaimIdle): a second entry for
//	                     the same contact is dropped as a duplicate
//	<prefix>campaigns:states  a counter raised after every committed change
//	                     of a campaign's state: the senders read the states
//	                     from Postgres when it moved (or every 5 s), not
//	                     every tick
//
// No address or name goes to Redis: a worker loads the contact from Postgres
// (and re-checks that it may still be mailed) when it sends.
//
// Delivery status (deliveries.status) and campaign_stats:
//
//	queued    recipient expanded, not yet attempted (or attempted and re-queued)
//	deferred  a temporary failure (4xx, network); waits in the retry set
//	sent      accepted by the receiving server (2xx)
//	bounced   refused permanently (5xx), or a later DSN for a sent message
//	          (the bounce processor moves sent → bounced and adjusts the counters)
//	failed    still deferred after sending.give_up_after, or unrenderable
//	skipped   no longer eligible when its turn came (unsubscribed, erased,
//	          blocklisted, inactive)
//	cancelled the campaign was cancelled before it was sent
//
// campaign_stats.total counts deliveries rows; sent, bounced, failed, skipped
// and cancelled count rows in that final status; deferred counts rows
// currently deferred (it goes down again when they end); retries counts
// retry attempts. queued = total − all the others. Every counter change is
// made in the same transaction as the status change it counts, and only when
// the status really changed, so a message is never counted twice.
//
// Delivery is at least once: a worker killed mid-batch leaves its entries
// pending in the consumer group; another worker claims them (XAUTOCLAIM)
// after Options.ClaimIdle and sends those not yet recorded as done. Only
// messages the dead worker had handed to the server but not yet recorded
// can go out twice.
package campaigns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/mta"
	"github.com/postbode/postbode/templates"
)

// Campaign states.
const (
	StateDraft     = "draft"
	StateScheduled = "scheduled"
	StateRunning   = "running"
	StatePaused    = "paused"
	StateCancelled = "cancelled"
	StateFinished  = "finished"
)

// States are the campaign states in the order of a campaign's life, and
// StatesText names them for an error message.
var States = []string{StateDraft, StateScheduled, StateRunning, StatePaused, StateCancelled, StateFinished}

const StatesText = "draft, scheduled, running, paused, cancelled or finished"

// ValidState reports whether s names a campaign state.
func ValidState(s string) bool { return contains(States, s) }

// Errors of the campaigns domain.
var (
	ErrNotFound = errs.NotFound("campaign_not_found", "campaign not found")
)

// conflict returns the 409 error for an operation the campaign's state forbids.
func conflict(op, state string, allowed ...string) error {
	msg := fmt.Sprintf("cannot %s a %s campaign", op, state)
	if len(allowed) > 0 {
		msg += fmt.Sprintf(" (only %s)", joinOr(allowed))
	}
	return errs.Conflict("invalid_state", msg)
}

func joinOr(s []string) string {
	switch len(s) {
	case 1:
		return s[0]
	case 2:
		return s[0] + " or " + s[1]
	}
	out := ""
	for i, v := range s {
		if i == len(s)-1 {
			out += "or " + v
		} else {
			out += v + ", "
		}
	}
	return out
}

// DKIM is the signer the send path uses (mta.DKIM satisfies it).
type DKIM interface {
	// HasDomain reports whether mail From the domain (or address) can be signed.
	HasDomain(domain string) bool
	// AppendSignature appends msg's DKIM-Signature field(s) to dst; they
	// are sent right before msg.
	AppendSignature(dst, msg []byte) ([]byte, error)
	// AppendSignatures is AppendSignature for many messages signed
	// together: it appends msgs[i]'s fields to dsts[i] or sets errs[i].
	AppendSignatures(dsts, msgs [][]byte, errs []error)
}

// Limiter throttles deliveries per destination domain and globally
// (mta.Limiter satisfies it).
type Limiter interface {
	Acquire(ctx context.Context, domain string, n int) (granted int, release func(), err error)
}

// BounceRecorder hands a synchronous bounce (a 5xx reply during SMTP) to the
// bounce logic, which classifies it and applies its consequences. The send
// worker has already moved the delivery to 'bounced' and counted it.
type BounceRecorder interface {
	RecordSMTP(ctx context.Context, campaignID, contactID int64, command string, code int, enhanced, text string) error
}

// Options configure a Service. DB, Redis and Keys are required.
type Options struct {
	DB        *db.Pool
	Redis     redis.UniversalClient
	KeyPrefix string
	Log       *slog.Logger
	// Reg receives the metrics; optional.
	Reg prometheus.Registerer
	// Contacts hashes addresses for the blocklist re-check; required for sending.
	Contacts *contacts.Store
	// Style is the house style templates compile with.
	Style templates.Style
	// Keys mint the recipient tokens; required.
	Keys *rtoken.Keys
	// BaseURL is the public listener's URL (public.base_url); links go there.
	BaseURL string
	// BounceDomain is the domain of VERP and mailto-unsubscribe addresses.
	BounceDomain string
	// DKIM signs messages whose From domain has a key; optional.
	DKIM DKIM
	// RequireDKIM refuses campaigns whose From domain has no DKIM key
	// (set when DKIM keys are configured).
	RequireDKIM bool
	// Transport delivers; required for sending.
	Transport mta.Transport
	// Limiter throttles; optional (no throttles).
	Limiter Limiter
	// Bounces receives synchronous bounces; optional.
	Bounces BounceRecorder
	// Tracking allows campaigns to track opens and clicks (sending.tracking).
	Tracking bool
	// MissedGrace, RetryBase and GiveUpAfter: see sending.* in the config;
	// defaults 1h, 1m, 72h.
	MissedGrace, RetryBase, GiveUpAfter time.Duration
	// Workers and BatchSize size the sender; defaults 8 workers per CPU
	// (GOMAXPROCS; at least 16, at most 256: a worker mostly waits for
	// Postgres, Redis or the remote server, so more workers than cores keep
	// the cores busy) and 100.
	Workers, BatchSize int
	// QueueAhead caps the recipients of one campaign waiting in Redis; default 20000.
	QueueAhead int
	// ExpandBatch is the recipients expanded per transaction; default 5000.
	ExpandBatch int
	// Tick is how often the scheduler looks for work and the sender for
	// campaign state changes (pause, cancel); default 1s. Each tick reads
	// the Redis queues and the state-change signal; the campaigns are read
	// from Postgres only on a signalled change, when a scheduled campaign
	// is due, and at least every 5 s.
	Tick time.Duration
	// ClaimIdle is how long a read entry may stay unacknowledged before
	// another worker claims it (its worker is presumed dead); default 5m.
	ClaimIdle time.Duration
	// Consumer names this process in the consumer groups; default host-pid.
	Consumer string
}

func (o *Options) defaults() {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MissedGrace == 0 {
		o.MissedGrace = time.Hour
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Minute
	}
	if o.GiveUpAfter <= 0 {
		o.GiveUpAfter = 72 * time.Hour
	}
	if o.Workers <= 0 {
		o.Workers = min(max(16, 8*goruntime.GOMAXPROCS(0)), 256)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.QueueAhead <= 0 {
		o.QueueAhead = 20000
	}
	if o.ExpandBatch <= 0 {
		o.ExpandBatch = 5000
	}
	if o.Tick <= 0 {
		o.Tick = time.Second
	}
	if o.ClaimIdle <= 0 {
		o.ClaimIdle = 5 * time.Minute
	}
	if o.Consumer == "" {
		o.Consumer = defaultConsumer()
	}
	if o.Reg == nil {
		o.Reg = prometheus.NewRegistry()
	}
}

// Service runs campaigns: the API's operations, the scheduler and the sender
// share it.
type Service struct {
	opt    Options
	db     *db.Pool
	rdb    redis.UniversalClient
	log    *slog.Logger
	links  rtoken.Links
	m      *metrics
	tpl    *tplCache
	stages stageAcc
	// building holds a slot per message being built (rendered, composed,
	// signed: CPU work), GOMAXPROCS slots: more builders than cores would
	// only hold more messages in memory, and the workers waiting on the
	// network would queue behind them for a core.
	building chan struct{}
	// buildAhead: each worker builds its next chunk of messages while the
	// transport sends the current one (see deliver); off only in tests
	// comparing with the sequential order.
	buildAhead bool
	// ahead holds a place per chunk built ahead, 2 per CPU for the process:
	// enough to keep the cores building while the workers wait on the
	// network, few enough to keep the messages in memory bounded.
	ahead chan struct{}
	// now is the clock of the messages' Date fields.
	now func() time.Time
}

// New returns a service. It registers its metrics on opt.Reg.
func New(opt Options) *Service {
	opt.defaults()
	return &Service{opt: opt, db: opt.DB, rdb: opt.Redis, log: opt.Log,
		links: rtoken.Links{Base: opt.BaseURL, Keys: opt.Keys},
		m:     newMetrics(opt.Reg), tpl: newTplCache(),
		building: make(chan struct{}, goruntime.GOMAXPROCS(0)), buildAhead: true, now: time.Now,
		ahead: make(chan struct{}, 2*goruntime.GOMAXPROCS(0))}
}

// Campaign is one campaign.
type Campaign struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Status      string  `json:"status"`
	Subject     string  `json:"subject"`
	HTML        string  `json:"html"`
	Text        string  `json:"text"`
	FromName    string  `json:"from_name"`
	FromEmail   string  `json:"from_email"`
	ReplyTo     string  `json:"reply_to"`
	ListIDs     []int64 `json:"list_ids"`
	HasAudience bool    `json:"has_audience"`
	TrackOpens  bool    `json:"track_opens"`
	TrackClicks bool    `json:"track_clicks"`
	// Lang is the language the campaign is written in: en or nl, "" for the
	// installation's default (public.default_lang). The footer and the
	// update buttons are written in it.
	Lang       string     `json:"lang"`
	ParentID   *int64     `json:"parent_id"`
	SendAt     *time.Time `json:"send_at"`
	MissedAt   *time.Time `json:"missed_at"`
	StartedAt  *time.Time `json:"started_at"`
	PausedAt   *time.Time `json:"paused_at"`
	FinishedAt *time.Time `json:"finished_at"`
	ExpandedAt *time.Time `json:"expanded_at"`
	// ArchivedAt is when the campaign went into the archive (nil: it is
	// not archived); see Archive.
	ArchivedAt *time.Time `json:"archived_at"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

const campaignCols = `id, name, kind, status, subject, html, text_body, from_name, from_email, reply_to,
	list_ids, has_audience, track_opens, track_clicks, parent_id, send_at, missed_at, started_at,
	paused_at, finished_at, expanded_at, created_by, created_at, updated_at, lang, archived_at`

func scanCampaign(row pgx.Row) (Campaign, error) {
	var c Campaign
	err := row.Scan(&c.ID, &c.Name, &c.Kind, &c.Status, &c.Subject, &c.HTML, &c.Text, &c.FromName, &c.FromEmail,
		&c.ReplyTo, &c.ListIDs, &c.HasAudience, &c.TrackOpens, &c.TrackClicks, &c.ParentID, &c.SendAt, &c.MissedAt,
		&c.StartedAt, &c.PausedAt, &c.FinishedAt, &c.ExpandedAt, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt, &c.Lang, &c.ArchivedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("campaigns: scan: %w", err)
	}
	return c, nil
}

// Get returns one campaign.
func (s *Service) Get(ctx context.Context, id int64) (Campaign, error) {
	return scanCampaign(s.db.QueryRow(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE id = $1`, id))
}

// Filter picks the campaigns List returns. The zero Filter is the default
// list: every status, archived campaigns left out.
type Filter struct {
	// Status is one of States ("": any).
	Status string
	// Query matches a part of the name or the subject, any case, as typed:
	// no character has a special meaning (% and _ are themselves).
	Query string
	// Archived: ArchivedNo ("", the default) leaves archived campaigns
	// out, ArchivedOnly ("only") shows only them, ArchivedAll ("all") both.
	Archived string
}

// The values of Filter.Archived.
const (
	ArchivedNo   = ""
	ArchivedOnly = "only"
	ArchivedAll  = "all"
)

// MaxQuery bounds Filter.Query, in characters.
const MaxQuery = 200

// Validate checks the filter, naming the query parameter of a wrong value.
func (f Filter) Validate() error {
	if f.Status != "" && !ValidState(f.Status) {
		return errs.Invalid("status", "must be "+StatesText)
	}
	if utf8.RuneCountInString(f.Query) > MaxQuery {
		return errs.Invalidf("q", "must be at most %d characters", MaxQuery)
	}
	switch f.Archived {
	case ArchivedNo, ArchivedOnly, ArchivedAll:
	default:
		return errs.Invalid("archived", "must be empty (not archived), only or all")
	}
	return nil
}

// List returns the campaigns f picks with id > after in ascending id
// order, at most limit+1 rows (see httpapi.NewPage).
func (s *Service) List(ctx context.Context, f Filter, after int64, limit int) ([]Campaign, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	// strpos, not LIKE: the query is matched as typed, so % and _ find
	// themselves and nothing else.
	rows, err := s.db.Query(ctx, `SELECT `+campaignCols+` FROM campaigns
		WHERE id > $1 AND ($2 = '' OR status = $2)
		AND ($3 = '' OR strpos(lower(name), lower($3)) > 0 OR strpos(lower(subject), lower($3)) > 0)
		AND CASE $4 WHEN 'only' THEN archived_at IS NOT NULL WHEN 'all' THEN true ELSE archived_at IS NULL END
		ORDER BY id LIMIT $5`, after, f.Status, f.Query, f.Archived, limit+1)
	if err != nil {
		return nil, fmt.Errorf("campaigns: list: %w", err)
	}
	defer rows.Close()
	var out []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
