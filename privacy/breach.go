package privacy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/postbode/postbode/internal/errs"
)

// The data-breach register (GDPR art. 33(5)): each personal-data breach
// with what happened, which categories of data and roughly how many people
// and records, the likely consequences, the measures taken, and whether and
// when the supervisory authority (within 72 hours of discovery, art. 33(1))
// and the people (art. 34) were notified. The deadline of every breach
// still pending for the authority is exported as a metric
// (postbode_data_breach_notification_deadline_timestamp_seconds) for the
// alert PostbodeDataBreachNotificationDue.

// BreachNotifyWithin is the deadline of art. 33(1) after discovery.
const BreachNotifyWithin = 72 * time.Hour

// Notification states of a breach, for the authority and for the people.
const (
	NotifyPending     = "pending"
	NotifyDone        = "notified"
	NotifyNotRequired = "not-required"
)

// Breach is one entry of the register.
type Breach struct {
	ID                  int64      `json:"id"`
	DiscoveredAt        time.Time  `json:"discovered_at"`
	Nature              string     `json:"nature"`
	Categories          []string   `json:"categories"`
	PeopleApprox        int64      `json:"people_approx"`
	RecordsApprox       int64      `json:"records_approx"`
	Consequences        string     `json:"consequences"`
	Measures            string     `json:"measures"`
	Authority           string     `json:"authority"`
	AuthorityNotifiedAt *time.Time `json:"authority_notified_at"`
	AuthorityNote       string     `json:"authority_note"`
	People              string     `json:"people"`
	PeopleNotifiedAt    *time.Time `json:"people_notified_at"`
	PeopleNote          string     `json:"people_note"`
	CreatedBy           string     `json:"created_by"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
	// NotifyBy is discovered_at + 72 hours; Overdue: still pending after it.
	NotifyBy time.Time `json:"notify_by"`
	Overdue  bool      `json:"overdue"`
}

const breachCols = `id, discovered_at, nature, categories, people_approx, records_approx, consequences, measures,
	authority, authority_notified_at, authority_note, people, people_notified_at, people_note,
	created_by, created_at, updated_at, discovered_at + interval '72 hours', authority = 'pending' AND discovered_at + interval '72 hours' < now()`

// BreachInput records or updates a breach; on update, nil fields stay.
type BreachInput struct {
	DiscoveredAt        *time.Time `json:"discovered_at"`
	Nature              *string    `json:"nature"`
	Categories          []string   `json:"categories"`
	PeopleApprox        *int64     `json:"people_approx"`
	RecordsApprox       *int64     `json:"records_approx"`
	Consequences        *string    `json:"consequences"`
	Measures            *string    `json:"measures"`
	Authority           *string    `json:"authority"`
	AuthorityNotifiedAt *time.Time `json:"authority_notified_at"`
	AuthorityNote       *string    `json:"authority_note"`
	People              *string    `json:"people"`
	PeopleNotifiedAt    *time.Time `json:"people_notified_at"`
	PeopleNote          *string    `json:"people_note"`
}

// ErrNoBreach: no such breach.
var ErrNoBreach = errs.NotFound("breach_not_found", "data breach not found")

func (in BreachInput) validate(create bool) error {
	if create && (in.DiscoveredAt == nil || in.Nature == nil) {
		if in.DiscoveredAt == nil {
			return errs.Invalid("discovered_at", "is required")
		}
		return errs.Invalid("nature", "is required: what happened")
	}
	if in.DiscoveredAt != nil && in.DiscoveredAt.After(time.Now().Add(time.Minute)) {
		return errs.Invalid("discovered_at", "is in the future")
	}
	if in.Nature != nil && (len(*in.Nature) < 3 || len(*in.Nature) > 5000) {
		return errs.Invalid("nature", "must be 3 to 5000 characters")
	}
	if (in.PeopleApprox != nil && *in.PeopleApprox < 0) || (in.RecordsApprox != nil && *in.RecordsApprox < 0) {
		return errs.Invalid("people_approx", "counts must not be negative")
	}
	for _, n := range []struct {
		field string
		state *string
		at    *time.Time
		note  *string
	}{{"authority", in.Authority, in.AuthorityNotifiedAt, in.AuthorityNote}, {"people", in.People, in.PeopleNotifiedAt, in.PeopleNote}} {
		if n.state == nil {
			if n.at != nil {
				return errs.Invalid(n.field, "set to notified with the time")
			}
			continue
		}
		switch *n.state {
		case NotifyPending:
		case NotifyDone:
			if n.at == nil {
				return errs.Invalid(n.field+"_notified_at", "is required when "+n.field+" is notified")
			}
		case NotifyNotRequired:
			if n.note == nil || len(*n.note) < 3 {
				return errs.Invalid(n.field+"_note", "say why no notification is required")
			}
		default:
			return errs.Invalid(n.field, "must be pending, notified or not-required")
		}
	}
	return nil
}

// RecordBreach adds a breach to the register.
func (s *Service) RecordBreach(ctx context.Context, in BreachInput, actor string) (Breach, error) {
	if err := in.validate(true); err != nil {
		return Breach{}, err
	}
	var id int64
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO data_breaches (discovered_at, nature, created_by) VALUES ($1, $2, $3) RETURNING id`,
			*in.DiscoveredAt, *in.Nature, actor).Scan(&id); err != nil {
			return fmt.Errorf("privacy: record breach: %w", err)
		}
		in.DiscoveredAt, in.Nature = nil, nil
		return s.updateBreach(ctx, tx, id, in, CauseBreachRecorded)
	})
	if err != nil {
		return Breach{}, err
	}
	return s.GetBreach(ctx, id)
}

// Breaches are audited as setting changes of the breach, with these causes.
const (
	CauseBreachRecorded = "data breach recorded"
	CauseBreachUpdated  = "data breach updated"
)

// UpdateBreach changes the fields given (measures taken, notifications)
// and audits it.
func (s *Service) UpdateBreach(ctx context.Context, id int64, in BreachInput) (Breach, error) {
	if err := in.validate(false); err != nil {
		return Breach{}, err
	}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error { return s.updateBreach(ctx, tx, id, in, CauseBreachUpdated) })
	if err != nil {
		return Breach{}, err
	}
	return s.GetBreach(ctx, id)
}

// updateBreach writes the fields given and the audit entry with cause in tx.
func (s *Service) updateBreach(ctx context.Context, tx pgx.Tx, id int64, in BreachInput, cause string) error {
	tag, err := tx.Exec(ctx, `UPDATE data_breaches SET discovered_at = coalesce($2, discovered_at), nature = coalesce($3, nature),
		categories = coalesce($4, categories), people_approx = coalesce($5, people_approx), records_approx = coalesce($6, records_approx),
		consequences = coalesce($7, consequences), measures = coalesce($8, measures),
		authority = coalesce($9, authority), authority_notified_at = CASE WHEN $9::text IS NULL THEN authority_notified_at
			WHEN $9 = 'notified' THEN $10 ELSE NULL END, authority_note = coalesce($11, authority_note),
		people = coalesce($12, people), people_notified_at = CASE WHEN $12::text IS NULL THEN people_notified_at
			WHEN $12 = 'notified' THEN $13 ELSE NULL END, people_note = coalesce($14, people_note),
		updated_at = now() WHERE id = $1`,
		id, in.DiscoveredAt, in.Nature, in.Categories, in.PeopleApprox, in.RecordsApprox, in.Consequences, in.Measures,
		in.Authority, in.AuthorityNotifiedAt, in.AuthorityNote, in.People, in.PeopleNotifiedAt, in.PeopleNote)
	if err != nil {
		return fmt.Errorf("privacy: update breach: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNoBreach
	}
	return writeAudit(ctx, tx, Entry{Action: ActionSettingChange, TargetKind: "breach", TargetID: &id, Count: 1, Cause: cause})
}

// GetBreach returns one breach.
func (s *Service) GetBreach(ctx context.Context, id int64) (Breach, error) {
	rows, err := s.db.Query(ctx, `SELECT `+breachCols+` FROM data_breaches WHERE id = $1`, id)
	if err != nil {
		return Breach{}, fmt.Errorf("privacy: breach: %w", err)
	}
	b, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Breach])
	if errors.Is(err, pgx.ErrNoRows) {
		return b, ErrNoBreach
	}
	return b, err
}

// Breaches lists the register after id `after`, at most limit+1.
func (s *Service) Breaches(ctx context.Context, after int64, limit int) ([]Breach, error) {
	rows, err := s.db.Query(ctx, `SELECT `+breachCols+` FROM data_breaches WHERE id > $1 ORDER BY id LIMIT $2`, after, limit+1)
	if err != nil {
		return nil, fmt.Errorf("privacy: breaches: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Breach])
}

// Breach metrics, read from Postgres at scrape time: how many breaches are
// pending for the authority, and the earliest deadline among them (absent
// when none is pending).
var (
	breachesPending = prometheus.NewDesc("postbode_data_breaches_pending",
		"Data breaches whose notification to the supervisory authority is pending (GDPR art. 33).", nil, nil)
	breachDeadline = prometheus.NewDesc("postbode_data_breach_notification_deadline_timestamp_seconds",
		"Earliest deadline (discovery + 72 h, GDPR art. 33(1)) of the data breaches pending for the supervisory authority.", nil, nil)
)

type breachCollector struct{ s *Service }

func (c breachCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- breachesPending
	ch <- breachDeadline
}

// Collect reports pending breaches; when Postgres does not answer within
// 2 s the series are left out of this scrape.
func (c breachCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var n int64
	var at *float64
	err := c.s.db.QueryRow(ctx, `SELECT count(*), extract(epoch FROM min(discovered_at) + interval '72 hours')::float8
		FROM data_breaches WHERE authority = 'pending'`).Scan(&n, &at)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(breachesPending, prometheus.GaugeValue, float64(n))
	if at != nil {
		ch <- prometheus.MustNewConstMetric(breachDeadline, prometheus.GaugeValue, *at)
	}
}
