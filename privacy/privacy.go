// Package privacy is in charge of the GDPR promises: erasure (right to be
// forgotten) with anonymised statistics, the access export (JSON for
// portability, and the PDF access report written for the person),
// automatic deletion of one-star contacts (retention), privacy requests from
// data subjects (every right, with the privacy contact told), legal holds,
// data minimisation (hidden and deleted attributes), the registers an
// authority asks for (processing activities, data breaches, processor
// agreements), reports and the append-only audit log of staff actions on
// personal data.
//
// Everything that touches personal data is driven by the registry in
// internal/db/personal.go: erasure deletes or anonymises the rows of every
// db.PersonalTables entry and the export reads them, so a table registered by
// another domain is covered without changes here.
//
// Redis: rows in Postgres are erased in one transaction; data a domain keeps
// in Redis for a contact (queued messages, tokens, caches) is removed by
// purge hooks run after the commit. A domain registers one with
// Service.AddPurgeHook (wired in cmd/postbode). The built-in hook deletes the
// keys listed in the set <prefix>ck:<contact id> and the set itself: a
// domain that writes a per-contact key may SADD its name there instead of
// registering a hook (see ContactKeySet).
package privacy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/redis/go-redis/v9"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/rtoken"
)

// Erasure causes (the label values of postbode_erasures_total and the cause
// in the audit log).
const (
	CauseRequest   = "request"   // staff or API erasure, a data subject's request
	CauseRetention = "retention" // automatic deletion of long one-star contacts
	CauseUpdate    = "update"    // purge after an update mailing
)

// Causes lists the valid erasure causes.
var Causes = []string{CauseRequest, CauseRetention, CauseUpdate}

// PurgeHook removes what a domain keeps outside Postgres for an erased
// contact. It runs after the erasure committed; it must be idempotent.
type PurgeHook func(ctx context.Context, contactID int64) error

// Options configure a Service.
type Options struct {
	DB *db.Pool
	// Replica, when set, serves the reports and access exports (reads that
	// may lag the primary by the replication delay); optional, default DB.
	Replica  *db.Pool
	Contacts *contacts.Store
	Log      *slog.Logger
	// Reg receives the metrics; nil means a private registry.
	Reg prometheus.Registerer
	// Redis and KeyPrefix enable the built-in purge of <prefix>ck:<id>; optional.
	Redis     redis.UniversalClient
	KeyPrefix string
	// KeepSuppressionHash keeps the keyed hash of a blocklisted or complaining
	// address in the blocklist after erasure (retention.keep_suppression_hash).
	KeepSuppressionHash bool
	// OneStarDays: contacts one-star longer than this are erased by the
	// janitor (retention.one_star_days); 0 disables.
	OneStarDays int
	// BatchSize is how many contacts one retention transaction erases; default 1000.
	BatchSize int

	// Privacy requests (requests.go). Mailer and Tokens are required for
	// RequestByEmail and for fulfilling requests; without them those return
	// an error.
	Mailer Mailer
	Tokens *rtoken.Keys
	// BaseURL is public.base_url, the origin of verification links.
	BaseURL string
	// OrgName signs the mails; optional, default "postbode".
	OrgName string
	// ContactEmail is the privacy contact the Mailer sets as Reply-To
	// (privacy.contact_email); the answers invite a reply only when it is
	// set. Optional.
	ContactEmail string
	// StaffLang is the language of the mail to ContactEmail telling a
	// request waits (staff.Service.MailLang: the language of the person
	// with that address); optional, nil: DefaultLang.
	StaffLang func(ctx context.Context, email string) string
	// Controller says who holds the data, for the access report and the
	// registers (privacy.organisation, statement_url, processors, ...);
	// optional, the organisation defaults to OrgName.
	Controller Controller
	// HouseColour (#rrggbb) colours the headings of PDF documents; optional.
	HouseColour string
	// DefaultLang (en or nl) is used when a request names none; optional, default en.
	DefaultLang string
	// RequestLinkTTL is how long a verification link is valid; optional, default 48h.
	RequestLinkTTL time.Duration
	// RequestMailsPerHour caps verification mails per address per hour (ten
	// times as many per client IP); optional, default 3. Needs Redis.
	RequestMailsPerHour int
	// AutoAccess mails the export as soon as an access request is verified;
	// AutoErasure lets the janitor erase (RunAutoErasures) once an erasure
	// request is verified. Both optional, default false: staff fulfil
	// through the API.
	AutoAccess, AutoErasure bool
}

// Service erases, exports and reports personal data.
type Service struct {
	opt   Options
	db    *db.Pool
	reads *db.Pool // Replica, else db
	log   *slog.Logger
	hooks []namedHook

	erasures     *prometheus.CounterVec
	janitorRuns  *prometheus.CounterVec
	requestMails *prometheus.CounterVec
	requests     *prometheus.CounterVec

	bg sync.WaitGroup // verification mails in flight

	colsMu sync.Mutex
	cols   map[string]map[string]colInfo
}

type namedHook struct {
	name  string
	fn    PurgeHook
	batch func(ctx context.Context, ids []int64) error // instead of fn, for a whole batch
}

// New returns a privacy service.
func New(opt Options) *Service {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Reg == nil {
		opt.Reg = prometheus.NewRegistry()
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 1000
	}
	if opt.OrgName == "" {
		opt.OrgName = "postbode"
	}
	if opt.DefaultLang != "nl" {
		opt.DefaultLang = "en"
	}
	if opt.RequestLinkTTL <= 0 {
		opt.RequestLinkTTL = 48 * time.Hour
	}
	if opt.RequestMailsPerHour <= 0 {
		opt.RequestMailsPerHour = 3
	}
	f := promauto.With(opt.Reg)
	s := &Service{opt: opt, db: opt.DB, reads: cmp.Or(opt.Replica, opt.DB), log: opt.Log,
		// cause: request, retention, update.
		erasures: f.NewCounterVec(prometheus.CounterOpts{Name: "postbode_erasures_total",
			Help: "Contacts erased, by cause."}, []string{"cause"}),
		// result: ok, error.
		janitorRuns: f.NewCounterVec(prometheus.CounterOpts{Name: "postbode_janitor_runs_total",
			Help: "Retention janitor runs, by result."}, []string{"result"}),
		// result: sent, error, unknown_address, rate_limited.
		requestMails: f.NewCounterVec(prometheus.CounterOpts{Name: "postbode_privacy_request_mails_total",
			Help: "Privacy request form submissions, by what became of the verification mail."}, []string{"result"}),
		// kind: access, erasure; step: verified, fulfilled, rejected.
		requests: f.NewCounterVec(prometheus.CounterOpts{Name: "postbode_privacy_requests_total",
			Help: "Privacy requests of data subjects, by kind and step."}, []string{"kind", "step"}),
	}
	if opt.DB != nil {
		opt.Reg.MustRegister(requestsCollector{db: opt.DB})
		opt.Reg.MustRegister(breachCollector{s: s})
	}
	for _, r := range []string{"sent", "error", "unknown_address", "rate_limited"} {
		s.requestMails.WithLabelValues(r)
	}
	for _, k := range RequestKinds {
		for _, st := range []string{"verified", "fulfilled", "rejected"} {
			s.requests.WithLabelValues(k, st)
		}
	}
	for _, c := range Causes {
		s.erasures.WithLabelValues(c)
	}
	s.janitorRuns.WithLabelValues("ok")
	s.janitorRuns.WithLabelValues("error")
	if opt.Redis != nil {
		s.hooks = append(s.hooks, namedHook{name: "contact-keys", batch: s.purgeContactKeys})
	}
	return s
}

// AddPurgeHook registers a hook run for every erased contact after the
// erasure committed. Call it while wiring, before the service is used.
func (s *Service) AddPurgeHook(name string, fn PurgeHook) {
	s.hooks = append(s.hooks, namedHook{name: name, fn: fn})
}

// hookTimeout bounds the purge hooks of one erased batch.
const hookTimeout = 30 * time.Second

// ContactKeySet is the Redis set listing the keys a domain wrote for a
// contact; erasure deletes every key in it and the set.
func ContactKeySet(prefix string, contactID int64) string {
	return prefix + "ck:" + strconv.FormatInt(contactID, 10)
}

// purgeContactKeys deletes the keys listed in the contacts' key sets and
// the sets, in two pipelined round trips per batch.
func (s *Service) purgeContactKeys(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	p := s.opt.Redis.Pipeline()
	members := make([]*redis.StringSliceCmd, len(ids))
	for i, id := range ids {
		members[i] = p.SMembers(ctx, ContactKeySet(s.opt.KeyPrefix, id))
	}
	if _, err := p.Exec(ctx); err != nil && err != redis.Nil {
		return err
	}
	p = s.opt.Redis.Pipeline()
	for i, id := range ids {
		// Keys may live on different cluster slots: one DEL per key.
		for _, k := range members[i].Val() {
			p.Del(ctx, k)
		}
		p.Del(ctx, ContactKeySet(s.opt.KeyPrefix, id))
	}
	_, err := p.Exec(ctx)
	return err
}

// runHooks purges Redis for erased contacts; failures are logged (by hook
// name and contact id only) and returned joined.
//
// The erasure has committed when they run: a cancelled ctx (shutdown) must
// not leave an erased contact's keys behind, so they run detached from its
// cancellation, bounded by hookTimeout.
func (s *Service) runHooks(ctx context.Context, ids []int64) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hookTimeout)
	defer cancel()
	var errsOut []error
	for _, h := range s.hooks {
		if h.batch != nil {
			if err := h.batch(ctx, ids); err != nil {
				s.log.Error("privacy: purge hook failed; the Postgres erasure stands", "hook", h.name, "contacts", len(ids), "error", err)
				errsOut = append(errsOut, fmt.Errorf("purge hook %s: %w", h.name, err))
			}
			continue
		}
		for _, id := range ids {
			if err := h.fn(ctx, id); err != nil {
				s.log.Error("privacy: purge hook failed; the Postgres erasure stands", "hook", h.name, "contact_id", id, "error", err)
				errsOut = append(errsOut, fmt.Errorf("purge hook %s: %w", h.name, err))
				break
			}
		}
	}
	return errors.Join(errsOut...)
}

func validCause(c string) bool {
	for _, v := range Causes {
		if v == c {
			return true
		}
	}
	return false
}
