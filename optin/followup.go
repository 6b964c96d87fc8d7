package optin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/jobs"
)

// FollowUpCreator creates a follow-up campaign: a draft copy of the parent
// with parent_id set and an audience of the given contacts (implemented by
// the campaigns package).
type FollowUpCreator interface {
	CreateFollowUp(ctx context.Context, parentID int64, name, subject string, contactIDs []int64) (int64, error)
}

// Eraser erases one contact through the privacy erasure path.
type Eraser interface {
	Erase(ctx context.Context, contactID int64, cause, actor string) error
}

// CauseUpdate is the erasure cause of the update-mailing purge
// (privacy.CauseUpdate; repeated here so optin needs no import for a string).
const CauseUpdate = "update"

// CauseRetention is the erasure cause for contacts the subscribe form
// created that never confirmed (privacy.CauseRetention).
const CauseRetention = "retention"

// Errors of the follow-up API.
var (
	ErrCampaignNotFound = errs.NotFound("campaign_not_found", "campaign not found")
	ErrNotUpdate        = errs.Conflict("not_an_update_mailing", "the campaign is not an update mailing (kind update)")
)

// FollowUps works on the recipients of an update mailing after it went out:
// reminders, the answer report and the purge.
type FollowUps struct {
	db      *db.Pool
	creator FollowUpCreator
	eraser  Eraser
	jobs    *jobs.Store
	log     *slog.Logger
}

// NewFollowUps returns the follow-up service; creator and eraser may be nil
// (reminders and purges then answer 503).
func NewFollowUps(db *db.Pool, creator FollowUpCreator, eraser Eraser, js *jobs.Store, log *slog.Logger) *FollowUps {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &FollowUps{db: db, creator: creator, eraser: eraser, jobs: js, log: log}
}

func (f *FollowUps) updateCampaign(ctx context.Context, id int64) (name, subject string, err error) {
	var kind string
	err = f.db.QueryRow(ctx, `SELECT kind, name, subject FROM campaigns WHERE id = $1`, id).Scan(&kind, &name, &subject)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", ErrCampaignNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("optin: campaign: %w", err)
	}
	if kind != "update" {
		return "", "", ErrNotUpdate
	}
	return name, subject, nil
}

// Reminder criteria.
const (
	NotOpened  = "not_opened"
	NoResponse = "no_response"
)

// ReminderInput asks for a reminder campaign.
type ReminderInput struct {
	// Criterion: not_opened or no_response; required.
	Criterion string `json:"criterion"`
	// By: opens or answers after this time do not count; optional, default now.
	By *time.Time `json:"by"`
	// Name and Subject of the reminder; optional, default "Reminder: " + the parent's.
	Name    string `json:"name"`
	Subject string `json:"subject"`
}

// Reminder is the created reminder campaign.
type Reminder struct {
	CampaignID int64 `json:"campaign_id"`
	ParentID   int64 `json:"parent_id"`
	Recipients int   `json:"recipients"`
}

// CreateReminder creates a draft reminder for the recipients of an update
// mailing (delivered, contact not erased) who did not open it, or did not
// answer, by the given time.
func (f *FollowUps) CreateReminder(ctx context.Context, parentID int64, in ReminderInput) (Reminder, error) {
	if in.Criterion != NotOpened && in.Criterion != NoResponse {
		return Reminder{}, errs.Invalid("criterion", "must be not_opened or no_response")
	}
	if err := errs.Name("name", in.Name); err != nil {
		return Reminder{}, err
	}
	if err := ValidateField("subject", in.Subject, 500); err != nil {
		return Reminder{}, err
	}
	if f.creator == nil {
		return Reminder{}, errs.Unavailable("campaigns_unavailable", "campaign creation is not available on this node")
	}
	name, subject, err := f.updateCampaign(ctx, parentID)
	if err != nil {
		return Reminder{}, err
	}
	if in.Name == "" {
		in.Name = "Reminder: " + name
	}
	if in.Subject == "" {
		in.Subject = "Reminder: " + subject
	}
	by := time.Now()
	if in.By != nil {
		by = *in.By
	}
	cond := `NOT EXISTS (SELECT 1 FROM update_answers a WHERE a.campaign_id = d.campaign_id AND a.contact_id = d.contact_id AND a.answered_at <= $2)`
	if in.Criterion == NotOpened {
		cond = `(d.opened_at IS NULL OR d.opened_at > $2)`
	}
	rows, err := f.db.Query(ctx, `SELECT d.contact_id FROM deliveries d JOIN contacts c ON c.id = d.contact_id
		WHERE d.campaign_id = $1 AND d.status = 'sent' AND `+cond+` ORDER BY d.contact_id`, parentID, by)
	if err != nil {
		return Reminder{}, fmt.Errorf("optin: reminder recipients: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return Reminder{}, err
	}
	if len(ids) == 0 {
		return Reminder{}, errs.Conflict("no_recipients", "every recipient already opened or answered; no reminder needed")
	}
	id, err := f.creator.CreateFollowUp(ctx, parentID, in.Name, in.Subject, ids)
	if err != nil {
		return Reminder{}, fmt.Errorf("optin: create reminder: %w", err)
	}
	return Reminder{CampaignID: id, ParentID: parentID, Recipients: len(ids)}, nil
}

// Report answers per category for an update mailing.
type Report struct {
	CampaignID int64            `json:"campaign_id"`
	Recipients int64            `json:"recipients"`
	Counts     map[string]int64 `json:"counts"`
}

// Report categories (ok, changed, remove as the answers; none: no response).
const NoAnswer = "none"

// Report counts the answers of an update mailing; recipients without an
// answer count as none. Erased contacts keep counting (anonymised).
func (f *FollowUps) Report(ctx context.Context, campaignID int64) (Report, error) {
	if _, _, err := f.updateCampaign(ctx, campaignID); err != nil {
		return Report{}, err
	}
	rep := Report{CampaignID: campaignID, Counts: map[string]int64{AnswerOK: 0, AnswerChanged: 0, AnswerRemove: 0, NoAnswer: 0}}
	rows, err := f.db.Query(ctx, `SELECT answer, count(*) FROM update_answers WHERE campaign_id = $1 GROUP BY answer`, campaignID)
	if err != nil {
		return rep, fmt.Errorf("optin: report: %w", err)
	}
	var answered int64
	type cnt struct {
		Answer string
		N      int64
	}
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[cnt])
	if err != nil {
		return rep, fmt.Errorf("optin: report: %w", err)
	}
	for _, c := range cs {
		rep.Counts[c.Answer] = c.N
		answered += c.N
	}
	// Recipients: deliveries that went out, plus answers from contacts whose
	// delivery row was not recorded as sent (never fewer than the answers).
	if err := f.db.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE campaign_id = $1 AND status = 'sent'`, campaignID).Scan(&rep.Recipients); err != nil {
		return rep, fmt.Errorf("optin: report: %w", err)
	}
	rep.Recipients = max(rep.Recipients, answered)
	rep.Counts[NoAnswer] = rep.Recipients - answered
	return rep, nil
}

// ReportContact is one contact in a report category.
type ReportContact struct {
	ContactID  int64      `json:"contact_id"`
	Email      string     `json:"email"`
	Name       string     `json:"name"`
	AnsweredAt *time.Time `json:"answered_at"`
}

// ReportContacts lists the contacts of one category (ok, changed, remove or
// none) after contact id, at most limit+1.
func (f *FollowUps) ReportContacts(ctx context.Context, campaignID int64, answer string, after int64, limit int) ([]ReportContact, error) {
	if _, _, err := f.updateCampaign(ctx, campaignID); err != nil {
		return nil, err
	}
	var q string
	switch answer {
	case AnswerOK, AnswerChanged, AnswerRemove:
		q = `SELECT c.id, c.email, c.name, a.answered_at FROM update_answers a JOIN contacts c ON c.id = a.contact_id
			WHERE a.campaign_id = $1 AND a.answer = $4 AND c.id > $2 ORDER BY c.id LIMIT $3`
	case NoAnswer:
		q = `SELECT c.id, c.email, c.name, NULL::timestamptz FROM deliveries d JOIN contacts c ON c.id = d.contact_id
			WHERE d.campaign_id = $1 AND d.status = 'sent' AND c.id > $2 AND $4 = $4
			AND NOT EXISTS (SELECT 1 FROM update_answers a WHERE a.campaign_id = d.campaign_id AND a.contact_id = d.contact_id)
			ORDER BY c.id LIMIT $3`
	default:
		return nil, errs.Invalid("answer", "must be ok, changed, remove or none")
	}
	rows, err := f.db.Query(ctx, q, campaignID, after, limit+1, answer)
	if err != nil {
		return nil, fmt.Errorf("optin: report contacts: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ReportContact])
}

// PurgeInput asks for the purge of an update mailing.
type PurgeInput struct {
	// NonResponders also erases recipients who did not answer, allowed only
	// after Deadline; optional, default false.
	NonResponders bool `json:"non_responders"`
	// Deadline: the answer deadline; required with non_responders, must be past.
	Deadline *time.Time `json:"deadline"`
}

// PurgeParams are stored with the job.
type purgeParams struct {
	CampaignID    int64      `json:"campaign_id"`
	NonResponders bool       `json:"non_responders"`
	Deadline      *time.Time `json:"deadline,omitempty"`
}

// StartPurge validates the purge and starts it as a job (kind
// update-purge); run erases in the background and is tracked by the job.
// It returns the job and the function to run.
func (f *FollowUps) StartPurge(ctx context.Context, campaignID int64, in PurgeInput, actor string) (jobs.Job, func(context.Context), error) {
	if err := f.checkPurge(ctx, campaignID, in); err != nil {
		return jobs.Job{}, nil, err
	}
	if f.eraser == nil {
		return jobs.Job{}, nil, errs.Unavailable("erasure_unavailable", "erasure is not available on this node")
	}
	p := purgeParams{CampaignID: campaignID, NonResponders: in.NonResponders, Deadline: in.Deadline}
	j, err := f.jobs.Start(ctx, jobs.KindUpdatePurge, p, actor)
	if err != nil {
		return j, nil, err
	}
	return j, func(bg context.Context) { f.runPurge(bg, j.ID, p, actor) }, nil
}

// checkPurge validates a purge of an update mailing.
func (f *FollowUps) checkPurge(ctx context.Context, campaignID int64, in PurgeInput) error {
	if in.NonResponders {
		if in.Deadline == nil {
			return errs.Invalid("deadline", "is required with non_responders")
		}
		if in.Deadline.After(time.Now()) {
			return errs.Invalid("deadline", "is in the future: non-responders can be purged only after the deadline")
		}
	}
	if _, _, err := f.updateCampaign(ctx, campaignID); err != nil {
		return err
	}
	if in.NonResponders {
		// A deadline before the mailing went out would make everyone it
		// reached a non-responder at once.
		var started *time.Time
		if err := f.db.QueryRow(ctx, `SELECT started_at FROM campaigns WHERE id = $1`, campaignID).Scan(&started); err != nil {
			return fmt.Errorf("optin: campaign start: %w", err)
		}
		if started == nil || !in.Deadline.After(*started) {
			return errs.Invalid("deadline", "is before the mailing was sent: its recipients had no time to answer")
		}
	}
	return nil
}

// PurgeCount is how many contacts a purge would erase now (shown before it runs).
func (f *FollowUps) PurgeCount(ctx context.Context, campaignID int64, in PurgeInput) (int, error) {
	if err := f.checkPurge(ctx, campaignID, in); err != nil {
		return 0, err
	}
	ids, err := f.purgeTargets(ctx, purgeParams{CampaignID: campaignID, NonResponders: in.NonResponders, Deadline: in.Deadline})
	return len(ids), err
}

// purgeTargets returns who the purge erases: every contact that asked to be
// removed, and (optionally) every recipient who never answered (someone who
// answered late is never erased as a non-responder).
func (f *FollowUps) purgeTargets(ctx context.Context, p purgeParams) ([]int64, error) {
	q := `SELECT contact_id FROM update_answers WHERE campaign_id = $1 AND answer = 'remove' AND contact_id IS NOT NULL`
	if p.NonResponders {
		q += ` UNION SELECT d.contact_id FROM deliveries d WHERE d.campaign_id = $1 AND d.status = 'sent' AND d.contact_id IS NOT NULL
			AND $2::timestamptz IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM update_answers a WHERE a.campaign_id = $1 AND a.contact_id = d.contact_id)`
	} else {
		q += ` AND $2::timestamptz IS NULL`
	}
	rows, err := f.db.Query(ctx, q+` ORDER BY 1`, p.CampaignID, p.Deadline)
	if err != nil {
		return nil, fmt.Errorf("optin: purge targets: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func (f *FollowUps) runPurge(ctx context.Context, jobID int64, p purgeParams, actor string) {
	defer f.jobs.KeepAlive(ctx, jobID)()
	ids, err := f.purgeTargets(ctx, p)
	if err != nil {
		f.jobs.Finish(context.WithoutCancel(ctx), jobID, 0, err)
		return
	}
	f.jobs.SetTotal(ctx, jobID, int64(len(ids)))
	var prog jobs.Progress
	flush := func() error {
		err := pgx.BeginFunc(ctx, f.db, func(tx pgx.Tx) error { return jobs.AdvanceTx(ctx, tx, jobID, prog) })
		prog = jobs.Progress{}
		return err
	}
	for i, id := range ids {
		if ctx.Err() != nil {
			err = ctx.Err()
			break
		}
		prog.Processed++
		switch e := f.eraser.Erase(ctx, id, CauseUpdate, actor); {
		case e == nil:
			prog.Applied++
		case errors.Is(e, contacts.ErrNotFound):
			// erased meanwhile: nothing left to do.
		default:
			prog.Failed++
			prog.Errors = append(prog.Errors, jobs.RowError{Row: id, Field: "contact_id", Reason: e.Error()})
		}
		if (i+1)%100 == 0 {
			if err = flush(); err != nil {
				break
			}
		}
	}
	if ferr := flush(); err == nil {
		err = ferr
	}
	f.log.Info("update-mailing purge finished", slog.Int64("job", jobID), slog.Int64("campaign", p.CampaignID), slog.Int("targets", len(ids)))
	f.jobs.Finish(context.WithoutCancel(ctx), jobID, int64(len(ids)), err)
}

// ExpireUnconfirmed removes unconfirmed subscriptions not confirmed within
// maxAge (one its contact had left is the opt-out again) and erases (cause retention) the contacts the subscribe form
// created that are left with nothing: no subscription and no delivery. It
// returns the subscriptions removed and the contacts erased.
func (r *Recipients) ExpireUnconfirmed(ctx context.Context, maxAge time.Duration, eraser Eraser) (int, int, error) {
	var ids []int64
	err := pgx.BeginFunc(ctx, r.db, func(tx pgx.Tx) error {
		// A subscription its contact left is the opt-out again, not
		// removed (leftSQL).
		if _, err := tx.Exec(ctx, `UPDATE subscriptions s SET status = 'unsubscribed', updated_at = now()
			WHERE s.status = 'unconfirmed' AND s.updated_at < now() - $1::interval AND `+leftSQL("s"), maxAge); err != nil {
			return fmt.Errorf("optin: expire unconfirmed: %w", err)
		}
		rows, err := tx.Query(ctx, `DELETE FROM subscriptions WHERE status = 'unconfirmed' AND updated_at < now() - $1::interval
			RETURNING contact_id`, maxAge)
		if err != nil {
			return fmt.Errorf("optin: expire unconfirmed: %w", err)
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return err
		}
		return syncOneStar(ctx, tx, ids)
	})
	if err != nil || len(ids) == 0 || eraser == nil {
		return len(ids), 0, err
	}
	rows, err := r.db.Query(ctx, `SELECT c.id FROM contacts c WHERE c.id = ANY($1) AND c.source = 'webform'
		AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.contact_id = c.id)
		AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.contact_id = c.id)`, ids)
	if err != nil {
		return len(ids), 0, fmt.Errorf("optin: expire unconfirmed: %w", err)
	}
	orphans, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return len(ids), 0, err
	}
	erased := 0
	for _, id := range orphans {
		if err := eraser.Erase(ctx, id, CauseRetention, "janitor"); err != nil && !errors.Is(err, contacts.ErrNotFound) {
			return len(ids), erased, err
		}
		erased++
	}
	return len(ids), erased, nil
}
