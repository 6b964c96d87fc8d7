package bounces

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/rtoken"
)

// origin is where a report came from and what its envelope proved.
type origin struct {
	InboundID int64  // the stored inbound message; 0 for webhooks
	Source    string // SourceDSN or SourceWebhook
	// VERP is the verified claim of the envelope address (the VERP
	// recipient of a bounce, or the return path a relay reports).
	VERP *rtoken.Claims
	// Forged: the envelope carried a token-shaped address that did not verify.
	Forged bool
}

// Reasons a report changed nothing for lack of proof: the reason label of
// postbode_inbound_unauthenticated_total.
const (
	unauthNoToken     = "no_token"             // no VERP, mailto, X-Postbode-Ref or Message-ID token
	unauthForged      = "forged_token"         // a token that did not verify
	unauthNotEligible = "address_not_eligible" // address matching on, but no single recently mailed address
)

// UnauthenticatedReasons are the reason label values of
// postbode_inbound_unauthenticated_total.
var UnauthenticatedReasons = []string{unauthNoToken, unauthForged, unauthNotEligible}

// authenticate returns the claims that prove which message a report answers,
// in order of strength: the verified envelope address, the X-Postbode-Ref of
// the returned original, or the Message-ID postbode minted for it. Without
// them it returns the reason: a token that does not verify makes the whole
// report untrusted, even when another field looks fine.
func (p *Processor) authenticate(rep *Report, o origin) (*rtoken.Claims, string) {
	if o.VERP != nil {
		return o.VERP, ""
	}
	if o.Forged {
		return nil, unauthForged
	}
	var found *rtoken.Claims
	if ref := strings.TrimSpace(rep.Original["x-postbode-ref"]); ref != "" {
		c, err := p.keys.Parse(ref, rtoken.Bounce)
		if err != nil && !errors.Is(err, rtoken.ErrExpired) {
			return nil, unauthForged
		}
		found = &c
	}
	if id := strings.TrimSpace(rep.Original["message-id"]); id != "" {
		c, err := p.keys.ParseMessageID(id)
		switch {
		case err == nil && found == nil:
			found = &c
		case err == nil && (c.ContactID != found.ContactID || c.CampaignID != found.CampaignID):
			return nil, unauthForged // two genuine tokens of different messages: spliced
		case err != nil && looksLikeToken(strings.Trim(id, "<>")):
			return nil, unauthForged
		}
	}
	if found == nil {
		return nil, unauthNoToken
	}
	return found, ""
}

// unauthenticated records the results of a report without proof as
// evidence (bounces rows with outcome unauthenticated, no contact, no
// campaign, never counted) and changes nothing else.
func (p *Processor) unauthenticated(ctx context.Context, tx pgx.Tx, results []Result, o origin, reason string) (outcome, error) {
	for _, r := range results {
		e := event{InboundID: o.InboundID, Result: r, Source: o.Source}
		if err := insertEvidence(ctx, tx, e); err != nil {
			return outcome{}, err
		}
	}
	what := "unauthenticated"
	if reason == unauthForged {
		what = "forged"
	}
	return outcome{Status: "ignored", What: what, unauth: reason}, nil
}

// matchRecent is address matching for a relay that rewrites the return
// path (bounces.address_match): the report must name exactly one address
// (in any spelling), and that address must belong to a contact that got a
// delivery from us within bounces.address_match_window. It returns the
// contact and the campaign of that delivery, or ok false.
func (p *Processor) matchRecent(ctx context.Context, tx pgx.Tx, results []Result) (contactID, campaignID int64, ok bool, err error) {
	addr := ""
	for _, r := range results {
		a := contacts.EmailKey(r.Recipient)
		switch {
		case a == "" || !strings.Contains(a, "@"):
			return 0, 0, false, nil
		case addr == "":
			addr = a
		case a != addr:
			return 0, 0, false, nil // several addresses: no message of ours had more than one recipient
		}
	}
	err = tx.QueryRow(ctx, `SELECT d.contact_id, d.campaign_id FROM contacts c
		JOIN deliveries d ON d.contact_id = c.id
		WHERE lower(c.email) = lower($1) AND d.status IN ('sent', 'bounced') AND d.done_at > now() - $2::interval
		ORDER BY d.done_at DESC LIMIT 1`, errs.Clip(addr, 320), p.addressWindow().String()).Scan(&contactID, &campaignID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("bounces: address match: %w", err)
	}
	return contactID, campaignID, true, nil
}

func (p *Processor) addressWindow() time.Duration {
	if p.opt.AddressMatchWindow > 0 {
		return p.opt.AddressMatchWindow
	}
	return 7 * 24 * time.Hour
}

// looksLikeToken reports whether an address's local part has the shape of
// an address token (b, u or m, then at least 30 base32 characters), so one
// that fails verification is counted as forged rather than as a plain
// mailbox or a foreign Message-ID.
func looksLikeToken(addr string) bool {
	local, _, _ := strings.Cut(strings.ToLower(addr), "@")
	if len(local) < 31 || (local[0] != 'b' && local[0] != 'u' && local[0] != 'm') {
		return false
	}
	return strings.Trim(local[1:], "abcdefghijklmnopqrstuvwxyz234567") == ""
}
