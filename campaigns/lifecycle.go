package campaigns

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/identity"
	"github.com/postbode/postbode/templates"
)

// Input is what a marketer gives to create or update a campaign. On update,
// nil fields keep their value.
type Input struct {
	Name        *string   `json:"name"`
	Kind        *string   `json:"kind"`
	Subject     *string   `json:"subject"`
	HTML        *string   `json:"html"`
	Text        *string   `json:"text"`
	FromName    *string   `json:"from_name"`
	FromEmail   *string   `json:"from_email"`
	ReplyTo     *string   `json:"reply_to"`
	ListIDs     *[]int64  `json:"list_ids"`
	Lists       *[]string `json:"lists"` // list slugs, an alternative to list_ids
	TrackOpens  *bool     `json:"track_opens"`
	TrackClicks *bool     `json:"track_clicks"`
	// Lang: en, nl or "" (the installation's default).
	Lang *string `json:"lang"`
}

func (in Input) apply(c *Campaign) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&c.Name, in.Name)
	set(&c.Kind, in.Kind)
	set(&c.FromName, in.FromName)
	set(&c.FromEmail, in.FromEmail)
	set(&c.ReplyTo, in.ReplyTo)
	set(&c.Lang, in.Lang)
	if in.Subject != nil {
		c.Subject = *in.Subject
	}
	if in.HTML != nil {
		c.HTML = *in.HTML
	}
	if in.Text != nil {
		c.Text = *in.Text
	}
	if in.ListIDs != nil {
		c.ListIDs = *in.ListIDs
	}
	if in.TrackOpens != nil {
		c.TrackOpens = *in.TrackOpens
	}
	if in.TrackClicks != nil {
		c.TrackClicks = *in.TrackClicks
	}
}

// validate checks c completely: fields, lists, DKIM, and that the template
// compiles. Errors name the field; every field that is wrong is reported
// (errors.Join of the field errors, errs.Fields), a failure of the
// database at once. It reads through q: a campaign write passes its
// transaction, which holds identity.HoldFrom, so the write never waits for
// a second connection while holding the first.
func (s *Service) validate(ctx context.Context, q querier, c *Campaign, slugs *[]string) error {
	var bad []error
	// field keeps a field error for the report and returns any other.
	field := func(err error) error {
		var e *errs.Error
		if errors.As(err, &e) && e.Kind == errs.KindInvalid {
			bad = append(bad, err)
			return nil
		}
		return err
	}
	if c.Name == "" {
		bad = append(bad, errs.Invalid("name", "required"))
	} else if err := errs.Name("name", c.Name); err != nil {
		bad = append(bad, err)
	}
	if c.Kind == "" {
		c.Kind = "regular"
	}
	if c.Kind != "regular" && c.Kind != "update" {
		bad = append(bad, errs.Invalid("kind", "must be regular or update"))
	}
	if strings.TrimSpace(c.Subject) == "" {
		bad = append(bad, errs.Invalid("subject", "required"))
	}
	if strings.TrimSpace(c.HTML) == "" && strings.TrimSpace(c.Text) == "" {
		bad = append(bad, errs.Invalid("html", "html or text is required"))
	}
	if err := errs.Name("from_name", c.FromName); err != nil {
		bad = append(bad, err)
	} else if strings.ContainsAny(c.FromName, "<>\"") {
		bad = append(bad, errs.Invalid("from_name", "must not contain quotes or angle brackets"))
	}
	dept, err := s.departmentIn(ctx, q, c.ID)
	if err != nil {
		return err
	}
	if from, err := contacts.NormalizeEmail("from_email", c.FromEmail); err != nil {
		if err := field(err); err != nil {
			return err
		}
	} else {
		c.FromEmail = from
		if err := field(identity.CheckFrom(ctx, q, dept, "from_email", from)); err != nil {
			return err
		} else if s.opt.RequireDKIM && (s.opt.DKIM == nil || !s.opt.DKIM.HasDomain(c.FromEmail)) {
			bad = append(bad, errs.Invalidf("from_email", "the domain %s has no DKIM key; add one (postbode dkim keygen) or send from a domain that has one", domainOf(c.FromEmail)))
		}
	}
	if c.ReplyTo != "" {
		if replyTo, err := contacts.NormalizeEmail("reply_to", c.ReplyTo); err != nil {
			if err := field(err); err != nil {
				return err
			}
		} else {
			c.ReplyTo = replyTo
		}
	}
	if c.Lang != "" && c.Lang != "en" && c.Lang != "nl" {
		bad = append(bad, errs.Invalid("lang", "must be en, nl or empty (the installation's default)"))
	}
	if (c.TrackOpens || c.TrackClicks) && !s.opt.Tracking {
		name := "track_opens"
		if !c.TrackOpens {
			name = "track_clicks"
		}
		bad = append(bad, errs.Invalid(name, "tracking is turned off for this installation (sending.tracking)"))
	}
	if err := field(s.resolveLists(ctx, q, c, slugs)); err != nil {
		return err
	}
	if strings.TrimSpace(c.Subject) != "" && (strings.TrimSpace(c.HTML) != "" || strings.TrimSpace(c.Text) != "") {
		style, err := s.styleIn(ctx, q, dept, c.Lang)
		if err != nil {
			return err
		}
		if _, err := templates.Compile(ctx, c.Subject, c.HTML, c.Text, style); err != nil {
			// Every failing part at once: the writer fixes them in one go.
			parts := templates.Errors(err)
			if len(parts) == 0 {
				bad = append(bad, errs.Invalid("html", err.Error()))
			}
			for _, te := range parts {
				if te.Part == "style" {
					return fmt.Errorf("campaigns: house style: %w", err)
				}
				bad = append(bad, errs.Invalid(te.Part, te.Message()))
			}
		}
	}
	return errors.Join(bad...)
}

// resolveLists turns slugs into ids and checks every list exists.
func (s *Service) resolveLists(ctx context.Context, q querier, c *Campaign, slugs *[]string) error {
	field := "list_ids"
	if slugs != nil {
		field = "lists"
		if len(*slugs) > 0 {
			ids, err := s.listIDs(ctx, q, *slugs)
			if err != nil {
				return err
			}
			c.ListIDs = ids
		}
	}
	if len(c.ListIDs) == 0 {
		return errs.Invalid(field, "at least one list is required")
	}
	c.ListIDs = dedupe(c.ListIDs)
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM lists WHERE id = ANY($1)`, c.ListIDs).Scan(&n); err != nil {
		return fmt.Errorf("campaigns: lists: %w", err)
	}
	if n != len(c.ListIDs) {
		return errs.Invalid(field, "names a list that does not exist")
	}
	return nil
}

// listIDs turns list slugs into ids in one query, however many slugs a
// request repeats; the unknown ones are named (the first few of them).
func (s *Service) listIDs(ctx context.Context, q querier, slugs []string) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT r.slug, l.id FROM unnest($1::text[]) WITH ORDINALITY AS r(slug, i)
		LEFT JOIN lists l ON l.slug = r.slug ORDER BY r.i`, slugs)
	if err != nil {
		return nil, fmt.Errorf("campaigns: lists: %w", err)
	}
	var ids []int64
	var missing []string
	seen := map[string]bool{}
	var slug string
	var id *int64
	_, err = pgx.ForEachRow(rows, []any{&slug, &id}, func() error {
		switch {
		case id != nil:
			ids = append(ids, *id)
		case !seen[slug]:
			seen[slug] = true
			missing = append(missing, slug)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("campaigns: lists: %w", err)
	}
	if len(missing) > 0 {
		const show = 5
		for i, m := range missing[:min(show, len(missing))] {
			if r := []rune(m); len(r) > 100 {
				missing[i] = string(r[:100]) + "…"
			}
		}
		names := strings.Join(missing[:min(show, len(missing))], ", ")
		if len(missing) > show {
			names += fmt.Sprintf(" and %d more", len(missing)-show)
		}
		return nil, errs.Invalidf("lists", "unknown list %s", names)
	}
	return ids, nil
}

func dedupe(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func domainOf(addr string) string {
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return addr
}

// Create validates in and stores a draft campaign.
// Check validates in as Create does and stores nothing: every field error
// of a form whose own checks already failed, so all show at once.
func (s *Service) Check(ctx context.Context, in Input) error {
	c := Campaign{Status: StateDraft}
	in.apply(&c)
	return s.validate(ctx, s.db, &c, in.Lists)
}

func (s *Service) Create(ctx context.Context, in Input, actor string) (Campaign, error) {
	c := Campaign{Status: StateDraft}
	in.apply(&c)
	var out Campaign
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// No claim of the From domain comes between its check and the
		// draft (identity.HoldFrom).
		if err := identity.HoldFrom(ctx, tx); err != nil {
			return err
		}
		if err := s.validate(ctx, tx, &c, in.Lists); err != nil {
			return err
		}
		var err error
		out, err = s.insert(ctx, tx, c, actor)
		return err
	})
	if err != nil {
		return c, err
	}
	return out, nil
}

func (s *Service) insert(ctx context.Context, q querier, c Campaign, actor string) (Campaign, error) {
	row := q.QueryRow(ctx, `WITH c AS (
		INSERT INTO campaigns (name, kind, subject, html, text_body, from_name, from_email, reply_to, list_ids,
			has_audience, track_opens, track_clicks, parent_id, created_by, lang)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING `+campaignCols+`
	), st AS (INSERT INTO campaign_stats (campaign_id) SELECT id FROM c)
	SELECT `+campaignCols+` FROM c`,
		c.Name, c.Kind, c.Subject, c.HTML, c.Text, c.FromName, c.FromEmail, c.ReplyTo, c.ListIDs,
		c.HasAudience, c.TrackOpens, c.TrackClicks, c.ParentID, actor, c.Lang)
	return scanCampaign(row)
}

// Update changes a draft or scheduled campaign; the result is validated as a whole.
func (s *Service) Update(ctx context.Context, id int64, in Input) (Campaign, error) {
	var out Campaign
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		c, err := scanCampaign(tx.QueryRow(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if c.Status != StateDraft && c.Status != StateScheduled {
			return conflict("update", c.Status, StateDraft, StateScheduled)
		}
		in.apply(&c)
		if err := identity.HoldFrom(ctx, tx); err != nil {
			return err
		}
		if err := s.validate(ctx, tx, &c, in.Lists); err != nil {
			return err
		}
		out, err = scanCampaign(tx.QueryRow(ctx, `UPDATE campaigns SET name = $2, kind = $3, subject = $4, html = $5,
			text_body = $6, from_name = $7, from_email = $8, reply_to = $9, list_ids = $10, track_opens = $11,
			track_clicks = $12, lang = $13, updated_at = now() WHERE id = $1 RETURNING `+campaignCols,
			id, c.Name, c.Kind, c.Subject, c.HTML, c.Text, c.FromName, c.FromEmail, c.ReplyTo, c.ListIDs,
			c.TrackOpens, c.TrackClicks, c.Lang))
		return err
	})
	return out, err
}

// transition moves a campaign from one of the allowed states with set (SQL
// SET clause; $1 is the id, extra args follow) and returns it. With
// revalidate the campaign is checked again first (lists, DKIM key and
// template may have changed since it was saved).
func (s *Service) transition(ctx context.Context, id int64, op string, allowed []string, revalidate bool, set string, args ...any) (Campaign, error) {
	var out Campaign
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		c, err := scanCampaign(tx.QueryRow(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if !contains(allowed, c.Status) {
			return conflict(op, c.Status, allowed...)
		}
		if revalidate {
			if err := identity.HoldFrom(ctx, tx); err != nil {
				return err
			}
			if err := s.validate(ctx, tx, &c, nil); err != nil {
				return err
			}
		}
		out, err = scanCampaign(tx.QueryRow(ctx, `UPDATE campaigns SET `+set+`, updated_at = now()
			WHERE id = $1 RETURNING `+campaignCols, append([]any{id}, args...)...))
		return err
	})
	if err == nil {
		s.signalStates(ctx)
	}
	return out, err
}

// Schedule sets send_at (which must be in the future) on a draft or
// scheduled campaign.
func (s *Service) Schedule(ctx context.Context, id int64, sendAt time.Time) (Campaign, error) {
	if sendAt.IsZero() {
		return Campaign{}, errs.Invalid("send_at", "required (RFC 3339 time)")
	}
	if sendAt.Before(time.Now()) {
		return Campaign{}, errs.Invalid("send_at", "is in the past; use start to send now")
	}
	return s.transition(ctx, id, "schedule", []string{StateDraft, StateScheduled}, true,
		`status = 'scheduled', send_at = $2, missed_at = NULL`, sendAt)
}

// Start starts a draft or scheduled campaign now (also one whose send_at
// was missed).
func (s *Service) Start(ctx context.Context, id int64) (Campaign, error) {
	return s.transition(ctx, id, "start", []string{StateDraft, StateScheduled}, true,
		`status = 'running', started_at = now(), missed_at = NULL`)
}

// Pause stops sending a running campaign; its queue is kept.
func (s *Service) Pause(ctx context.Context, id int64) (Campaign, error) {
	return s.transition(ctx, id, "pause", []string{StateRunning}, false, `status = 'paused', paused_at = now()`)
}

// Resume continues a paused campaign.
func (s *Service) Resume(ctx context.Context, id int64) (Campaign, error) {
	return s.transition(ctx, id, "resume", []string{StatePaused}, false, `status = 'running', paused_at = NULL`)
}

// Cancel stops a campaign for good; what was not sent is marked cancelled
// by the scheduler within a tick.
func (s *Service) Cancel(ctx context.Context, id int64) (Campaign, error) {
	return s.transition(ctx, id, "cancel", []string{StateDraft, StateScheduled, StateRunning, StatePaused},
		false, `status = 'cancelled'`)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
