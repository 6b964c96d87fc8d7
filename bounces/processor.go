package bounces

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/rtoken"
)

// ProcessorOptions configure a Processor.
type ProcessorOptions struct {
	// DB is required.
	DB *db.Pool
	// Contacts is required (blocklist hashing).
	Contacts *contacts.Store
	// Lists is required (unsubscribes for complaints and mailto).
	Lists Lists
	// Keys verify VERP addresses, mailto addresses and X-Postbode-Ref; required.
	Keys *rtoken.Keys
	// Metrics; required (NewMetrics).
	Metrics *Metrics
	// Log; optional, default discards.
	Log *slog.Logger
	// Policy of the consequences.
	Policy Policy
	// RawRetention deletes inbound messages older than this; optional,
	// default 168h.
	RawRetention time.Duration
	// Workers processing inbound messages concurrently; optional, default 4.
	Workers int
	// Poll is how often idle workers look for new messages; optional,
	// default 2s (a Wake from the local listener is immediate).
	Poll time.Duration
	// MaxAttempts before a message that fails to process is given up
	// (status failed); optional, default 8.
	MaxAttempts int
	// AddressMatch lets an inbound report without any token change the one
	// contact it names by address, when that contact got a delivery within
	// AddressMatchWindow (bounces.address_match, for relays that rewrite the
	// return path); optional, default off: such reports change nothing.
	AddressMatch bool
	// AddressMatchWindow; optional, default 168h (7 days).
	AddressMatchWindow time.Duration
	// ReplayWindow bounds the age of a relay notification (the signed SNS
	// Timestamp), and how long its id is remembered to refuse a replay;
	// optional, default 1h.
	ReplayWindow time.Duration
}

// Processor applies bounces: it processes the inbound messages the listener
// stored, records synchronous SMTP refusals (RecordSMTP) and relay webhook
// reports, all with the same consequences.
type Processor struct {
	db       *db.Pool
	contacts *contacts.Store
	lists    Lists
	keys     *rtoken.Keys
	m        *Metrics
	log      *slog.Logger
	policy   Policy
	opt      ProcessorOptions
	wake     chan struct{}
	now      func() time.Time
}

// NewProcessor returns a processor; call Run to process inbound messages.
func NewProcessor(o ProcessorOptions) *Processor {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.RawRetention <= 0 {
		o.RawRetention = 168 * time.Hour
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.ReplayWindow <= 0 {
		o.ReplayWindow = time.Hour
	}
	return &Processor{db: o.DB, contacts: o.Contacts, lists: o.Lists, keys: o.Keys, m: o.Metrics,
		log: o.Log, policy: o.Policy, opt: o, wake: make(chan struct{}, 1), now: time.Now}
}

// Wake tells idle workers that a message was stored (the local listener
// calls it after every 250); other nodes find it at their next poll.
func (p *Processor) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run processes inbound messages until ctx ends: Workers goroutines claim
// rows with FOR UPDATE SKIP LOCKED, one transaction per message that also
// marks it processed, so a crash before the commit leaves the message to be
// processed again and one after it never applies it twice. It also deletes
// raw messages past their retention and keeps the backlog gauge current.
func (p *Processor) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for range p.opt.Workers {
		wg.Add(1)
		go func() { defer wg.Done(); p.worker(ctx) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); p.housekeeping(ctx) }()
	wg.Wait()
	return nil
}

func (p *Processor) worker(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-t.C:
		}
		for ctx.Err() == nil {
			ok, err := p.ProcessOne(ctx)
			if err != nil && ctx.Err() == nil {
				p.log.Warn("bounces: processing", slog.Any("error", err))
			}
			if !ok || err != nil {
				break // idle, or failing: wait for the next poll
			}
		}
		t.Reset(p.opt.Poll)
	}
}

func (p *Processor) housekeeping(ctx context.Context) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		if n, err := p.Expire(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("bounces: raw expiry", slog.Any("error", err))
		} else if n > 0 {
			p.log.Info("bounces: raw inbound messages expired", slog.Int64("count", n))
		}
		if n, err := p.ExpireEvidence(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("bounces: evidence expiry", slog.Any("error", err))
		} else if n > 0 {
			p.log.Info("bounces: uncorrelated evidence cleared", slog.Int64("count", n))
		}
		p.updateBacklog(ctx)
		p.expireWebhookIDs(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *Processor) updateBacklog(ctx context.Context) {
	var n int64
	if err := p.db.QueryRow(ctx, `SELECT count(*) FROM inbound_messages WHERE status = 'new'`).Scan(&n); err == nil {
		p.m.Backlog.Set(float64(n))
	}
}

// Expire deletes inbound messages (raw mail) received longer than
// RawRetention ago, whatever their status, and returns how many.
func (p *Processor) Expire(ctx context.Context) (int64, error) {
	var total int64
	for {
		tag, err := p.db.Exec(ctx, `DELETE FROM inbound_messages WHERE id IN (
			SELECT id FROM inbound_messages WHERE received_at < $1 ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED)`,
			p.now().Add(-p.opt.RawRetention))
		if err != nil {
			return total, fmt.Errorf("bounces: expire raw messages: %w", err)
		}
		total += tag.RowsAffected()
		p.m.Expired.Add(float64(tag.RowsAffected()))
		if tag.RowsAffected() < 1000 {
			return total, nil
		}
	}
}

// dueEvidenceSQL selects the bounces rows tied to no contact (evidence
// without proof, uncorrelated reports) that still name an address or keep a
// diagnostic, recorded before $1.
const dueEvidenceSQL = `FROM bounces WHERE contact_id IS NULL AND (recipient IS NOT NULL OR diagnostic <> '') AND created_at < $1`

// ExpireEvidence clears, as the raw mail they were read from goes after
// RawRetention, the address and diagnostic of evidence tied to no contact
// recorded longer than RawRetention ago, with the rule erasure uses
// (postbode_clear_evidence, migration 220), and returns how many rows.
func (p *Processor) ExpireEvidence(ctx context.Context) (int64, error) {
	var total int64
	cutoff := p.now().Add(-p.opt.RawRetention)
	for {
		var n int64
		if err := p.db.QueryRow(ctx, `SELECT postbode_clear_evidence(ARRAY(SELECT id `+dueEvidenceSQL+` ORDER BY id LIMIT 1000))`,
			cutoff).Scan(&n); err != nil {
			return total, fmt.Errorf("bounces: expire evidence: %w", err)
		}
		total += n
		if n < 1000 {
			return total, nil
		}
	}
}

// DueRaw counts the inbound messages Expire would delete now.
func (p *Processor) DueRaw(ctx context.Context) (int64, error) {
	var n int64
	if err := p.db.QueryRow(ctx, `SELECT count(*) FROM inbound_messages WHERE received_at < $1`,
		p.now().Add(-p.opt.RawRetention)).Scan(&n); err != nil {
		return 0, fmt.Errorf("bounces: count due raw messages: %w", err)
	}
	return n, nil
}

// DueEvidence counts the rows ExpireEvidence would clear now.
func (p *Processor) DueEvidence(ctx context.Context) (int64, error) {
	var n int64
	if err := p.db.QueryRow(ctx, `SELECT count(*) `+dueEvidenceSQL, p.now().Add(-p.opt.RawRetention)).Scan(&n); err != nil {
		return 0, fmt.Errorf("bounces: count due evidence: %w", err)
	}
	return n, nil
}

// inbound is one stored message.
type inbound struct {
	ID         int64
	MailFrom   string
	Rcpts      []string
	Raw        []byte
	ReceivedAt time.Time
	Attempts   int
}

// outcome of processing one inbound message.
type outcome struct {
	Status    string // done or ignored
	What      string // the postbode_inbound_processed_total outcome
	ContactID int64
	events    []Result // applied results, for metrics after the commit
	bounced   int      // deliveries moved to bounced, for metrics after the commit
	unauth    string   // why nothing was applied (UnauthenticatedReasons), or ""
	addrs     []string // addresses the parsed report names (erasure finds the raw message by them)
}

// ProcessOne claims the oldest due inbound message and processes it in one
// transaction. It reports false when there was nothing to do.
func (p *Processor) ProcessOne(ctx context.Context) (bool, error) {
	tx, err := p.db.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("bounces: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var m inbound
	err = tx.QueryRow(ctx, `SELECT id, mail_from, rcpts, raw, received_at, attempts FROM inbound_messages
		WHERE status = 'new' AND next_attempt <= now() ORDER BY next_attempt, id LIMIT 1 FOR UPDATE SKIP LOCKED`).
		Scan(&m.ID, &m.MailFrom, &m.Rcpts, &m.Raw, &m.ReceivedAt, &m.Attempts)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("bounces: claim: %w", err)
	}
	out, perr := p.handle(ctx, tx, m)
	if perr == nil {
		_, perr = tx.Exec(ctx, `UPDATE inbound_messages SET status = $2, outcome = $3, contact_id = $4, processed_at = now(),
			attempts = attempts + 1, address_hashes = ARRAY(SELECT DISTINCT h FROM unnest(address_hashes || $5::bytea[]) h)
			WHERE id = $1`, m.ID, out.Status, out.What, nullID(out.ContactID), p.hashes(out.addrs))
	}
	if perr == nil {
		perr = tx.Commit(ctx)
	}
	if perr != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return true, p.failed(ctx, m, perr)
	}
	p.m.Processed.WithLabelValues(out.What).Inc()
	p.countOutcome(out)
	p.m.Latency.Observe(time.Since(m.ReceivedAt).Seconds())
	for _, r := range out.events {
		p.m.Bounces.WithLabelValues(string(r.Class), metricReason(r.Reason)).Inc()
	}
	return true, nil
}

// failed records a failed attempt: the message is retried with exponential
// backoff, and given up (status failed) after MaxAttempts.
func (p *Processor) failed(ctx context.Context, m inbound, cause error) error {
	if ctx.Err() != nil {
		return cause
	}
	n := m.Attempts + 1
	backoff := time.Duration(1<<min(n, 12)) * 5 * time.Second
	status, what := "new", "retry"
	if n >= p.opt.MaxAttempts {
		status, what = "failed", "failed"
	}
	_, err := p.db.Exec(ctx, `UPDATE inbound_messages SET attempts = $2, status = $3, outcome = $4,
		next_attempt = now() + $5::interval WHERE id = $1 AND status = 'new'`,
		m.ID, n, status, errs.Clip(cause.Error(), 500), backoff.String())
	p.m.Processed.WithLabelValues(what).Inc()
	if err != nil {
		return errors.Join(cause, fmt.Errorf("bounces: record failure: %w", err))
	}
	return fmt.Errorf("inbound message %d attempt %d: %w", m.ID, n, cause)
}

// handle decides what an inbound message is and applies it in tx.
func (p *Processor) handle(ctx context.Context, tx pgx.Tx, m inbound) (outcome, error) {
	var verp, unsub *rtoken.Claims
	forged := false
	for _, rcpt := range m.Rcpts {
		c, err := p.keys.ParseAddress(rcpt)
		switch {
		case err == nil && c.Purpose == rtoken.Bounce && verp == nil:
			verp = &c
		case err == nil && c.Purpose == rtoken.Unsubscribe && unsub == nil:
			unsub = &c
		case err != nil && looksLikeToken(rcpt):
			forged = true
		}
	}
	if unsub != nil && verp == nil {
		if unsub.Test {
			return outcome{Status: "ignored", What: "ignored"}, nil // from a test mail: changes nothing
		}
		return p.mailtoUnsubscribe(ctx, tx, m, *unsub)
	}
	rep, err := safeParse(m.Raw)
	if errors.Is(err, ErrEmpty) {
		// Nothing to read, now or at any later attempt: the stored
		// message is all the evidence there is.
		return outcome{Status: "ignored", What: "ignored"}, nil
	}
	if err != nil {
		return outcome{}, fmt.Errorf("parse: %w", err)
	}
	// A token-shaped address that does not verify: nothing in this message
	// is trusted, and no contact is touched.
	out, err := p.applyReport(ctx, tx, rep, origin{InboundID: m.ID, Source: SourceDSN, VERP: verp, Forged: forged && verp == nil})
	out.addrs = reportAddresses(rep)
	return out, err
}

// countOutcome updates the metrics of a committed outcome.
func (p *Processor) countOutcome(out outcome) {
	if out.bounced > 0 {
		p.m.Messages.WithLabelValues("bounced").Add(float64(out.bounced))
	}
	if out.unauth == unauthForged {
		p.m.Forged.Inc()
	}
	if out.unauth != "" {
		p.m.Unauthenticated.WithLabelValues(out.unauth).Inc()
	}
}

// safeParse is Parse with a panic turned into an error, so one malformed
// message can never stop the processor (it is retried, then given up).
func safeParse(raw []byte) (rep *Report, err error) {
	defer func() {
		if r := recover(); r != nil {
			rep, err = nil, fmt.Errorf("parser panic: %v", r)
		}
	}()
	return Parse(raw)
}

// applyReport correlates a parsed report and applies its results when it
// is authenticated: a verified VERP address, X-Postbode-Ref or Message-ID
// names the one contact and campaign it answers. A relay's webhook (signed,
// or called with an API token) may also name contacts by address. Anything
// else is recorded as evidence with outcome unauthenticated and changes
// nothing, unless address matching is on and the report names exactly one
// recently mailed address (matchRecent).
func (p *Processor) applyReport(ctx context.Context, tx pgx.Tx, rep *Report, o origin) (outcome, error) {
	results := relevant(rep.Results)
	claims, why := p.authenticate(rep, o)
	if claims != nil && claims.Test {
		// A bounce of a test mail: it names no contact and changes nothing.
		return outcome{Status: "ignored", What: "ignored"}, nil
	}
	switch {
	case len(results) == 0 && why == unauthForged:
		return outcome{Status: "ignored", What: "forged", unauth: why}, nil
	case len(results) == 0 && hasAutoReply(rep.Results):
		return outcome{Status: "ignored", What: "auto-reply"}, nil
	case len(results) == 0:
		return outcome{Status: "ignored", What: "ignored"}, nil
	}
	if claims != nil {
		var email string
		if err := tx.QueryRow(ctx, `SELECT email FROM contacts WHERE id = $1`, claims.ContactID).Scan(&email); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return outcome{}, fmt.Errorf("bounces: contact of a report: %w", err)
		}
		return p.applyTo(ctx, tx, pick(results, email), claims.ContactID, claims.CampaignID, o)
	}
	if why == unauthNoToken && o.Source == SourceWebhook {
		return p.applyByAddress(ctx, tx, results, o)
	}
	if why == unauthNoToken && p.opt.AddressMatch {
		contactID, campaignID, ok, err := p.matchRecent(ctx, tx, results)
		if err != nil {
			return outcome{}, err
		}
		if ok {
			return p.applyTo(ctx, tx, pick(results, ""), contactID, campaignID, o)
		}
		why = unauthNotEligible
	}
	return p.unauthenticated(ctx, tx, results, o, why)
}

// applyTo applies one result to the contact and campaign a report was
// proven (or, with address matching, found) to answer.
func (p *Processor) applyTo(ctx context.Context, tx pgx.Tx, r Result, contactID, campaignID int64, o origin) (outcome, error) {
	ev := event{ContactID: contactID, CampaignID: campaignID, InboundID: o.InboundID, Result: r, Source: o.Source, Delivery: true}
	a, err := p.apply(ctx, tx, ev)
	if err != nil {
		return outcome{}, err
	}
	out := p.outcomeOf([]Result{r}, a.Contact, contactID)
	if a.Bounced {
		out.bounced = 1
	}
	return out, nil
}

// applyByAddress correlates each failed recipient of a relay's webhook
// report by its address, each contact once per report. An address may be a
// contact in several departments: the report is applied to each contact
// holding it that the webhook can see. A department's generic webhook runs
// in that department (row-level security shows it only its own contacts);
// the SNS webhook is installation-wide (its topics are not tied to a
// department) and its reports are signed by Amazon, so the bounce of that
// mailbox is applied in every department holding the address.
func (p *Processor) applyByAddress(ctx context.Context, tx pgx.Tx, results []Result, o origin) (outcome, error) {
	var done []Result
	var contactID int64
	bounced := 0
	seen := map[int64]bool{}
	for _, r := range results {
		ids, err := contactsByEmail(ctx, tx, r.Recipient)
		if err != nil {
			return outcome{}, err
		}
		if len(ids) == 0 {
			ids = []int64{0} // uncorrelated: recorded as evidence of the intake's department
		}
		applied := false
		for _, id := range ids {
			if id != 0 && seen[id] {
				continue
			}
			seen[id] = true
			campaign, err := recentCampaign(ctx, tx, id)
			if err != nil {
				return outcome{}, err
			}
			a, err := p.apply(ctx, tx, event{ContactID: id, CampaignID: campaign, InboundID: o.InboundID, Result: r, Source: o.Source, Delivery: true})
			if err != nil {
				return outcome{}, err
			}
			if a.Contact && contactID == 0 {
				contactID = id
			}
			if a.Bounced {
				bounced++
			}
			applied = true
		}
		if applied {
			done = append(done, r)
		}
	}
	out := p.outcomeOf(done, contactID != 0, contactID)
	out.bounced = bounced
	return out, nil
}

// reportAddresses are the addresses a parsed report names (failed and
// original recipients), as contacts.EmailKey writes them.
func reportAddresses(rep *Report) []string {
	var out []string
	for _, r := range rep.Results {
		for _, a := range []string{r.Recipient, r.OriginalRecipient} {
			if strings.Contains(a, "@") {
				out = append(out, contacts.EmailKey(a))
			}
		}
	}
	return out
}

func (p *Processor) outcomeOf(rs []Result, correlated bool, contactID int64) outcome {
	o := outcome{Status: "done", What: "bounce", events: rs}
	if !correlated {
		o.What, contactID = "uncorrelated", 0
	} else if rs[0].Class == Complaint {
		o.What = "complaint"
	} else if rs[0].Class == Unknown {
		o.What = "unknown"
	}
	o.ContactID = contactID
	return o
}

// relevant drops auto-replies (RFC 3834: ignored) and successful actions.
func relevant(rs []Result) []Result {
	var out []Result
	for _, r := range rs {
		if r.Class == AutoReply || r.Action == "delivered" || r.Action == "relayed" || r.Action == "expanded" {
			continue
		}
		out = append(out, r)
	}
	return out
}

func hasAutoReply(rs []Result) bool {
	for _, r := range rs {
		if r.Class == AutoReply {
			return true
		}
	}
	return false
}

// pick chooses the result that speaks for a token-correlated message: the
// first that names email, else the most severe (complaint, hard, block,
// soft, unknown), else the first. Several results naming other addresses
// (an alias expanded to several mailboxes) are hard for the contact only
// when all are: while one of them is not, the contact's address itself is
// not shown dead, and a false hard costs more than a missed one.
func pick(rs []Result, email string) Result {
	if email != "" {
		for _, r := range rs {
			if contacts.EmailKey(r.Recipient) == contacts.EmailKey(email) {
				return r
			}
		}
	}
	if len(rs) > 1 {
		var notHard []Result
		for _, r := range rs {
			if r.Class != Hard {
				notHard = append(notHard, r)
			}
		}
		if len(notHard) > 0 {
			rs = notHard
		}
	}
	best := rs[0]
	for _, r := range rs[1:] {
		if severity(r.Class) > severity(best.Class) {
			best = r
		}
	}
	return best
}

func severity(c Class) int {
	switch c {
	case Complaint:
		return 5
	case Hard:
		return 4
	case Block:
		return 3
	case Soft:
		return 2
	case Unknown:
		return 1
	}
	return 0
}

// contactsByEmail returns the contacts holding an address (any case, its
// domain in either spelling: contacts.EmailKey), one
// per department the transaction can see, in id order.
func contactsByEmail(ctx context.Context, tx pgx.Tx, email string) ([]int64, error) {
	if email == "" || !strings.Contains(email, "@") {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT id FROM contacts WHERE lower(email) = lower($1) ORDER BY id`, errs.Clip(contacts.EmailKey(email), 320))
	if err != nil {
		return nil, fmt.Errorf("bounces: find contact: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("bounces: find contact: %w", err)
	}
	return ids, nil
}

// recentCampaign is the campaign of a contact's most recent delivery
// (finished within the last 7 days), used for a bounce correlated by address
// only: bounces arrive within days of sending, and naming the campaign lets
// a synchronous refusal and a later DSN of the same message count once.
func recentCampaign(ctx context.Context, tx pgx.Tx, contactID int64) (int64, error) {
	if contactID == 0 {
		return 0, nil
	}
	var id int64
	err := tx.QueryRow(ctx, `SELECT campaign_id FROM deliveries WHERE contact_id = $1 AND status IN ('sent', 'bounced')
		AND done_at > now() - interval '7 days' ORDER BY done_at DESC LIMIT 1`, contactID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("bounces: recent campaign: %w", err)
	}
	return id, nil
}

// RecordSMTP applies a synchronous 5xx refusal seen by a send worker for
// (campaign, contact): classified with ClassifySMTPReply, by the command
// the reply answered ("MAIL", "RCPT", "DATA", "" when unknown), and applied with the
// same consequences as a DSN (source smtp), counted once with a later DSN
// of the same message. The send worker updates the delivery row and the
// campaign statistics itself. Replies below 500 are not bounces and are
// ignored.
func (p *Processor) RecordSMTP(ctx context.Context, campaignID, contactID int64, command string, code int, enhanced, text string) error {
	if code < 500 || code > 599 {
		return nil
	}
	r := ClassifySMTPReply(command, code, enhanced, text)
	if r.Class == AutoReply {
		return nil
	}
	if r.Action == "" {
		r.Action = "failed"
	}
	var a applied
	err := pgx.BeginFunc(ctx, p.db, func(tx pgx.Tx) error {
		var err error
		a, err = p.apply(ctx, tx, event{ContactID: contactID, CampaignID: campaignID, Result: r, Source: SourceSMTP})
		return err
	})
	if err != nil {
		return fmt.Errorf("bounces: record smtp refusal: %w", err)
	}
	p.m.Bounces.WithLabelValues(string(r.Class), metricReason(r.Reason)).Inc()
	if a.Inactivated {
		p.log.Info("bounces: contact inactive", slog.Int64("contact_id", contactID), slog.String("source", SourceSMTP))
	}
	return nil
}
