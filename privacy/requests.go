package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/clientnet"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/humantime"
	"github.com/postbode/postbode/internal/identity"
	"github.com/postbode/postbode/internal/redisconn"
	"github.com/postbode/postbode/internal/rtoken"
)

// Privacy requests of data subjects: the right of access (GDPR art. 15) and
// the right to erasure (art. 17). A request is recorded only once the
// address is proven: by the verification link mailed from the public form
// (RequestByEmail, then ConfirmRequest), or by a recipient link in a mail
// postbode sent the contact (RequestForContact). Each recorded request is due
// one month after it was verified (art. 12(3)). Staff fulfil it through the
// API (Fulfil) — or postbode does: at once for access when
// privacy.auto_access is on, at the janitor's next run for erasure when
// privacy.auto_erasure is on (RunAutoErasures) — and the requester gets a
// mail when it is done.

// Request kinds.
const (
	KindAccess        = "access"        // art. 15
	KindErasure       = "erasure"       // art. 17
	KindRectification = "rectification" // art. 16
	KindRestriction   = "restriction"   // art. 18
	KindObjection     = "objection"     // art. 21: open and click measuring stops when verified
)

// RequestKinds lists the valid request kinds, in the order of their codes
// in verification tokens (kindCode).
var RequestKinds = []string{KindAccess, KindErasure, KindRectification, KindRestriction, KindObjection}

// Request statuses.
const (
	RequestOpen     = "open"
	RequestDone     = "done"
	RequestRejected = "rejected"
)

// Errors of privacy requests.
var (
	ErrRateLimited   = errs.Unavailable("rate_limited", "too many privacy requests for this address or client; try again in an hour")
	ErrRequestClosed = errs.Conflict("request_closed", "the privacy request is no longer open")
	ErrNoRequest     = errs.NotFound("request_not_found", "privacy request not found")
	// ErrRequestPending: a request of this kind with another text was
	// made for the address less than a minute ago.
	ErrRequestPending = errs.Conflict("request_pending", "a request of this kind with another text was just made for this address; try again in a minute")
	errNotConfigured  = errors.New("privacy: requests need Options.Mailer and Options.Tokens")
)

// Attachment is a file mailed with a message.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Mailer sends the single mails of privacy requests (verification links and
// answers). Send is what the app's transactional mailer offers;
// SendAttachments adds files (multipart/mixed) for the access export.
type Mailer interface {
	Send(ctx context.Context, to, subject, html, text string) error
	SendAttachments(ctx context.Context, to, subject, html, text string, files []Attachment) error
}

// Request is one recorded privacy request. IP and UserAgent are those of the
// verification (or of the recipient link); they are nulled, with the contact
// link, when the contact is erased.
type Request struct {
	ID         int64       `json:"id"`
	Kind       string      `json:"kind"`
	Status     string      `json:"status"`
	Via        string      `json:"via"`
	ContactID  *int64      `json:"contact_id"`
	IP         *netip.Addr `json:"ip"`
	UserAgent  *string     `json:"user_agent"`
	Lang       string      `json:"lang"`
	VerifiedAt time.Time   `json:"verified_at"`
	DueAt      time.Time   `json:"due_at"`
	ClosedAt   *time.Time  `json:"closed_at"`
	ClosedBy   string      `json:"closed_by"`
	Note       string      `json:"note"`
	// Details is what the requester wrote with the request (what should be
	// corrected); "" when nothing, and after erasure.
	Details string `json:"details"`
	// Overdue: open past its deadline.
	Overdue bool `json:"overdue"`
}

const requestCols = `id, kind, status, via, contact_id, ip, user_agent, lang, verified_at, due_at, closed_at, closed_by, note,
	coalesce(details, ''), status = 'open' AND due_at < now()`

// kindCode packs kind and language into the CampaignID slot of a Verify token.
func kindCode(kind, lang string) int64 {
	var c int64
	for i, k := range RequestKinds {
		if k == kind {
			c = int64(i + 1)
		}
	}
	if lang == "nl" {
		c |= 1 << 4
	}
	return c
}

func kindOf(code int64) (kind, lang string, ok bool) {
	lang = "en"
	if code&(1<<4) != 0 {
		lang = "nl"
	}
	i := int(code &^ (1 << 4))
	if i < 1 || i > len(RequestKinds) {
		return "", "", false
	}
	return RequestKinds[i-1], lang, true
}

func validKind(k string) bool {
	for _, v := range RequestKinds {
		if v == k {
			return true
		}
	}
	return false
}

// errKind names the valid kinds.
var errKind = errs.Invalid("kind", "must be access, erasure, rectification, restriction or objection")

func (s *Service) lang(l string) (string, error) {
	switch l {
	case "":
		return s.opt.DefaultLang, nil
	case "en", "nl":
		return l, nil
	}
	return "", errs.Invalid("lang", "must be en or nl")
}

func parseIP(ip string) (*netip.Addr, error) {
	if ip == "" {
		return nil, nil
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return nil, errs.Invalid("ip", "is not an IP address")
	}
	a = a.Unmap()
	return &a, nil
}

// RequestByEmail handles the public privacy request form: kind is one of
// RequestKinds, lang "en", "nl" or "" (public.default_lang), and details
// what should be corrected — required for a rectification and checked as
// for RequestForContact (CheckDetails), empty otherwise; it is kept until
// the link is followed and then recorded with the request. When the address
// belongs to a contact it mails a verification link {BaseURL}/q/TOKEN, valid
// for RequestLinkTTL; when it does not, nothing is sent. The answer is the
// same either way — nil for valid input, after the same work — so the form
// never reveals whether postbode holds the address: the mail is sent in the
// background (Wait waits for it), and a mail that cannot be sent is logged
// (contact id only) and counted in
// postbode_privacy_request_mails_total{result="error"}, not returned.
// Submissions are limited per address and per client IP (ErrRateLimited),
// known or not.
func (s *Service) RequestByEmail(ctx context.Context, email, kind, details, ip, userAgent, lang string) error {
	if s.opt.Mailer == nil || s.opt.Tokens == nil {
		return errNotConfigured
	}
	if !validKind(kind) {
		return errKind
	}
	details, err := CheckDetails(kind, details)
	if err != nil {
		return err
	}
	email, err = contacts.NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	lang, err = s.lang(lang)
	if err != nil {
		return err
	}
	addr, err := parseIP(ip)
	if err != nil {
		return err
	}
	if err := s.limitRequest(ctx, email, addr); err != nil {
		return err
	}
	c, err := s.opt.Contacts.GetByEmail(ctx, email)
	if errors.Is(err, contacts.ErrNotFound) {
		s.requestMails.WithLabelValues("unknown_address").Inc()
		return nil
	}
	if err != nil {
		return fmt.Errorf("privacy: request: %w", err)
	}
	now := time.Now()
	cl := rtoken.Claims{Purpose: rtoken.Verify, ContactID: c.ID, CampaignID: kindCode(kind, lang),
		Issued: now, Expires: now.Add(s.opt.RequestLinkTTL)}
	if details != "" {
		// Requests of one kind for one address within the same minute
		// share a link (the token has minute precision), so the text a
		// link stands for is never replaced: a different text for the
		// same link is refused and mails nothing.
		tag, err := s.db.Exec(ctx, `INSERT INTO privacy_request_drafts (token_hash, contact_id, details, expires_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (token_hash) DO UPDATE SET details = EXCLUDED.details
			WHERE privacy_request_drafts.details = EXCLUDED.details`,
			cl.Identity(), c.ID, details, cl.Expires)
		if err != nil {
			return fmt.Errorf("privacy: request: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrRequestPending
		}
	}
	tok := s.opt.Tokens.Mint(cl)
	// The page it opens speaks the language of the request, as the mail.
	link := strings.TrimRight(s.opt.BaseURL, "/") + rtoken.Path(rtoken.Verify) + "/" + tok + "?lang=" + lang
	ctx, org := s.sender(ctx, c.ID)
	m := s.verifyMail(org, lang, kind, link)
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundMailTimeout)
		defer cancel()
		s.sendVerification(ctx, c.ID, c.Email, kind, m)
	}()
	return nil
}

// backgroundMailTimeout bounds the delivery of one verification mail.
const backgroundMailTimeout = 2 * time.Minute

func (s *Service) sendVerification(ctx context.Context, contactID int64, to, kind string, m mailText) {
	if err := s.opt.Mailer.Send(ctx, to, m.subject, m.html, m.text); err != nil {
		s.requestMails.WithLabelValues("error").Inc()
		s.log.Error("privacy request: verification mail failed", "contact_id", contactID, "kind", kind, "error", err)
		return
	}
	s.requestMails.WithLabelValues("sent").Inc()
	s.log.Info("privacy request: verification mail sent", "contact_id", contactID, "kind", kind)
	if err := s.Audit(ctx, Entry{Actor: "public", Action: ActionRequestMailed, TargetKind: "request", Count: 1, Cause: kind}); err != nil {
		s.log.Error("privacy request: audit", "error", err)
	}
}

// Wait waits for the verification mails RequestByEmail is still sending
// (call it at shutdown, before the transport closes).
func (s *Service) Wait() { s.bg.Wait() }

// limitRequest counts a submission against the address and the client IP,
// each in a fixed one-hour window in Redis (keys hold keyed hashes only and
// always expire: redisconn.Count).
func (s *Service) limitRequest(ctx context.Context, email string, ip *netip.Addr) error {
	if s.opt.Redis == nil {
		return nil
	}
	keys := []struct {
		key   string
		limit int
	}{{s.opt.KeyPrefix + "prq:a:" + s.opt.Contacts.CounterKey("email", email), s.opt.RequestMailsPerHour}}
	if ip != nil {
		keys = append(keys, struct {
			key   string
			limit int
		}{s.opt.KeyPrefix + "prq:i:" + s.opt.Contacts.ClientKey(clientnet.Of(*ip).Addr().String()), 10 * s.opt.RequestMailsPerHour})
	}
	for _, k := range keys {
		n, err := redisconn.Count(ctx, s.opt.Redis, k.key, 1, time.Hour, time.Now())
		if err != nil {
			return fmt.Errorf("privacy: request rate limit: %w", err)
		}
		if n > int64(k.limit) {
			s.requestMails.WithLabelValues("rate_limited").Inc()
			return ErrRateLimited
		}
	}
	return nil
}

// ConfirmRequest records the request a verification link stands for, with
// the IP and user agent of whoever followed it, and returns its kind and
// whether this call recorded it. It is idempotent: the same token records
// one request (and a second open request of the same kind for the contact
// is not recorded either; recorded is false then). A token that
// does not verify is rtoken.ErrInvalid, one past its expiry rtoken.ErrExpired;
// a token of a contact erased since is rtoken.ErrInvalid.
func (s *Service) ConfirmRequest(ctx context.Context, token, ip, userAgent string) (kind string, recorded bool, err error) {
	if s.opt.Tokens == nil {
		return "", false, errNotConfigured
	}
	cl, err := s.opt.Tokens.Parse(token, rtoken.Verify)
	if err != nil {
		return "", false, err
	}
	kind, lang, ok := kindOf(cl.CampaignID)
	if !ok {
		return "", false, rtoken.ErrInvalid
	}
	addr, err := parseIP(ip)
	if err != nil {
		addr = nil // the edge gave something odd: record none
	}
	// Keyed on what the token stands for, not its text: a second
	// spelling or a second signature of the same link records nothing new.
	details, err := s.draft(ctx, cl)
	if err != nil {
		return "", false, err
	}
	_, recorded, err = s.record(ctx, cl.ContactID, kind, "form", lang, details, cl.Identity(), addr, userAgent)
	if err != nil {
		if errors.Is(err, contacts.ErrNotFound) {
			return "", false, rtoken.ErrInvalid
		}
		return "", false, err
	}
	if details != "" {
		if _, err := s.db.Exec(ctx, `DELETE FROM privacy_request_drafts WHERE token_hash = $1`, cl.Identity()); err != nil {
			return "", false, fmt.Errorf("privacy: confirm request: %w", err)
		}
	}
	return kind, recorded, nil
}

// PendingRequest tells what a verification link would confirm — its kind
// and, for a rectification, the text typed on the form — so the page can
// show it before the person confirms (the text may have been typed by
// someone else). Errors as ConfirmRequest's; it changes nothing.
func (s *Service) PendingRequest(ctx context.Context, token string) (kind, details string, err error) {
	if s.opt.Tokens == nil {
		return "", "", errNotConfigured
	}
	cl, err := s.opt.Tokens.Parse(token, rtoken.Verify)
	if err != nil {
		return "", "", err
	}
	kind, _, ok := kindOf(cl.CampaignID)
	if !ok {
		return "", "", rtoken.ErrInvalid
	}
	details, err = s.draft(ctx, cl)
	return kind, details, err
}

// draft returns what was typed on the form with the request a verification
// token stands for ("" when nothing was).
func (s *Service) draft(ctx context.Context, cl rtoken.Claims) (string, error) {
	var details string
	err := s.db.QueryRow(ctx, `SELECT details FROM privacy_request_drafts WHERE token_hash = $1 AND contact_id = $2`,
		cl.Identity(), cl.ContactID).Scan(&details)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("privacy: confirm request: %w", err)
	}
	return details, nil
}

// ExpireDrafts deletes what was typed with requests whose verification link
// has expired (the janitor calls it each run) and returns how many.
func (s *Service) ExpireDrafts(ctx context.Context) (int64, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM privacy_request_drafts WHERE expires_at < now()`)
	if err != nil {
		return 0, fmt.Errorf("privacy: expire request drafts: %w", err)
	}
	return tag.RowsAffected(), nil
}

// RequestForContact records a request from a recipient link (the mail that
// carried the link proves the address), of any kind in RequestKinds; lang
// is that of the page the request was made on ("en", "nl", or "" for
// public.default_lang), and the answer is mailed in it. details says what
// should be corrected: required for a rectification (at most
// MaxRequestDetails characters), empty for the other kinds.
func (s *Service) RequestForContact(ctx context.Context, contactID int64, kind, details, ip, userAgent, lang string) error {
	if !validKind(kind) {
		return errKind
	}
	details, err := CheckDetails(kind, details)
	if err != nil {
		return err
	}
	lang, err = s.lang(lang)
	if err != nil {
		return err
	}
	addr, err := parseIP(ip)
	if err != nil {
		addr = nil
	}
	_, _, err = s.record(ctx, contactID, kind, "link", lang, details, nil, addr, userAgent)
	return err
}

// MaxRequestDetails bounds the text of a rectification request, in characters.
const MaxRequestDetails = 2000

// CheckDetails returns the trimmed details of a request of kind, or an
// invalid-field error naming "details": the one rule for the public form
// and the recipient link.
func CheckDetails(kind, details string) (string, error) {
	details = strings.TrimSpace(details)
	if err := errs.Text("details", details); err != nil {
		return "", err
	}
	switch {
	case kind != KindRectification && details != "":
		return "", errs.Invalid("details", "only a rectification request takes details")
	case kind == KindRectification && details == "":
		return "", errs.Invalid("details", "is required: say what should be corrected")
	case utf8.RuneCountInString(details) > MaxRequestDetails:
		return "", errs.Invalidf("details", "must be at most %d characters", MaxRequestDetails)
	}
	return details, nil
}

// record inserts a verified request unless the token was used already or
// the contact has an open request of the kind; it audits and, when
// configured, fulfils a new request at once. It returns the request id and
// whether it was made by this call.
func (s *Service) record(ctx context.Context, contactID int64, kind, via, lang, details string, tokenHash []byte, ip *netip.Addr, ua string) (int64, bool, error) {
	var id int64
	var created bool
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// The request belongs to the contact's department (the one whose
		// form or mail it came through).
		var dept int64
		if err := tx.QueryRow(ctx, `SELECT department_id FROM contacts WHERE id = $1 FOR UPDATE`, contactID).Scan(&dept); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return contacts.ErrNotFound
			}
			return fmt.Errorf("privacy: record request: %w", err)
		}
		err := tx.QueryRow(ctx, `SELECT id FROM privacy_requests WHERE (token_hash = $1)
			OR (contact_id = $2 AND kind = $3 AND status = 'open') ORDER BY id LIMIT 1`, tokenHash, contactID, kind).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("privacy: record request: %w", err)
		}
		var uaArg *string
		if ua != "" {
			u := errs.Clip(ua, 1000)
			uaArg = &u
		}
		if err := tx.QueryRow(ctx, `INSERT INTO privacy_requests (kind, via, contact_id, token_hash, ip, user_agent, lang, due_at, department_id, details)
			VALUES ($1, $2, $3, $4, $5, $6, $7, now() + interval '1 month', $8, NULLIF($9, '')) RETURNING id`,
			kind, via, contactID, tokenHash, ip, uaArg, lang, dept, details).Scan(&id); err != nil {
			return fmt.Errorf("privacy: record request: %w", err)
		}
		created = true
		if kind == KindObjection {
			// Art. 21(3): an objection to direct marketing, which includes
			// measuring opens and clicks, is honoured without weighing.
			if _, err := tx.Exec(ctx, `UPDATE contacts SET no_tracking = true, updated_at = now() WHERE id = $1`, contactID); err != nil {
				return fmt.Errorf("privacy: record objection: %w", err)
			}
		}
		rid := id
		return writeAudit(access.WithDepartment(ctx, dept), tx, Entry{Actor: "public", Action: ActionRequestVerified, TargetKind: "request", TargetID: &rid, Count: 1, Cause: kind})
	})
	if err != nil || !created {
		return id, false, err
	}
	s.requests.WithLabelValues(kind, "verified").Inc()
	s.log.Info("privacy request recorded", "request_id", id, "kind", kind, "via", via)
	s.notifyContact(ctx, id, contactID, kind)
	// An access request is answered at once; an erasure waits for the
	// janitor (RunAutoErasures), so what the page that took the request logs
	// about it is erased with the contact rather than written after.
	if kind == KindAccess && s.opt.AutoAccess {
		if _, err := s.Fulfil(ctx, id, "auto"); err != nil {
			// The request stays open for staff; the requester's answer is not held up.
			s.log.Error("privacy request: automatic fulfilment failed; left open", "request_id", id, "error", err)
		}
	}
	return id, true, nil
}

// autoErasureDelay: an erasure request is fulfilled automatically once it is
// this old, after the recipient page's action log recorded the request.
const autoErasureDelay = time.Minute

// RunAutoErasures fulfils every open erasure request verified more than a
// minute ago when privacy.auto_erasure is on (the janitor calls it each
// run): the contact is erased and the requester gets the confirmation mail.
// Several janitors may run it: a request is fulfilled once. It returns how
// many requests it fulfilled.
func (s *Service) RunAutoErasures(ctx context.Context) (int, error) {
	if !s.opt.AutoErasure || s.opt.Mailer == nil {
		return 0, nil
	}
	rows, err := s.db.Query(ctx, `SELECT id, department_id FROM privacy_requests
		WHERE status = 'open' AND kind = 'erasure' AND verified_at < now() - $1::interval ORDER BY due_at, id`, autoErasureDelay.String())
	if err != nil {
		return 0, fmt.Errorf("privacy: auto erasures: %w", err)
	}
	type due struct{ ID, Dept int64 }
	reqs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[due])
	if err != nil {
		return 0, fmt.Errorf("privacy: auto erasures: %w", err)
	}
	n := 0
	var errsOut []error
	for _, r := range reqs {
		id := r.ID
		// In the request's department, as its privacy officer would:
		// the erasure and the closing go to that department's audit log.
		_, err := s.Fulfil(access.WithDepartment(ctx, r.Dept), id, "auto")
		switch {
		case err == nil:
			n++
		case errors.Is(err, ErrRequestClosed):
			// Another janitor or staff got there first.
		default:
			s.log.Error("privacy request: automatic erasure failed; left open", "request_id", id, "error", err)
			errsOut = append(errsOut, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return n, errors.Join(errsOut...)
}

// GetRequest returns one request.
func (s *Service) GetRequest(ctx context.Context, id int64) (Request, error) {
	rows, err := s.db.Query(ctx, `SELECT `+requestCols+` FROM privacy_requests WHERE id = $1`, id)
	if err != nil {
		return Request{}, fmt.Errorf("privacy: request: %w", err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Request])
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNoRequest
	}
	return r, err
}

// ListRequests returns requests after id `after`, at most limit+1, filtered
// by status and kind ("" for any), oldest first.
func (s *Service) ListRequests(ctx context.Context, status, kind string, after int64, limit int) ([]Request, error) {
	rows, err := s.db.Query(ctx, `SELECT `+requestCols+` FROM privacy_requests
		WHERE id > $1 AND ($2 = '' OR status = $2) AND ($3 = '' OR kind = $3) ORDER BY id LIMIT $4`, after, status, kind, limit+1)
	if err != nil {
		return nil, fmt.Errorf("privacy: requests: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Request])
}

// Fulfil answers an open request: an access request by mailing the export
// (JSON and PDF attached) to the contact, an erasure request by erasing the
// contact and then mailing a confirmation to the address it had. The request
// is closed as done and audited (actor: who fulfilled it; "auto" when
// privacy.auto_* did). When the contact was erased by other means meanwhile,
// the request is closed with a note and nothing is mailed (no address is
// left to mail).
func (s *Service) Fulfil(ctx context.Context, id int64, actor string) (Request, error) {
	return s.FulfilNote(ctx, id, actor, "")
}

// MaxNoteLen is the longest note staff may close a request with.
const MaxNoteLen = 2000

// NeedsNote says whether fulfilling a request of kind takes staff's note
// of what was done: a rectification, restriction or objection is done by
// hand, and the note is what the requester is told. Access and erasure
// are done by Fulfil itself.
func NeedsNote(kind string) bool {
	return kind == KindRectification || kind == KindRestriction || kind == KindObjection
}

// mayFulfil: fulfilling an access request exports a contact's data and an
// erasure request erases the contact, so besides privacy.requests it takes
// what doing that directly takes (privacy.export, privacy.erase). Work with
// no actor (the janitor's automatic erasure) is the installation's own.
func mayFulfil(ctx context.Context, kind string) error {
	need := access.PrivacyErase
	if kind == KindAccess {
		need = access.PrivacyExport
	}
	if a, ok := access.ActorFrom(ctx); ok && !a.Has(need) {
		return errs.Forbidden("beyond_own_permissions",
			fmt.Sprintf("fulfilling this %s request takes the permission %s, which you do not hold", kind, need))
	}
	return nil
}

// FulfilNote is Fulfil with staff's note of what was done; a request
// NeedsNote says needs one (mailed to the requester), at most MaxNoteLen
// bytes.
func (s *Service) FulfilNote(ctx context.Context, id int64, actor, note string) (Request, error) {
	if len(note) > MaxNoteLen {
		return Request{}, errs.Invalidf("note", "is longer than %d characters", MaxNoteLen)
	}
	if p := errs.TextProblem(note); p != "" {
		return Request{}, errs.Invalid("note", p)
	}
	if s.opt.Mailer == nil {
		return Request{}, errNotConfigured
	}
	r, err := s.GetRequest(ctx, id)
	if err != nil {
		return r, err
	}
	if r.Status != RequestOpen {
		return r, ErrRequestClosed
	}
	if r.ContactID == nil {
		return s.close(ctx, id, actor, RequestDone, "contact no longer held: erased before the request was fulfilled")
	}
	if NeedsNote(r.Kind) {
		return s.fulfilHandled(ctx, r, actor, note)
	}
	if err := mayFulfil(ctx, r.Kind); err != nil {
		return r, err
	}
	if r.Kind == KindAccess {
		return s.fulfilAccess(ctx, r, actor)
	}
	if err := s.errOnHoldFor(ctx, s.db, *r.ContactID); err != nil {
		return s.refuseHeld(ctx, r, actor, err)
	}
	return s.fulfilErasure(ctx, r, actor)
}

// fulfilHandled closes a rectification, restriction or objection request:
// staff did what it asks (correcting details goes through the contacts
// API) and say so in note, which the requester gets by mail.
func (s *Service) fulfilHandled(ctx context.Context, r Request, actor, note string) (Request, error) {
	c, err := s.opt.Contacts.Get(ctx, *r.ContactID)
	if err != nil {
		return r, err
	}
	if note == "" {
		return r, errs.Invalid("note", "say what was done: the requester gets it by mail")
	}
	out, err := s.close(ctx, r.ID, actor, RequestDone, note)
	if err != nil {
		return out, err
	}
	mctx, org := s.sender(ctx, c.ID)
	m := s.handledMail(org, r.Lang, r.Kind, note)
	if err := s.opt.Mailer.Send(mctx, c.Email, m.subject, m.html, m.text); err != nil {
		s.log.Error("privacy request: handled mail failed", "request_id", r.ID, "error", err)
	}
	return out, nil
}

// notifyContact mails the privacy contact that a verified request waits
// (in the background: the requester's page is not held up).
func (s *Service) notifyContact(ctx context.Context, id, contactID int64, kind string) {
	if s.opt.ContactEmail == "" || s.opt.Mailer == nil {
		return
	}
	r, err := s.GetRequest(ctx, id)
	if err != nil {
		s.log.Error("privacy request: notify contact", "request_id", id, "error", err)
		return
	}
	lang := s.opt.DefaultLang
	if a, err := mail.ParseAddress(s.opt.ContactEmail); err == nil && s.opt.StaffLang != nil {
		lang = s.opt.StaffLang(ctx, a.Address)
	}
	m := s.contactMail(lang, id, contactID, kind, humantime.Time(r.DueAt, s.controller().Location()))
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundMailTimeout)
		defer cancel()
		if err := s.opt.Mailer.Send(ctx, s.opt.ContactEmail, m.subject, m.html, m.text); err != nil {
			s.log.Error("privacy request: mail to the privacy contact failed", "request_id", id, "error", err)
		}
	}()
}

func (s *Service) fulfilAccess(ctx context.Context, r Request, actor string) (Request, error) {
	c, err := s.opt.Contacts.Get(ctx, *r.ContactID)
	if err != nil {
		return r, err
	}
	ex, err := s.Export(ctx, c.ID, actor, "json+pdf")
	if err != nil {
		return r, err
	}
	js, err := json.MarshalIndent(ex, "", "  ")
	if err != nil {
		return r, fmt.Errorf("privacy: fulfil access: %w", err)
	}
	pdf, err := ex.PDF(r.Lang)
	if err != nil {
		return r, err
	}
	mctx, org := s.sender(ctx, c.ID)
	m := s.accessMail(org, r.Lang)
	files := []Attachment{{Name: "personal-data.json", ContentType: "application/json", Data: js},
		{Name: "personal-data.pdf", ContentType: "application/pdf", Data: pdf}}
	if err := s.opt.Mailer.SendAttachments(mctx, c.Email, m.subject, m.html, m.text, files); err != nil {
		return r, fmt.Errorf("privacy: fulfil access request %d: mail: %w", r.ID, err)
	}
	return s.close(ctx, r.ID, actor, RequestDone, "export mailed")
}

func (s *Service) fulfilErasure(ctx context.Context, r Request, actor string) (Request, error) {
	// Whose name the confirmation carries is known only before the erasure.
	mctx, org := s.sender(ctx, *r.ContactID)
	var email string
	var erased []int64
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM privacy_requests WHERE id = $1 FOR UPDATE`, r.ID).Scan(&status); err != nil {
			return fmt.Errorf("privacy: fulfil erasure: %w", err)
		}
		if status != RequestOpen {
			return ErrRequestClosed
		}
		if err := tx.QueryRow(ctx, `SELECT email FROM contacts WHERE id = $1`, *r.ContactID).Scan(&email); err != nil {
			return fmt.Errorf("privacy: fulfil erasure: %w", err)
		}
		var err error
		if erased, err = s.EraseTx(ctx, tx, []int64{*r.ContactID}); err != nil {
			return err
		}
		if err := writeAudit(ctx, tx, Entry{Actor: actor, Action: ActionErase, TargetKind: "contact", Count: int64(len(erased)), Cause: CauseRequest}); err != nil {
			return err
		}
		return closeTx(ctx, tx, r.ID, actor, RequestDone, "contact erased", KindErasure)
	})
	if err != nil {
		return r, err
	}
	s.erasures.WithLabelValues(CauseRequest).Add(float64(len(erased)))
	s.requests.WithLabelValues(KindErasure, "fulfilled").Inc()
	s.log.Info("privacy request fulfilled: contact erased", "request_id", r.ID)
	if err := s.runHooks(ctx, erased); err != nil {
		s.log.Error("privacy request: purge after erasure", "request_id", r.ID, "error", err)
	}
	m := s.erasedMail(org, r.Lang)
	if err := s.opt.Mailer.Send(mctx, email, m.subject, m.html, m.text); err != nil {
		// The erasure stands; the address is gone, so the mail cannot be retried.
		s.log.Error("privacy request: erasure confirmation mail failed", "request_id", r.ID, "error", err)
	}
	return s.GetRequest(ctx, r.ID)
}

// Reject closes an open request without fulfilling it (e.g. a duplicate, or
// a request the organisation may refuse under GDPR art. 12(5) or 17(3)); the
// reason is kept in the note and must hold no personal data.
func (s *Service) Reject(ctx context.Context, id int64, actor, reason string) (Request, error) {
	if strings.TrimSpace(reason) == "" {
		return Request{}, errs.Invalid("reason", "is required: why the request is refused")
	}
	if len(reason) > 1000 {
		return Request{}, errs.Invalid("reason", "is longer than 1000 characters")
	}
	r, err := s.GetRequest(ctx, id)
	if err != nil {
		return r, err
	}
	if r.Status != RequestOpen {
		return r, ErrRequestClosed
	}
	return s.close(ctx, id, actor, RequestRejected, reason)
}

func (s *Service) close(ctx context.Context, id int64, actor, status, note string) (Request, error) {
	var kind string
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT kind FROM privacy_requests WHERE id = $1 AND status = 'open' FOR UPDATE`, id).Scan(&kind); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrRequestClosed
			}
			return fmt.Errorf("privacy: close request: %w", err)
		}
		return closeTx(ctx, tx, id, actor, status, note, kind)
	})
	if err != nil {
		return Request{}, err
	}
	step := "fulfilled"
	if status == RequestRejected {
		step = "rejected"
	}
	s.requests.WithLabelValues(kind, step).Inc()
	return s.GetRequest(ctx, id)
}

func closeTx(ctx context.Context, tx pgx.Tx, id int64, actor, status, note, kind string) error {
	if _, err := tx.Exec(ctx, `UPDATE privacy_requests SET status = $2, closed_at = now(), closed_by = $3, note = $4 WHERE id = $1`,
		id, status, actor, note); err != nil {
		return fmt.Errorf("privacy: close request: %w", err)
	}
	action := ActionRequestFulfil
	if status == RequestRejected {
		action = ActionRequestReject
	}
	rid := id
	return writeAudit(ctx, tx, Entry{Actor: actor, Action: action, TargetKind: "request", TargetID: &rid, Count: 1, Cause: kind})
}

// MailErased mails the erasure confirmation to an address that was just
// erased (the person asked for it), under the identity of the department
// ctx acts for (the staff member's, whose contact it was). A failure is
// logged and returned; the erasure stands.
func (s *Service) MailErased(ctx context.Context, to, lang string) error {
	if s.opt.Mailer == nil {
		return errNotConfigured
	}
	org := s.opt.OrgName
	if id, err := identity.Get(ctx, s.db, identity.Dept(ctx)); err == nil {
		ctx, org = s.under(ctx, id)
	}
	m := s.erasedMail(org, lang)
	if err := s.opt.Mailer.Send(ctx, to, m.subject, m.html, m.text); err != nil {
		s.log.Error("privacy: erasure confirmation mail failed", "error", err)
		return fmt.Errorf("privacy: erasure confirmation: %w", err)
	}
	return nil
}

// refuseHeld closes an erasure request of a held contact as refused, with
// the hold's reason as the note, and mails the requester why (GDPR art.
// 12(4), 17(3)).
func (s *Service) refuseHeld(ctx context.Context, r Request, actor string, holdErr error) (Request, error) {
	var oh *ErrOnHold
	if !errors.As(holdErr, &oh) {
		return r, holdErr
	}
	note := "refused: legal hold until " + oh.Hold.Until.UTC().Format("2006-01-02") + " (GDPR art. 17(3)): " + oh.Hold.Reason
	out, err := s.close(ctx, r.ID, actor, RequestRejected, note)
	if err != nil {
		return out, err
	}
	c, err := s.opt.Contacts.Get(ctx, *r.ContactID)
	if err != nil {
		return out, err
	}
	mctx, org := s.sender(ctx, c.ID)
	m := s.refusedMail(org, r.Lang, oh.Hold)
	if err := s.opt.Mailer.Send(mctx, c.Email, m.subject, m.html, m.text); err != nil {
		s.log.Error("privacy request: refusal mail failed", "request_id", r.ID, "error", err)
	}
	return out, nil
}
