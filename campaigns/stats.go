package campaigns

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/mta"
	"github.com/postbode/postbode/templates"
)

// Stats are a campaign's progress and results (see the package doc for
// what each counter means).
type Stats struct {
	CampaignID int64  `json:"campaign_id"`
	Status     string `json:"status"`
	// Expanded is true once every recipient is known (Total is final).
	Expanded  bool  `json:"expanded"`
	Total     int64 `json:"total"`
	Queued    int64 `json:"queued"`
	Sent      int64 `json:"sent"`
	Deferred  int64 `json:"deferred"`
	Bounced   int64 `json:"bounced"`
	Failed    int64 `json:"failed"`
	Skipped   int64 `json:"skipped"`
	Cancelled int64 `json:"cancelled"`
	Opened    int64 `json:"opened"`
	Clicked   int64 `json:"clicked"`
	Retries   int64 `json:"retries"`
	// Progress is the percentage of recipients with a final outcome.
	Progress float64 `json:"progress"`
	// Rate is messages per second with a final outcome since the start.
	Rate float64 `json:"rate"`
	// ETASeconds estimates the time left at Rate; null when unknown.
	ETASeconds *float64 `json:"eta_seconds"`
}

// Stats returns the campaign's counters with progress, rate and ETA.
func (s *Service) Stats(ctx context.Context, id int64) (Stats, error) {
	st := Stats{CampaignID: id}
	var started, finished *time.Time
	err := s.db.QueryRow(ctx, `SELECT c.status, c.expanded_at IS NOT NULL, c.started_at, c.finished_at,
		s.total, s.sent, s.deferred, s.bounced, s.failed, s.skipped, s.cancelled, s.opened, s.clicked, s.retries
		FROM campaigns c JOIN campaign_stats s ON s.campaign_id = c.id WHERE c.id = $1`, id).
		Scan(&st.Status, &st.Expanded, &started, &finished, &st.Total, &st.Sent, &st.Deferred, &st.Bounced,
			&st.Failed, &st.Skipped, &st.Cancelled, &st.Opened, &st.Clicked, &st.Retries)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, ErrNotFound
	}
	if err != nil {
		return st, fmt.Errorf("campaigns: stats: %w", err)
	}
	done := st.Sent + st.Bounced + st.Failed + st.Skipped + st.Cancelled
	st.Queued = max(st.Total-done-st.Deferred, 0)
	if st.Total > 0 {
		st.Progress = float64(done) * 100 / float64(st.Total)
	}
	if started != nil {
		end := time.Now()
		if finished != nil {
			end = *finished
		}
		if secs := end.Sub(*started).Seconds(); secs > 0 {
			st.Rate = float64(done) / secs
		}
	}
	if st.Rate > 0 && (st.Status == StateRunning || st.Status == StatePaused) && st.Expanded {
		eta := float64(st.Queued+st.Deferred) / st.Rate
		st.ETASeconds = &eta
	}
	return st, nil
}

// Preview renders the campaign with one contact's merge fields (contactID
// 0: the sample contact's, as a test send without a contact). Its links
// are a test send's, naming no contact: a preview needs only contacts.read,
// and a link naming the contact would let its reader act for the contact on
// the recipient pages (leave lists, change details, ask for erasure).
func (s *Service) Preview(ctx context.Context, id, contactID int64) (templates.Rendered, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return templates.Rendered{}, err
	}
	rt, err := s.newRuntime(ctx, c)
	if err != nil {
		return templates.Rendered{}, err
	}
	r, err := s.testRecipient(ctx, TestContact{ID: contactID})
	if err != nil {
		return templates.Rendered{}, err
	}
	d, opt := s.data(rt, r)
	return rt.tpl.Render(ctx, d, opt)
}

// testRecipient returns the recipient whose data a test mail shows: the
// picked contact, or the sample contact.
func (s *Service) testRecipient(ctx context.Context, as TestContact) (recipient, error) {
	if as == (TestContact{}) {
		c := templates.Sample().Contact
		return recipient{Name: c.Name, Attributes: c.Attributes, Test: true}, nil
	}
	return s.mergeContact(ctx, as)
}

// mergeContact reads the contact whose merge fields a preview or a test
// send shows, by ID or else by Email, with the attributes a real send's
// template gets: hidden ones (data minimisation) are left out.
func (s *Service) mergeContact(ctx context.Context, as TestContact) (recipient, error) {
	field, where, arg := "contact_id", "c.id = $1", any(as.ID)
	if as.ID == 0 {
		field, where, arg = "contact_email", "lower(c.email) = lower($1)", any(as.Email)
	}
	r := recipient{Test: true}
	err := s.db.QueryRow(ctx, `SELECT c.id, c.email, c.name, `+contacts.VisibleAttributesSQL("c")+` FROM contacts c WHERE `+where, arg).
		Scan(&r.ID, &r.Email, &r.Name, &r.Attributes)
	if errors.Is(err, pgx.ErrNoRows) {
		return recipient{}, errs.Invalid(field, "no such contact")
	}
	if err != nil {
		return recipient{}, fmt.Errorf("campaigns: contact for merge fields: %w", err)
	}
	return r, nil
}

// TestResult is the outcome of a test send to one address.
type TestResult struct {
	Address string `json:"address"`
	Result  string `json:"result"` // sent, bounced, deferred
	Reply   string `json:"reply,omitempty"`
}

// MaxTestAddresses caps one test send.
const MaxTestAddresses = 20

// TestContact picks the contact whose data fill a test mail's merge
// fields: by ID or by Email; neither means the sample contact.
type TestContact struct {
	ID    int64
	Email string
}

// TestSend sends the campaign, subject prefixed "[Test] ", to each address
// now (any state; nothing is recorded on the campaign) with the sample
// contact's merge fields. See TestSendAs.
func (s *Service) TestSend(ctx context.Context, id int64, addresses []string) ([]TestResult, error) {
	return s.TestSendAs(ctx, id, addresses, TestContact{})
}

// TestSendAs is TestSend with the merge fields of a real contact. Every
// link and return path of a test mail carries a test token that names no
// contact: the pages it leads to say it was a test and change nothing, and a
// bounce of it touches no contact.
func (s *Service) TestSendAs(ctx context.Context, id int64, addresses []string, as TestContact) ([]TestResult, error) {
	if len(addresses) == 0 || len(addresses) > MaxTestAddresses {
		return nil, errs.Invalidf("addresses", "give 1 to %d addresses", MaxTestAddresses)
	}
	norm := make([]string, len(addresses))
	for i, a := range addresses {
		n, err := contacts.NormalizeEmail(fmt.Sprintf("addresses[%d]", i), a)
		if err != nil {
			return nil, err
		}
		norm[i] = n
	}
	if s.opt.Transport == nil {
		return nil, errs.Unavailable("no_transport", "sending is not configured on this node")
	}
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	rt, err := s.newRuntime(ctx, c)
	if err != nil {
		return nil, err
	}
	who, err := s.testRecipient(ctx, as)
	if err != nil {
		return nil, err
	}
	out := make([]TestResult, len(norm))
	for i, addr := range norm {
		r := who
		r.To = addr
		if r.Email == "" {
			r.Email = addr // the sample contact has the test address
		}
		env, err := s.build(ctx, rt, r, "[Test] ", nil, nil)
		if err != nil {
			return nil, fmt.Errorf("campaigns: test send: %w", err)
		}
		res := s.opt.Transport.Send(ctx, mta.AddressDomain(addr), []mta.Envelope{env})
		out[i] = TestResult{Address: addr, Result: "deferred"}
		if len(res) == 1 {
			out[i].Result, out[i].Reply = res[0].Outcome().String(), strings.TrimSpace(res[0].String())
		}
	}
	return out, nil
}

// SentSince counts the messages with a final sent or bounced outcome in
// campaigns that ran since t (started, finished or still running then): the
// denominator of the console's bounce and complaint rates.
func (s *Service) SentSince(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `SELECT coalesce(sum(s.sent + s.bounced), 0)::bigint
		FROM campaign_stats s JOIN campaigns c ON c.id = s.campaign_id
		WHERE c.finished_at >= $1 OR c.status IN ('running', 'paused')`, t).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("campaigns: sent since: %w", err)
	}
	return n, nil
}
